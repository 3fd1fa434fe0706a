#include "service/user_validator.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/api_error.hpp"
#include "domain/text.hpp"

namespace user_api {
namespace {

using nlohmann::json;

constexpr const char* kKnownFields[] = {"name", "email", "age"};
constexpr const char* kServerFields[] = {"id", "created_at", "updated_at"};

// The messages that quote a limit, built from it.
const std::string kNameLengthMessage =
    "must be 1 to " + std::to_string(kMaxNameCodePoints) + " characters after trimming";
const std::string kEmailLengthMessage =
    "must be at most " + std::to_string(kMaxEmailLength) + " characters";
const std::string kEmailLocalPartMessage =
    "must have a local part of 1 to " + std::to_string(kMaxEmailLocalLength) +
    " characters, without spaces or control characters";
const std::string kAgeMessage = "must be an integer from " + std::to_string(kMinAge) + " to " +
                                std::to_string(kMaxAge) + ", or null";

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
  if (CodePointCount(email) > kMaxEmailLength) return kEmailLengthMessage;
  const auto at = email.find('@');
  if (at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos) {
    return "must contain exactly one '@'";
  }
  const std::string_view local = email.substr(0, at);
  const std::size_t local_length = CodePointCount(local);
  if (local_length < 1 || local_length > kMaxEmailLocalLength ||
      local.find(' ') != std::string_view::npos || HasControlCharacter(local)) {
    return kEmailLocalPartMessage;
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
    std::string name(Trim(value->get_ref<const std::string&>()));
    const std::size_t length = CodePointCount(name);
    if (length < 1 || length > kMaxNameCodePoints) {
      return Fail("name", kNameLengthMessage);
    }
    if (HasControlCharacter(name)) return Fail("name", "must not contain control characters");
    return name;
  }

  std::optional<std::string> Email(bool required) {
    const json* value = Find("email", required);
    if (!value) return std::nullopt;
    if (!value->is_string()) return Fail("email", "must be a string");
    std::string email(Trim(value->get_ref<const std::string&>()));
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
    errors_.push_back({"age", kAgeMessage});
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
