#include "http/user_json.hpp"

#include <climits>

namespace user_api {
namespace {

using nlohmann::json;

std::optional<json> ParseObject(std::string_view body, BodyError& error) {
  json doc = json::parse(body, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    error = {400, "the request body is not valid JSON"};
    return std::nullopt;
  }
  if (!doc.is_object()) {
    error = {422, "the request body must be a JSON object"};
    return std::nullopt;
  }
  return doc;
}

// Reads doc[field] into `out` when present. False (with `error`) when the
// field is present but not a string.
bool ReadString(const json& doc, const char* field, std::optional<std::string>& out,
                BodyError& error) {
  auto it = doc.find(field);
  if (it == doc.end()) return true;
  if (!it->is_string()) {
    error = {422, std::string("'") + field + "' must be a string"};
    return false;
  }
  out = it->get<std::string>();
  return true;
}

// Reads doc["age"] into `out` when present: an inner nullopt for null.
// JSON booleans are not numbers in nlohmann::json, so `true` is refused.
bool ReadAge(const json& doc, std::optional<std::optional<int>>& out, BodyError& error) {
  auto it = doc.find("age");
  if (it == doc.end()) return true;
  if (it->is_null()) {
    out = std::optional<int>();
    return true;
  }
  if (it->is_number_integer()) {
    // Positive integers parse as unsigned, negative ones as signed.
    const bool fits_int = it->is_number_unsigned() ? it->get<std::uint64_t>() <= INT_MAX
                                                   : it->get<std::int64_t>() >= INT_MIN;
    if (fits_int) {
      out = it->get<int>();
      return true;
    }
  }
  error = {422, "'age' must be an integer or null"};
  return false;
}

bool ReadPatch(const json& doc, UserPatch& patch, BodyError& error) {
  return ReadString(doc, "name", patch.name, error) &&
         ReadString(doc, "email", patch.email, error) && ReadAge(doc, patch.age, error);
}

}  // namespace

std::optional<NewUser> ParseNewUser(std::string_view body, BodyError& error) {
  std::optional<json> doc = ParseObject(body, error);
  UserPatch fields;
  if (!doc || !ReadPatch(*doc, fields, error)) return std::nullopt;
  if (!fields.name || !fields.email) {
    error = {422, "'name' and 'email' are required"};
    return std::nullopt;
  }
  return NewUser{*fields.name, *fields.email, fields.age.value_or(std::nullopt)};
}

std::optional<UserPatch> ParseUserPatch(std::string_view body, BodyError& error) {
  std::optional<json> doc = ParseObject(body, error);
  UserPatch patch;
  if (!doc || !ReadPatch(*doc, patch, error)) return std::nullopt;
  return patch;
}

}  // namespace user_api
