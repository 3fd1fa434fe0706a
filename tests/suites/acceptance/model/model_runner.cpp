#include "model_runner.hpp"

#include <algorithm>
#include <map>
#include <regex>
#include <thread>

#include "acceptance_test.hpp"
#include "text.hpp"

namespace acceptance::model {
namespace {

using nlohmann::json;

constexpr auto kTimestampStep = std::chrono::milliseconds(2);
// An entity tag no server gives: a stale tag for a user that had only one.
const std::string kNeverAnEtag = "\"model-never-an-etag\"";

const std::map<int, std::pair<std::string, std::string>>& Problems() {
  static const std::map<int, std::pair<std::string, std::string>> kProblems = {
      {400, {"invalid-json", "Bad Request"}},
      {404, {"not-found", "Not Found"}},
      {409, {"email-taken", "Conflict"}},
      {412, {"precondition-failed", "Precondition Failed"}},
      {415, {"unsupported-media-type", "Unsupported Media Type"}},
      {422, {"validation-failed", "Unprocessable Content"}},
  };
  return kProblems;
}

const char* KindName(OpKind kind) {
  switch (kind) {
    case OpKind::kCreate: return "create";
    case OpKind::kGet: return "get";
    case OpKind::kUpdate: return "update";
    case OpKind::kDelete: return "delete";
    case OpKind::kList: return "list";
  }
  return "?";
}

std::string Trim(const std::string& text) {
  const char* kWhitespace = " \t\n\v\f\r";
  const auto first = text.find_first_not_of(kWhitespace);
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(kWhitespace) - first + 1);
}

// `text` with some ASCII letters in capitals, chosen by `pick`, and never
// exactly as given when it has a letter.
std::string OtherCase(const std::string& text, std::uint32_t pick) {
  std::string out = text;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (std::isalpha(static_cast<unsigned char>(out[i])) && ((pick >> (i % 31)) & 1)) {
      out[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[i])));
    }
  }
  return out == text ? Upper(text) : out;
}

std::string ErrorsText(const std::vector<std::string>& fields) {
  json list = fields;
  return "errors naming " + list.dump();
}

// The ids of a JSON array of users, for messages.
std::string IdList(const json& users) {
  std::string out = "[";
  for (const json& user : users) {
    out += (out.size() > 1 ? "," : "") + (user.is_object() ? user.value("id", json()).dump() : "?");
  }
  return out + "]";
}

class Runner {
 public:
  Runner(const ApiClient& api, int stage)
      : api_(api), model_(stage), tag_(UniqueTag("model") + "u") {}

  SequenceRun Run(const std::vector<Operation>& ops) {
    for (std::size_t i = 0; i < ops.size(); ++i) {
      run_.steps.push_back({});
      run_.failed_step = i;
      if (!Step(ops[i])) return std::move(run_);
    }
    run_.steps.push_back({"list the sequence's users, at the end", {}});
    run_.failed_step = ops.size();
    kind_ = "final listing";
    ListOwnUsers();
    return std::move(run_);
  }

 private:
  int stage() const { return model_.stage(); }
  StepRun& step() { return run_.steps.back(); }

  bool Step(const Operation& op) {
    kind_ = KindName(op.kind);
    switch (op.kind) {
      case OpKind::kCreate: return Create(op);
      case OpKind::kGet: return Get(op);
      case OpKind::kUpdate: return Update(op);
      case OpKind::kDelete: return Delete(op);
      case OpKind::kList:
        step().description = "list users";
        return stage() >= 3 ? ListQuery(op) : ListOwnUsers();
    }
    return true;
  }

  // --- Sending and checking ---------------------------------------------------

  Exchange Send(const std::string& method, const std::string& path,
                const httplib::Headers& headers = {}, const std::string& body = "") {
    Exchange exchange = api_.Send(method, path, headers, body);
    step().exchanges.push_back(exchange);
    return exchange;
  }

  bool Fail(const Exchange& exchange, const std::string& check, const std::string& expected,
            const std::string& actual) {
    run_.mismatch = Mismatch{kind_ + ": " + check, expected, actual, exchange};
    return false;
  }

  bool CheckStatus(const Exchange& exchange, int status, const std::string& why) {
    if (!exchange.ok()) {
      return Fail(exchange, "status", "status " + std::to_string(status) + " (" + why + ")",
                  "no response: " + exchange.error);
    }
    if (exchange.status == status) return true;
    return Fail(exchange, "status", "status " + std::to_string(status) + " (" + why + ")",
                "status " + std::to_string(exchange.status));
  }

  bool CheckMediaType(const Exchange& exchange, const std::string& media_type) {
    const std::string header = exchange.Header("Content-Type");
    std::string actual = Lower(Trim(header.substr(0, header.find(';'))));
    if (actual == media_type) return true;
    return Fail(exchange, "header Content-Type", "Content-Type " + media_type,
                header.empty() ? "no Content-Type header" : "Content-Type " + header);
  }

  bool CheckHeader(const Exchange& exchange, const std::string& name, const std::string& value,
                   const std::string& why) {
    const bool present = exchange.headers.count(name) > 0;
    const std::string actual = exchange.Header(name);
    if (value.empty() && !present) return true;
    if (!value.empty() && present && actual == value) return true;
    return Fail(exchange, "header " + name,
                (value.empty() ? "no " + name + " header" : name + ": " + value) + " (" + why + ")",
                present ? name + ": " + actual : "no " + name + " header");
  }

  bool CheckBody(const Exchange& exchange, const json& expected, const std::string& why) {
    const json actual = exchange.Json();
    if (actual == expected) return true;
    return Fail(exchange, "body", expected.dump() + " (" + why + ")",
                actual.is_discarded() ? "a body that is not JSON" : actual.dump());
  }

  // An error answer: the status, and from stage 2 a problem document with
  // the slug and title of the status, and for a 422 the errors' fields.
  bool CheckError(const Exchange& exchange, int status, const std::string& why,
                  const std::vector<std::string>& fields = {}) {
    if (!CheckStatus(exchange, status, why)) return false;
    if (stage() < 2) return true;
    if (!CheckMediaType(exchange, "application/problem+json")) return false;
    const json body = exchange.Json();
    const auto& [slug, title] = Problems().at(status);
    json expected = {{"type", "/problems/" + slug}, {"title", title}, {"status", status}};
    for (const auto& [member, value] : expected.items()) {
      if (!body.is_object() || !body.contains(member) || body[member] != value) {
        return Fail(exchange, "body." + member, "body." + member + " == " + value.dump() + " (" +
                    why + ")", body.is_object() && body.contains(member)
                                   ? "body." + member + " == " + body[member].dump()
                                   : "no " + member + " member");
      }
    }
    if (!body.contains("detail") || !body["detail"].is_string()) {
      return Fail(exchange, "body.detail", "a string detail", "body: " + body.dump());
    }
    if (status != 422) return true;
    std::vector<std::string> actual;
    if (body.contains("errors") && body["errors"].is_array()) {
      for (const json& entry : body["errors"]) {
        actual.push_back(entry.is_object() && entry.contains("field") && entry["field"].is_string()
                             ? entry["field"].get<std::string>()
                             : "(an entry without a string field)");
      }
    }
    if (actual == fields) return true;
    return Fail(exchange, "body.errors", ErrorsText(fields) + " in the spec's order (" + why + ")",
                ErrorsText(actual));
  }

  // A 200 or 201 that carries `user` exactly, with its ETag from stage 3.
  bool CheckUserAnswer(const Exchange& exchange, int status, const ModelUser& user,
                       const std::string& why) {
    if (!CheckStatus(exchange, status, why)) return false;
    if (!CheckMediaType(exchange, "application/json")) return false;
    if (!CheckBody(exchange, user.Json(), why)) return false;
    return stage() < 3 || CheckHeader(exchange, "ETag", user.etag,
                                      "the user's ETag, unchanged while the user is");
  }

  // A new ETag for a changed representation: present, quoted, and not
  // `old`.
  bool CheckNewEtag(const Exchange& exchange, const std::string& old) {
    if (stage() < 3) return true;
    const std::string tag = exchange.Header("ETag");
    static const std::regex kStrong(R"("[\x21\x23-\x7e]*")");
    if (!std::regex_match(tag, kStrong)) {
      return Fail(exchange, "header ETag", "a strong ETag such as \"3f9a1c07\" on every user answer",
                  tag.empty() ? "no ETag header" : "ETag: " + tag);
    }
    if (!old.empty() && tag == old) {
      return Fail(exchange, "header ETag",
                  "an ETag other than " + old + " (the representation changed: updated_at moved)",
                  "ETag: " + tag);
    }
    return true;
  }

  // A user body that the server completed: `expected` names the members
  // the model knows; the timestamps are checked by the caller.
  bool CheckFields(const Exchange& exchange, const json& expected, const std::string& why) {
    const json body = exchange.Json();
    if (!body.is_object()) {
      return Fail(exchange, "body", "a user object", body.is_discarded() ? "no JSON" : body.dump());
    }
    for (const char* member : {"id", "name", "email", "age", "created_at", "updated_at"}) {
      if (!body.contains(member)) {
        return Fail(exchange, std::string("body.") + member, "all six members of a user",
                    "no " + std::string(member) + " in " + body.dump());
      }
    }
    if (body.size() != 6) {
      return Fail(exchange, "body", "exactly the six members of a user", body.dump());
    }
    for (const auto& [member, value] : expected.items()) {
      if (body[member] != value) {
        return Fail(exchange, "body." + member, "body." + member + " == " + value.dump() + " (" +
                    why + ")", "body." + member + " == " + body[member].dump());
      }
    }
    for (const char* stamp : {"created_at", "updated_at"}) {
      if (!IsTimestamp(body[stamp])) {
        return Fail(exchange, std::string("body.") + stamp,
                    "RFC 3339 UTC with milliseconds, e.g. 2026-11-26T12:53:51.123Z",
                    body[stamp].dump());
      }
    }
    return true;
  }

  // After a refused write: the user is as the model has it.
  bool StillUnchanged(const ModelUser& user) {
    const Exchange now = Send("GET", PathOfId(user.id, false, false));
    return CheckUserAnswer(now, 200, user, "a refused request changes nothing");
  }

  // --- Resolving an operation ---------------------------------------------------

  std::string FreshLocal() { return tag_ + std::to_string(++fresh_); }

  std::string Fresh(std::size_t variant) {
    std::string local = FreshLocal();
    if (variant == 0) return local + "@example.test";
    local.resize(64, 'x');
    if (variant == 1) return local + "@example.test";
    return local + "@" + std::string(63, 'd') + "." + std::string(63, 'e') + "." +
           std::string(56, 'f') + ".test";  // 254 characters in all.
  }

  std::vector<const ModelUser*> Deleted() const {
    std::vector<const ModelUser*> deleted;
    for (const ModelUser& user : model_.users()) {
      if (user.deleted) deleted.push_back(&user);
    }
    return deleted;
  }

  // The email an operation sends, in words (`label`), and its field.
  SentField ResolveEmail(const Operation& op, std::int64_t target, std::string& label) {
    const EmailChoice& choice = op.email;
    auto valid = [&](const std::string& sent) {
      return SentField{sent, true, Lower(Trim(sent))};
    };
    std::vector<const ModelUser*> others;
    for (const ModelUser* user : model_.Live()) {
      if (user->id != target) others.push_back(user);
    }
    const ModelUser* self = nullptr;
    for (const ModelUser* user : model_.Live()) {
      if (user->id == target) self = user;
    }
    switch (choice.kind) {
      case EmailKind::kNotString: {
        const Variant& variant = NonStringEmails()[choice.variant];
        label = variant.label;
        return {variant.value, false, nullptr};
      }
      case EmailKind::kMalformed: {
        const EmailTemplate& form = MalformedEmails()[choice.variant];
        std::string local = FreshLocal();
        std::string local65 = local;
        local65.resize(65, 'x');
        label = form.label;
        return {ReplaceAll(ReplaceAll(form.text, "$L65", local65), "$L", local), false, nullptr};
      }
      case EmailKind::kOfDeletedUser: {
        const auto deleted = Deleted();
        if (deleted.empty()) break;
        const std::string email = deleted[op.pick % deleted.size()]->email;
        // Stage 1 does not check uniqueness: its sequences never repeat a
        // live user's email.
        if (stage() < 2 && model_.OwnerOf(email, target)) break;
        label = "the email of a deleted user, free again";
        return valid(email);
      }
      case EmailKind::kOwnOtherCase:
        if (self) {
          label = "its own email in other letter case";
          return valid(OtherCase(self->email, op.pick));
        }
        [[fallthrough]];
      case EmailKind::kTakenOtherCase:
        if (others.empty()) break;
        label = "another live user's email in other letter case";
        return valid(OtherCase(others[op.pick % others.size()]->email, op.pick));
      case EmailKind::kFreshMixedCase:
        label = "a new email in mixed case";
        return valid(OtherCase(Fresh(0), op.pick));
      case EmailKind::kFreshPadded:
        label = "a new email with surrounding whitespace";
        return valid(" " + Fresh(0) + "\t");
      case EmailKind::kFresh:
        break;
    }
    const std::size_t variant = choice.kind == EmailKind::kFresh ? choice.variant : 0;
    label = variant == 0 ? "a new email" : variant == 1 ? "a new email with a 64-character local part"
                                                        : "a new email of 254 characters";
    return valid(Fresh(variant));
  }

  SentBody ResolveBody(const Operation& op, std::int64_t target, std::string& words) {
    SentBody body;
    body.shape = op.shape;
    std::vector<std::string> parts;
    auto from_table = [&](const FieldChoice& choice, const std::vector<Variant>& table) {
      const Variant& variant = table[choice.variant];
      parts.push_back(variant.label);
      return SentField{variant.value, variant.valid, variant.stored};
    };
    if (op.name.present) body.name = from_table(op.name, NameVariants());
    if (op.email.present) {
      std::string label;
      body.email = ResolveEmail(op, target, label);
      parts.push_back(label);
    }
    if (op.age.present) body.age = from_table(op.age, AgeVariants());
    body.unknown = op.unknown;
    for (const std::string& member : op.unknown) parts.push_back("unknown member \"" + member + "\"");
    switch (op.shape) {
      case BodyShape::kNotJson: words = "a body that is not JSON"; return body;
      case BodyShape::kNotObject: words = "a JSON array as body"; return body;
      case BodyShape::kTextPlain: words = "Content-Type text/plain, "; break;
      case BodyShape::kObject: break;
    }
    if (parts.empty()) words += "{}";
    for (std::size_t i = 0; i < parts.size(); ++i) words += (i ? ", " : "") + parts[i];
    return body;
  }

  // The user an operation addresses (nullptr for none), its path, and the
  // step in words.
  const ModelUser* ResolveTarget(const Operation& op, std::string& path, std::string& words) {
    const ModelUser* user = nullptr;
    Target target = op.target;
    if (target == Target::kLive) {
      const auto live = model_.Live();
      if (!live.empty()) user = live[op.pick % live.size()];
    } else if (target == Target::kDeleted) {
      const auto deleted = Deleted();
      if (!deleted.empty()) user = deleted[op.pick % deleted.size()];
    } else if (target == Target::kLastTouched && last_touched_ != 0) {
      user = model_.Find(last_touched_);
    }
    if (target == Target::kMalformed) {
      static const std::vector<std::string> kSegments = {"abc", "0", "-1", "+7", "1.0",
                                                         "9223372036854775808", "7a"};
      const std::string segment = kSegments[op.pick % kSegments.size()];
      path = "/users/" + segment + (op.trailing_slash ? "/" : "");
      words = "the malformed id \"" + segment + "\"";
      return nullptr;
    }
    if (!user) {
      path = kMissingUserPath;
      words = "an id no user has";
      return nullptr;
    }
    last_touched_ = user->id;
    path = PathOfId(user->id, op.trailing_slash, op.leading_zeros);
    words = "user #" + std::to_string(user - model_.users().data() + 1) +
            (user->deleted ? " (deleted)" : "") + " at " + path;
    return user;
  }

  // The conditional header of a stage 3 operation, and whether the
  // current tag passes it; `weak_matches` for If-None-Match.
  httplib::Headers Conditions(const Operation& op, const ModelUser* user, const char* header,
                              bool weak_matches, bool& passes, std::string& words) {
    passes = true;
    if (op.condition == Condition::kNone || !user) return {};
    const std::string current = user->etag;
    const std::string stale = user->stale_etag.empty() ? kNeverAnEtag : user->stale_etag;
    std::string value;
    switch (op.condition) {
      case Condition::kCurrent: value = current; break;
      case Condition::kStale: value = stale; passes = false; break;
      case Condition::kAny: value = "*"; break;
      case Condition::kWeakCurrent: value = "W/" + current; passes = weak_matches; break;
      case Condition::kStaleThenCurrent: value = stale + ", " + current; break;
      case Condition::kNone: break;
    }
    words += ", " + std::string(header) + ": " + value;
    return {{header, value}};
  }

  // --- The operations -------------------------------------------------------------

  bool Create(const Operation& op) {
    std::string words;
    const SentBody body = ResolveBody(op, 0, words);
    step().description = "create a user: " + words;
    const Exchange created = Send("POST", op.trailing_slash ? "/users/" : "/users",
                                  {{"Content-Type", body.ContentType()}}, body.Text());
    const Verdict verdict = model_.Judge(body, 0);
    if (verdict.status) return CheckError(created, verdict.status, "the body breaks a rule", verdict.error_fields);
    if (verdict.email_taken) {
      return CheckError(created, 409, "another live user has this email, ignoring ASCII case; "
                                      "checked after every other rule");
    }
    if (!CheckStatus(created, 201, "a valid create")) return false;
    if (!CheckMediaType(created, "application/json")) return false;
    json expected = {{"name", body.name->stored}, {"email", body.email->stored},
                     {"age", body.age ? body.age->stored : json(nullptr)}};
    if (!CheckFields(created, expected, "as sent, with the stored form of each field")) return false;
    const json answer = created.Json();
    if (!answer["id"].is_number_integer() || answer["id"].get<std::int64_t>() <= model_.max_id()) {
      return Fail(created, "body.id",
                  "an integer id greater than " + std::to_string(model_.max_id()) +
                      " (ids are positive, strictly increasing and never reused)",
                  "body.id == " + answer["id"].dump());
    }
    if (answer["updated_at"] != answer["created_at"]) {
      return Fail(created, "body.updated_at", "updated_at equal to created_at on a new user",
                  answer["updated_at"].dump() + " vs created_at " + answer["created_at"].dump());
    }
    ModelUser user;
    user.id = answer["id"].get<std::int64_t>();
    user.name = expected["name"];
    user.email = expected["email"];
    user.age = expected["age"];
    user.created_at = answer["created_at"];
    user.updated_at = answer["updated_at"];
    user.written = std::chrono::steady_clock::now();
    if (!CheckHeader(created, "Location", "/users/" + std::to_string(user.id),
                     "the new user's path, without a trailing slash")) {
      return false;
    }
    if (!CheckNewEtag(created, "")) return false;
    user.etag = created.Header("ETag");
    model_.users().push_back(user);
    last_touched_ = user.id;
    return true;
  }

  bool Get(const Operation& op) {
    std::string path;
    std::string words;
    const ModelUser* user = ResolveTarget(op, path, words);
    const bool live = user && !user->deleted;
    bool passes = true;
    const httplib::Headers headers =
        Conditions(op, live ? user : nullptr, "If-None-Match", true, passes, words);
    step().description = "get " + words;
    const Exchange got = Send("GET", path, headers);
    if (!live) return CheckError(got, 404, "no user has this id");
    if (op.condition != Condition::kNone && op.condition != Condition::kStale) {
      // If-None-Match holds the current tag (or *): not modified.
      if (!CheckStatus(got, 304, "If-None-Match holds the current ETag")) return false;
      if (!CheckHeader(got, "ETag", user->etag, "the current ETag on a 304")) return false;
      if (!got.body.empty()) return Fail(got, "body", "no body on a 304", got.body);
      return true;
    }
    return CheckUserAnswer(got, 200, *user, "the user as stored");
  }

  bool Update(const Operation& op) {
    std::string path;
    std::string words;
    const ModelUser* found = ResolveTarget(op, path, words);
    ModelUser* user = found && !found->deleted ? model_.Find(found->id) : nullptr;
    std::string body_words;
    const SentBody body = ResolveBody(op, user ? user->id : -1, body_words);
    bool passes = true;
    httplib::Headers headers = Conditions(op, user, "If-Match", false, passes, words);
    headers.emplace("Content-Type", body.ContentType());
    const std::string method = op.patch ? "PATCH" : "PUT";
    step().description = method + " " + words + " with " + body_words;
    if (user && body.NamesAField()) std::this_thread::sleep_until(user->written + kTimestampStep);
    const Exchange updated = Send(method, path, headers, body.Text());
    if (op.target == Target::kMalformed) return CheckError(updated, 404, "the id names no user");
    const Verdict verdict = model_.Judge(body, user ? user->id : -1);
    bool ok = true;
    if (verdict.status) {
      ok = CheckError(updated, verdict.status, "the body breaks a rule; that comes before the id",
                      verdict.error_fields);
    } else if (!user) {
      return CheckError(updated, 404, "no user has this id");
    } else if (!passes) {
      ok = CheckError(updated, 412, "If-Match does not hold the current ETag (strong comparison)");
    } else if (verdict.email_taken) {
      ok = CheckError(updated, 409, "another live user has this email, ignoring ASCII case");
    } else {
      return Updated(updated, *user, body);
    }
    return ok && (!user || StillUnchanged(*user));
  }

  bool Updated(const Exchange& updated, ModelUser& user, const SentBody& body) {
    if (!body.NamesAField()) return CheckUserAnswer(updated, 200, user, "{} changes nothing");
    if (!CheckStatus(updated, 200, "a valid update")) return false;
    if (!CheckMediaType(updated, "application/json")) return false;
    ModelUser next = user;
    if (body.name) next.name = body.name->stored;
    if (body.email) next.email = body.email->stored;
    if (body.age) next.age = body.age->stored;
    json expected = next.Json();
    expected.erase("updated_at");
    if (!CheckFields(updated, expected, "the named fields changed, the others and created_at kept")) {
      return false;
    }
    const std::string stamp = updated.Json()["updated_at"];
    if (stamp <= user.updated_at) {
      return Fail(updated, "body.updated_at",
                  "an updated_at later than " + user.updated_at +
                      " (an update that names a field sets it; the last write was over 2 ms ago)",
                  stamp);
    }
    if (!CheckNewEtag(updated, user.etag)) return false;
    next.updated_at = stamp;
    next.stale_etag = user.etag;
    next.etag = updated.Header("ETag");
    next.written = std::chrono::steady_clock::now();
    user = next;
    return true;
  }

  bool Delete(const Operation& op) {
    std::string path;
    std::string words;
    const ModelUser* found = ResolveTarget(op, path, words);
    ModelUser* user = found && !found->deleted ? model_.Find(found->id) : nullptr;
    bool passes = true;
    const httplib::Headers headers = Conditions(op, user, "If-Match", false, passes, words);
    step().description = "delete " + words;
    const Exchange deleted = Send("DELETE", path, headers);
    if (!user) return CheckError(deleted, 404, "no user has this id (a deleted id stays free)");
    if (!passes) {
      return CheckError(deleted, 412, "If-Match does not hold the current ETag (strong comparison)") &&
             StillUnchanged(*user);
    }
    if (!CheckStatus(deleted, 204, "the user exists")) return false;
    if (!deleted.body.empty()) return Fail(deleted, "body", "no body on a 204", deleted.body);
    user->deleted = true;
    return true;
  }

  // Stages 1 and 2 (and the end of every sequence): every user the server
  // lists, keeping the sequence's own. The query names the tag: stages 1
  // and 2 ignore query strings and list everyone, stage 3 lists only the
  // tag's users, and either way the pages are followed.
  bool ListOwnUsers() {
    const UserListing listing = api_.ListAllUsers("/users?q=" + tag_);
    step().exchanges.push_back(listing.last);
    if (!listing.complete) {
      if (!CheckStatus(listing.last, 200, "a list of users")) return false;
      return Fail(listing.last, "body", "a JSON array of users", listing.last.body);
    }
    if (!CheckMediaType(listing.last, "application/json")) return false;
    json own = json::array();
    std::int64_t previous = 0;
    for (const json& user : listing.users) {
      const std::int64_t id = user.is_object() && user.contains("id") && user["id"].is_number_integer()
                                  ? user["id"].get<std::int64_t>() : 0;
      if (id <= previous) {
        return Fail(listing.last, "listing order",
                    "every user in ascending id order, ids positive",
                    "id " + std::to_string(id) + " after id " + std::to_string(previous));
      }
      previous = id;
      const bool mine = user.contains("email") && user["email"].is_string() &&
                        Lower(user["email"].get<std::string>()).find(tag_) != std::string::npos;
      if (mine) own.push_back(user);
    }
    json expected = json::array();
    for (const ModelUser* user : model_.Live()) expected.push_back(user->Json());
    if (own == expected) return true;
    std::string difference;
    for (std::size_t i = 0; i < std::max(own.size(), expected.size()); ++i) {
      const json want = i < expected.size() ? expected[i] : json("nothing");
      const json got = i < own.size() ? own[i] : json("nothing");
      if (want != got) {
        difference = "; the first difference, at position " + std::to_string(i) + ": expected " +
                     want.dump() + ", listed " + got.dump();
        break;
      }
    }
    return Fail(listing.last, "listing",
                "the sequence's live users, ids " + IdList(expected) + ", as stored",
                "ids " + IdList(own) + difference +
                    (own.size() < expected.size() ? CappedListNote(listing.last) : ""));
  }

  // Stage 3: a query that keeps to the sequence's users, checked page,
  // X-Total-Count and Link included.
  bool ListQuery(const Operation& op) {
    const ListChoice& choice = op.list;
    const auto live = model_.Live();
    const ModelUser* user = live.empty() ? nullptr : live[op.pick % live.size()];
    std::vector<QueryParam> params;
    switch (choice.scope) {
      case ListChoice::Scope::kEmailOfUser:
        if (user) {
          params.push_back({"email", OtherCase(user->email, op.pick)});
          break;
        }
        [[fallthrough]];
      case ListChoice::Scope::kEmailNobodyHas:
        params.push_back({"email", tag_ + "nobody@example.test"});
        break;
      case ListChoice::Scope::kQIsEmailOfUser:
        if (user) {
          params.push_back({"q", user->email});
          break;
        }
        [[fallthrough]];
      case ListChoice::Scope::kTag:
        params.push_back({"q", op.pick % 2 ? OtherCase(tag_, op.pick) : tag_});
        break;
    }
    const std::string zeros = choice.leading_zeros ? "00" : "";
    if (choice.limit) params.push_back({"limit", zeros + std::to_string(*choice.limit)});
    if (choice.offset) params.push_back({"offset", zeros + std::to_string(*choice.offset)});
    if (choice.min_age) params.push_back({"min_age", std::to_string(*choice.min_age)});
    if (choice.max_age) params.push_back({"max_age", std::to_string(*choice.max_age)});
    if (choice.bad) {
      const BadQuery& bad = BadQueries()[*choice.bad];
      for (const QueryParam& replaced : bad.params) {
        std::erase_if(params, [&](const QueryParam& p) { return p.name == replaced.name; });
      }
      params.insert(params.end(), bad.params.begin(), bad.params.end());
      step().description += " with " + std::string(bad.label);
    }
    // The order of the parameters in a request does not matter.
    std::rotate(params.begin(), params.begin() + op.pick % params.size(), params.end());
    std::string path = op.trailing_slash ? "/users/?" : "/users?";
    for (std::size_t i = 0; i < params.size(); ++i) {
      path += (i ? "&" : "") + params[i].name + "=" + PercentEncode(params[i].value);
    }
    step().description += " by query";
    const Exchange listed = Send("GET", path);
    const ListAnswer answer = model_.List(params);
    if (answer.status == 422) {
      return CheckError(listed, 422, "a bad query parameter", answer.error_fields);
    }
    if (!CheckStatus(listed, 200, "a valid query")) return false;
    if (!CheckMediaType(listed, "application/json")) return false;
    if (!CheckHeader(listed, "X-Total-Count", std::to_string(answer.total),
                     "the number of users that pass the filters")) {
      return false;
    }
    if (!CheckHeader(listed, "Link", answer.link, "next and prev pages as specified")) return false;
    if (!CheckHeader(listed, "ETag", "", "lists have no ETag")) return false;
    const json page = listed.Json();
    if (page == answer.page) return true;
    return Fail(listed, "body", "the page " + IdList(answer.page) + " of the matching users, as stored",
                page.is_array() ? "the page " + IdList(page) + ": " + page.dump() : listed.body);
  }

  const ApiClient& api_;
  UserModel model_;
  std::string tag_;
  int fresh_ = 0;
  std::int64_t last_touched_ = 0;
  std::string kind_;
  SequenceRun run_;
};

}  // namespace

std::string SequenceRun::Signature() const {
  return mismatch ? mismatch->check : "";
}

SequenceRun RunSequence(const ApiClient& api, int stage, const std::vector<Operation>& ops) {
  return Runner(api, stage).Run(ops);
}

}  // namespace acceptance::model
