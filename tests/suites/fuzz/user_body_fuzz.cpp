// Fuzz target: a request body, as raw bytes, through what stage 3 does with
// the body of a create and an update: ParseJsonBody (JSON with a depth
// limit), then ValidateNewUser and ValidateUserPatch, then the JSON of the
// user or the problem that answers it. Input: the body, nothing else.
//
// Beyond crashes and sanitizer reports, it stops when
//   - ParseJsonBody throws anything but ApiError kInvalidJson, or returns a
//     document nested deeper than kMaxJsonDepth;
//   - a validator throws anything but ApiError kValidationFailed with at
//     least one field, each "", name, email, age or a member of the body;
//   - a validator accepts a value that breaks the spec's rules
//     (fuzz_checks.hpp), or a non-object;
//   - the problem document of a refusal is not JSON, or loses a field;
//   - UserJson of an accepted user does not parse back to the same values.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_checks.hpp"
#include "http/user_json.hpp"
#include "http/user_representation.hpp"
#include "service/user_validator.hpp"

namespace {

using nlohmann::json;
using user_api::ApiError;
using user_api::ErrorCode;

// How deep `doc` nests arrays and objects; `{"a":1}` is 1.
int Depth(const json& doc) {
  int deepest = 0;
  if (doc.is_structured()) {
    for (const json& child : doc) deepest = std::max(deepest, Depth(child));
    return deepest + 1;
  }
  return 0;
}

// A refusal of a validator: a 422 naming fields the body has, or the body.
void CheckRefusal(const ApiError& error, const json& body) {
  FUZZ_CHECK(error.code() == ErrorCode::kValidationFailed,
             std::string("refused with another code: ") + error.what());
  FUZZ_CHECK(!error.field_errors().empty(), "a 422 that names no field");
  for (const user_api::FieldError& field : error.field_errors()) {
    const bool known = field.field.empty() || field.field == "name" || field.field == "email" ||
                       field.field == "age";
    FUZZ_CHECK(known || (body.is_object() && body.contains(field.field)),
               "an error on a field the body does not have: " + fuzz::Printable(field.field));
  }
  fuzz::CheckProblemResponse(error, 422);
}

// The user's JSON as clients see it parses back to the same values.
void CheckRendered(const user_api::User& user) {
  const std::string text = user_api::UserJson(user);
  const json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!parsed.is_discarded(), "UserJson is not JSON: " + fuzz::Printable(text));
  fuzz::CheckUserJson(parsed);
  FUZZ_CHECK(parsed["name"] == user.name && parsed["email"] == user.email &&
                 (user.age ? parsed["age"] == *user.age : parsed["age"].is_null()),
             "UserJson changed a value: " + fuzz::Printable(text));
}

void CheckCreate(const json& body) {
  user_api::NewUser user;
  try {
    user = user_api::ValidateNewUser(body);
  } catch (const ApiError& error) {
    return CheckRefusal(error, body);
  }
  FUZZ_CHECK(body.is_object(), "a create accepted from " + body.dump());
  fuzz::CheckStoredName(user.name);
  fuzz::CheckStoredEmail(user.email);
  fuzz::CheckStoredAge(user.age);
  const auto now = std::chrono::system_clock::now();
  CheckRendered(user_api::User{1, user.name, user.email, user.age, now, now});
}

void CheckUpdate(const json& body) {
  user_api::UserPatch patch;
  try {
    patch = user_api::ValidateUserPatch(body);
  } catch (const ApiError& error) {
    return CheckRefusal(error, body);
  }
  FUZZ_CHECK(body.is_object(), "an update accepted from " + body.dump());
  FUZZ_CHECK(patch.empty() == body.empty(), "an empty patch from " + body.dump());
  if (patch.name) fuzz::CheckStoredName(*patch.name);
  if (patch.email) fuzz::CheckStoredEmail(*patch.email);
  if (patch.age) fuzz::CheckStoredAge(*patch.age);
  const auto now = std::chrono::system_clock::now();
  CheckRendered(user_api::User{1, patch.name.value_or("Ada"),
                               patch.email.value_or("ada@example.test"),
                               patch.age.value_or(std::nullopt), now, now});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  json doc;
  try {
    doc = user_api::ParseJsonBody(body);
  } catch (const ApiError& error) {
    FUZZ_CHECK(error.code() == ErrorCode::kInvalidJson,
               std::string("ParseJsonBody refused with another code: ") + error.what());
    fuzz::CheckProblemResponse(error, 400);
    return 0;
  }
  FUZZ_CHECK(Depth(doc) <= user_api::kMaxJsonDepth,
             "a body nested " + std::to_string(Depth(doc)) + " deep was accepted");
  CheckCreate(doc);
  CheckUpdate(doc);
  return 0;
}
