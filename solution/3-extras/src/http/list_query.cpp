#include "http/list_query.hpp"

#include <map>
#include <sstream>
#include <utility>

#include "domain/text.hpp"
#include "service/query_validator.hpp"

namespace user_api {
namespace {

// How many times each parameter name occurs in the raw query string.
// httplib 0.11 drops a repeated name=value pair before the handler sees it,
// so repeats are counted here, on the target as sent.
std::map<std::string, int> CountNames(const std::string& target) {
  std::map<std::string, int> counts;
  const auto question = target.find('?');
  if (question == std::string::npos) return counts;
  std::istringstream pairs(target.substr(question + 1));
  for (std::string pair; std::getline(pairs, pair, '&');) {
    const std::string name = pair.substr(0, pair.find('='));
    std::string decoded;
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (name[i] == '%' && i + 2 < name.size() && HexDigitValue(name[i + 1]) >= 0 &&
          HexDigitValue(name[i + 2]) >= 0) {
        decoded += static_cast<char>(HexDigitValue(name[i + 1]) * 16 + HexDigitValue(name[i + 2]));
        i += 2;
      } else {
        decoded += name[i] == '+' ? ' ' : name[i];
      }
    }
    ++counts[decoded];
  }
  return counts;
}

// One parameter as sent; `text` ones must be UTF-8 (numbers are judged by
// the service, whatever their bytes).
QueryParameter Read(const httplib::Request& req, const std::map<std::string, int>& raw_counts,
                    const char* name, bool text = false) {
  const std::size_t count = req.get_param_value_count(name);
  if (count == 0) return {};
  const auto raw = raw_counts.find(name);
  if (count > 1 || (raw != raw_counts.end() && raw->second > 1)) {
    return {std::nullopt, "must be given at most once"};
  }
  std::string value = req.get_param_value(name);
  if (text && !IsValidUtf8(value)) return {std::nullopt, "must be valid UTF-8"};
  return {std::move(value), ""};
}

// Every byte but the unreserved ones as %XX, uppercase.
std::string PercentEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      AppendHex(out, c, 2, /*uppercase=*/true);
    }
  }
  return out;
}

std::string PageUrl(const UserQuery& query, std::uint64_t offset) {
  std::string url = "/users?limit=" + std::to_string(query.limit) + "&offset=" + std::to_string(offset);
  if (query.q) url += "&q=" + PercentEncode(*query.q);
  if (query.email) url += "&email=" + PercentEncode(*query.email);
  if (query.min_age) url += "&min_age=" + std::to_string(*query.min_age);
  if (query.max_age) url += "&max_age=" + std::to_string(*query.max_age);
  return url;
}

}  // namespace

UserQueryParameters ReadUserQueryParameters(const httplib::Request& req) {
  const std::map<std::string, int> raw_counts = CountNames(req.target);
  return {Read(req, raw_counts, "limit"), Read(req, raw_counts, "offset"),
          Read(req, raw_counts, "q", /*text=*/true), Read(req, raw_counts, "email", /*text=*/true),
          Read(req, raw_counts, "min_age"), Read(req, raw_counts, "max_age")};
}

UserQuery ParseUserQuery(const httplib::Request& req) {
  return ValidateUserQuery(ReadUserQueryParameters(req));
}

std::string PageLinks(const UserQuery& query, std::uint64_t total) {
  std::string links;
  if (query.offset + query.limit < total) {
    links = "<" + PageUrl(query, query.offset + query.limit) + ">; rel=\"next\"";
  }
  if (query.offset > 0) {
    const std::uint64_t previous = query.offset > query.limit ? query.offset - query.limit : 0;
    links += (links.empty() ? "" : ", ") + std::string("<") + PageUrl(query, previous) +
             ">; rel=\"prev\"";
  }
  return links;
}

}  // namespace user_api
