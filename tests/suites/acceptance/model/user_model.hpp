// A model of the User API as guide/api-spec.md specifies it, for the
// model-based tests: the users one sequence of requests made, and what the
// server must answer to a body or a list query under the rules of a stage
// (1, 2 or 3). Not safe to share between threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace acceptance::model {

struct ModelUser {
  std::int64_t id = 0;
  std::string name;
  std::string email;  // As stored.
  nlohmann::json age;  // An integer or null.
  std::string created_at;
  std::string updated_at;
  std::string etag;        // Stage 3: its current ETag.
  std::string stale_etag;  // Stage 3: an ETag it had before, or "".
  bool deleted = false;
  // When the answer to its last write arrived: an update that names a field
  // waits until a millisecond has surely passed, so updated_at must move.
  std::chrono::steady_clock::time_point written;

  // The representation the server must send: all six members.
  nlohmann::json Json() const;
};

// One member of a request body, as sent, and what the spec makes of it.
struct SentField {
  nlohmann::json value;
  bool valid = true;       // Under the model's stage.
  nlohmann::json stored;   // What a valid value is stored as.
};

enum class BodyShape {
  kObject,     // A JSON object of the fields below.
  kNotJson,    // Truncated JSON: 400 invalid-json.
  kNotObject,  // A JSON array: 422 with the field "".
  kTextPlain,  // A valid object sent as text/plain: 415 (stage 2).
};

struct SentBody {
  BodyShape shape = BodyShape::kObject;
  std::optional<SentField> name;
  std::optional<SentField> email;
  std::optional<SentField> age;
  std::vector<std::string> unknown;  // Members the API does not know.

  std::string Text() const;
  std::string ContentType() const;
  // True when it names at least one of name, email and age.
  bool NamesAField() const { return name || email || age; }
};

// What the spec makes of a body, before the user's existence is looked at.
struct Verdict {
  int status = 0;  // 0 when the body is acceptable; else 400, 415 or 422.
  std::vector<std::string> error_fields;  // 422, stage 2: in the spec's order.
  bool email_taken = false;  // Acceptable, but another live user has the email.
};

// One parameter of GET /users, decoded; it is sent percent-encoded.
struct QueryParam {
  std::string name;
  std::string value;
};

// What GET /users must answer (stage 3).
struct ListAnswer {
  int status = 200;  // 200 or 422.
  std::vector<std::string> error_fields;  // 422.
  nlohmann::json page = nlohmann::json::array();
  std::uint64_t total = 0;
  std::string link;  // The exact Link header, "" for none.
};

// `text` with every byte other than A-Z a-z 0-9 - . _ ~ as %XX, uppercase.
std::string PercentEncode(const std::string& text);

// The path of a user id as sent: "/users/7", "/users/7/", "/users/007".
std::string PathOfId(std::int64_t id, bool trailing_slash, bool leading_zeros);

class UserModel {
 public:
  explicit UserModel(int stage) : stage_(stage) {}

  int stage() const { return stage_; }

  // Every user the sequence made, deleted ones too, in id order.
  std::vector<ModelUser>& users() { return users_; }
  const std::vector<ModelUser>& users() const { return users_; }
  // The live users, in id order.
  std::vector<const ModelUser*> Live() const;
  ModelUser* Find(std::int64_t id);
  // The largest id the server gave this sequence, 0 before its first user.
  std::int64_t max_id() const { return users_.empty() ? 0 : users_.back().id; }

  // The live user other than `except` whose stored email equals `email`
  // ignoring the case of ASCII letters, or nullptr.
  const ModelUser* OwnerOf(const std::string& email, std::int64_t except) const;

  // Judges a create (`target` 0) or an update of user `target`.
  Verdict Judge(const SentBody& body, std::int64_t target) const;

  // The answer to GET /users with these parameters, over this model's users
  // alone: every query the tests send names the sequence's own scope.
  ListAnswer List(const std::vector<QueryParam>& params) const;

 private:
  int stage_;
  std::vector<ModelUser> users_;
};

}  // namespace acceptance::model
