// The random operations of the model-based tests. A sequence is drawn from
// a seed before anything is sent, so that the seed replays it exactly and
// any part of it can run again on its own (which the shrinker needs). An
// operation names users and emails indirectly (a live user chosen by
// `pick`, a fresh address, another user's address in other letter case);
// the runner resolves them against the model when the step runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "user_model.hpp"

namespace acceptance::model {

enum class OpKind { kCreate, kGet, kUpdate, kDelete, kList };

// Which id a get, update or delete addresses.
enum class Target {
  kLive,         // A live user of the sequence, chosen by `pick`.
  kDeleted,      // A user the sequence deleted.
  kLastTouched,  // The user the step before addressed, live or deleted.
  kMissing,      // A well-formed id far above any assigned.
  kMalformed,    // Stage 2: a segment that names no user ("abc", "0", ...).
};

enum class EmailKind {
  kFresh,           // A new address of the sequence, lowercase.
  kFreshMixedCase,  // Stage 2: stored lowercase.
  kFreshPadded,     // Stage 2: surrounded by whitespace, stored trimmed.
  kOfDeletedUser,   // A deleted user's address, which is free again.
  kTakenOtherCase,  // Stage 2: another live user's, in other letter case: 409.
  kOwnOtherCase,    // Stage 2, update: the user's own, in other letter case.
  kMalformed,       // Stage 2: breaks a format rule; `variant` says which.
  kNotString,       // A JSON type other than string; `variant` says which.
};

// Stage 3 conditional headers: If-None-Match on a get, If-Match on a write.
enum class Condition { kNone, kCurrent, kStale, kAny, kWeakCurrent, kStaleThenCurrent };

// A value for a name, an age or an email that is not a string.
struct Variant {
  const char* label;
  nlohmann::json value;
  bool valid;              // Under every stage from min_stage on.
  nlohmann::json stored;   // For a valid value, from stage 2 on.
  int min_stage;           // The first stage whose rules fix the outcome.
};
const std::vector<Variant>& NameVariants();
const std::vector<Variant>& AgeVariants();
const std::vector<Variant>& NonStringEmails();

// A malformed email (stage 2): `text` with $L for a fresh local part.
struct EmailTemplate {
  const char* label;
  const char* text;
};
const std::vector<EmailTemplate>& MalformedEmails();

// A bad parameter of GET /users (stage 3): replaces the parameters of the
// same names.
struct BadQuery {
  const char* label;
  std::vector<QueryParam> params;
};
const std::vector<BadQuery>& BadQueries();

struct FieldChoice {
  bool present = false;
  std::size_t variant = 0;
};

struct EmailChoice {
  bool present = false;
  EmailKind kind = EmailKind::kFresh;
  std::size_t variant = 0;
};

// A stage 3 list query; it always keeps to the sequence's own users, by
// `q` on the sequence's tag or by `email`.
struct ListChoice {
  enum class Scope { kTag, kEmailOfUser, kQIsEmailOfUser, kEmailNobodyHas };
  Scope scope = Scope::kTag;
  std::optional<std::uint64_t> limit;
  std::optional<std::uint64_t> offset;
  bool leading_zeros = false;  // Sends limit and offset as 00N.
  std::optional<int> min_age;
  std::optional<int> max_age;
  std::optional<std::size_t> bad;  // Index into BadQueries().
};

struct Operation {
  OpKind kind = OpKind::kCreate;
  std::uint32_t pick = 0;  // Chooses among users, and letter cases.
  Target target = Target::kLive;
  bool trailing_slash = false;
  bool leading_zeros = false;  // Stage 2: /users/00N.
  BodyShape shape = BodyShape::kObject;
  FieldChoice name;
  EmailChoice email;
  FieldChoice age;
  std::vector<std::string> unknown;  // Stage 2: members the API does not know.
  bool patch = false;                // Stage 3: PATCH instead of PUT.
  Condition condition = Condition::kNone;  // Stage 3.
  ListChoice list;
};

// `count` operations that use only what the rules of `stage` fix (and later
// stages keep), drawn from `seed`.
std::vector<Operation> GenerateOperations(std::uint64_t seed, int stage, std::size_t count);

}  // namespace acceptance::model
