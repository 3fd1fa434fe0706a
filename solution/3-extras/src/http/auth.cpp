#include "http/auth.hpp"

#include "domain/api_error.hpp"
#include "domain/text.hpp"

namespace user_api {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Walks the whole of `a` whatever the bytes, so the time reveals lengths only.
  std::size_t difference = a.size() ^ b.size();
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char other = i < b.size() ? b[i] : '\0';
    difference |= static_cast<unsigned char>(a[i] ^ other);
  }
  return difference == 0;
}

void CheckBearerToken(const httplib::Request& req, const std::string& key) {
  constexpr const char* kChallenge = "Bearer realm=\"user-api\"";
  if (!req.has_header("Authorization")) {
    throw ApiError(ErrorCode::kUnauthorized, "send Authorization: Bearer <API key>")
        .WithHeader("WWW-Authenticate", kChallenge);
  }
  const std::string header = req.get_header_value("Authorization");
  const auto space = header.find(' ');
  const std::string scheme = AsciiLower(header.substr(0, space));
  const auto token_start = space == std::string::npos ? header.size()
                                                      : header.find_first_not_of(' ', space);
  const std::string token =
      token_start == std::string::npos ? "" : header.substr(token_start);
  const bool well_formed =
      scheme == "bearer" && !token.empty() && token.find(' ') == std::string::npos;
  if (!well_formed || !ConstantTimeEquals(token, key)) {
    throw ApiError(ErrorCode::kUnauthorized, "the API key is missing or wrong")
        .WithHeader("WWW-Authenticate", std::string(kChallenge) + ", error=\"invalid_token\"");
  }
}

}  // namespace user_api
