#include "service/user_validator.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/user_query.hpp"
#include "service/api_error.hpp"

namespace user_api {
namespace {

using nlohmann::json;

constexpr std::string_view kWhitespace = " \t\n\v\f\r";
constexpr const char* kKnownFields[] = {"name", "email", "age"};
constexpr const char* kServerFields[] = {"id", "created_at", "updated_at"};

std::string Trim(std::string_view text) {
  const auto first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return "";
  const auto last = text.find_last_not_of(kWhitespace);
  return std::string(text.substr(first, last - first + 1));
}

// The number of code points in `text`, which nlohmann/json has already
// checked to be valid UTF-8: every byte but the continuation bytes.
std::size_t CodePointCount(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool IsControl(char32_t point) { return point <= 0x1F || (point >= 0x7F && point <= 0x9F); }

// Whether valid UTF-8 `text` holds a C0 or C1 control character.
bool HasControl(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const int length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    char32_t point = length == 1 ? lead : lead & (0x3F >> (length - 1));
    for (int k = 1; k < length && i + k < text.size(); ++k) {
      point = (point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    if (IsControl(point)) return true;
    i += static_cast<std::size_t>(length);
  }
  return false;
}

bool IsDomainLabel(std::string_view label) {
  if (label.empty() || label.size() > kMaxDomainLabelLength) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '-') return false;
  }
  return true;
}

// Two or more dot-separated labels.
bool IsDomain(std::string_view domain) {
  for (std::size_t start = 0, labels = 1;; ++labels) {
    const auto dot = domain.find('.', start);
    const std::size_t end = dot == std::string_view::npos ? domain.size() : dot;
    if (!IsDomainLabel(domain.substr(start, end - start))) return false;
    if (dot == std::string_view::npos) return labels >= 2;
    start = dot + 1;
  }
}

// Returns why `email` (already trimmed) is invalid, or nullopt.
std::optional<std::string> EmailProblem(std::string_view email) {
  if (CodePointCount(email) > kMaxEmailLength) return "must be at most 254 characters";
  const auto at = email.find('@');
  if (at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos) {
    return "must contain exactly one '@'";
  }
  const std::string_view local = email.substr(0, at);
  const std::size_t local_length = CodePointCount(local);
  if (local_length < 1 || local_length > kMaxEmailLocalLength ||
      local.find(' ') != std::string_view::npos || HasControl(local)) {
    return "must have a local part of 1 to 64 characters, without spaces or control characters";
  }
  if (!IsDomain(email.substr(at + 1))) {
    return "must have a domain of two or more labels of letters, digits and hyphens";
  }
  return std::nullopt;
}

// Collects the field errors of one body, in the contract's order.
class BodyReader {
 public:
  explicit BodyReader(const json& body) : body_(body) {
    if (!body_.is_object()) errors_.push_back({"", "the body must be a JSON object"});
  }

  std::optional<std::string> Name(bool required) {
    const json* value = Find("name", required);
    if (!value) return std::nullopt;
    if (!value->is_string()) return Fail("name", "must be a string");
    std::string name = Trim(value->get_ref<const std::string&>());
    const std::size_t length = CodePointCount(name);
    if (length < 1 || length > kMaxNameCodePoints) {
      return Fail("name", "must be 1 to 100 characters after trimming");
    }
    if (HasControl(name)) return Fail("name", "must not contain control characters");
    return name;
  }

  std::optional<std::string> Email(bool required) {
    const json* value = Find("email", required);
    if (!value) return std::nullopt;
    if (!value->is_string()) return Fail("email", "must be a string");
    std::string email = Trim(value->get_ref<const std::string&>());
    if (std::optional<std::string> problem = EmailProblem(email)) return Fail("email", *problem);
    return AsciiLower(std::move(email));
  }

  // nullopt when absent or invalid; an empty inner value for null.
  std::optional<std::optional<int>> Age() {
    const json* value = Find("age", false);
    if (!value) return std::nullopt;
    if (value->is_null()) return std::optional<int>();
    // Booleans are not numbers in nlohmann/json; floats are not integers.
    if (value->is_number_integer()) {
      const bool in_range = value->is_number_unsigned()
                                ? value->get<std::uint64_t>() <= std::uint64_t{kMaxAge}
                                : value->get<std::int64_t>() >= kMinAge &&
                                      value->get<std::int64_t>() <= kMaxAge;
      if (in_range) return std::optional<int>(value->get<int>());
    }
    errors_.push_back({"age", "must be an integer from 0 to 150, or null"});
    return std::nullopt;
  }

  // Records every member that is not a client field; nlohmann/json keeps
  // object members sorted, so they come out in byte order.
  void RejectUnknownFields() {
    if (!body_.is_object()) return;
    for (const auto& [key, value] : body_.items()) {
      if (IsOneOf(key, kKnownFields)) continue;
      errors_.push_back({key, IsOneOf(key, kServerFields) ? "is set by the server"
                                                          : "is not a field of a user"});
    }
  }

  // Throws when any field failed.
  void ThrowIfInvalid() const {
    if (errors_.empty()) return;
    const std::string detail = errors_.size() == 1
                                   ? "the request has 1 invalid field"
                                   : "the request has " + std::to_string(errors_.size()) +
                                         " invalid fields";
    throw ApiError(ErrorCode::kValidationFailed, detail, errors_);
  }

 private:
  template <std::size_t N>
  static bool IsOneOf(const std::string& key, const char* const (&names)[N]) {
    for (const char* name : names) {
      if (key == name) return true;
    }
    return false;
  }

  const json* Find(const char* field, bool required) {
    if (!body_.is_object()) return nullptr;
    auto it = body_.find(field);
    if (it != body_.end()) return &*it;
    if (required) errors_.push_back({field, "is required"});
    return nullptr;
  }

  std::nullopt_t Fail(const char* field, std::string message) {
    errors_.push_back({field, std::move(message)});
    return std::nullopt;
  }

  const json& body_;
  std::vector<FieldError> errors_;
};

}  // namespace

NewUser ValidateNewUser(const json& body) {
  BodyReader reader(body);
  std::optional<std::string> name = reader.Name(/*required=*/true);
  std::optional<std::string> email = reader.Email(/*required=*/true);
  std::optional<std::optional<int>> age = reader.Age();
  reader.RejectUnknownFields();
  reader.ThrowIfInvalid();
  return NewUser{*name, *email, age.value_or(std::nullopt)};
}

UserPatch ValidateUserPatch(const json& body) {
  BodyReader reader(body);
  UserPatch patch;
  patch.name = reader.Name(/*required=*/false);
  patch.email = reader.Email(/*required=*/false);
  patch.age = reader.Age();
  reader.RejectUnknownFields();
  reader.ThrowIfInvalid();
  return patch;
}

}  // namespace user_api
