// Stage 2 acceptance suite (ctest label `errors`): every bad input gets a
// precise status and a problem+json body, and changes nothing.
// guide/api-spec.md: "Validation rules", "Errors", "Request-format checks",
// "Precedence". Each test, or each row of a table, names the rules it checks.
//
// The cases are tables. In bodies and paths, $LOCAL stands for a local part
// unique to the case, $EMAIL for $LOCAL@example.test, $LOCAL64 and $LOCAL65
// for $LOCAL padded to 64 and 65 characters, $ID for the id of a user the
// case creates first, and $ID505 and $ID506 for that id with leading zeros
// to 505 and 506 digits (so that /users/$ID505 is a path of 512 bytes).
// After a refused request, no user holds $LOCAL and the case's user is as it
// was.
#include <algorithm>
#include <cctype>
#include <iterator>
#include <map>
#include <string_view>
#include <thread>
#include <vector>

#include "acceptance_test.hpp"
#include "concurrent_requests.hpp"
#include "text.hpp"

namespace acceptance {
namespace {

using nlohmann::json;

std::string Repeat(const std::string& text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

std::string Padded(std::string local, std::size_t length) {
  local.resize(std::max(local.size(), length), 'x');
  return local;
}

std::string ZeroPadded(const std::string& id, std::size_t digits) {
  return std::string(digits - std::min(digits, id.size()), '0') + id;
}

// Fills the placeholders of the file comment.
std::string Fill(std::string text, const std::string& local, const std::string& id = "") {
  text = ReplaceAll(text, "$LOCAL64", Padded(local, 64));
  text = ReplaceAll(text, "$LOCAL65", Padded(local, 65));
  text = ReplaceAll(text, "$EMAIL", local + "@example.test");
  text = ReplaceAll(text, "$LOCAL", local);
  text = ReplaceAll(text, "$ID505", ZeroPadded(id, 505));
  text = ReplaceAll(text, "$ID506", ZeroPadded(id, 506));
  return ReplaceAll(text, "$ID", id);
}

// --- Problem documents -------------------------------------------------------------

// A row of the spec's "Problem types" table, with its rule id.
struct ProblemType {
  int status;
  const char* slug;
  const char* title;
  const char* rule;
};

// The first type of a status is the one a table row means unless it names
// another (the 400 of a body is invalid-json, of a request bad-request).
constexpr ProblemType kProblemTypes[] = {
    {400, "invalid-json", "Bad Request", "PROB-2"},
    {400, "bad-request", "Bad Request", "PROB-1"},
    {404, "not-found", "Not Found", "PROB-4"},
    {405, "method-not-allowed", "Method Not Allowed", "PROB-5"},
    {409, "email-taken", "Conflict", "PROB-6"},
    {411, "length-required", "Length Required", "PROB-7"},
    {413, "payload-too-large", "Content Too Large", "PROB-9"},
    {414, "uri-too-long", "URI Too Long", "PROB-10"},
    {415, "unsupported-media-type", "Unsupported Media Type", "PROB-11"},
    {422, "validation-failed", "Unprocessable Content", "PROB-12"},
};

// The problem type of `status` named `slug`, or its first when `slug` is
// null; a type with status 0 when the table has none.
const ProblemType& ProblemTypeFor(int status, const char* slug) {
  static constexpr ProblemType kUnknown{0, "(none)", "(none)", ""};
  for (const ProblemType& type : kProblemTypes) {
    if (type.status == status && (slug == nullptr || std::string_view(slug) == type.slug)) {
      return type;
    }
  }
  return kUnknown;
}

// The rules every refusal in this file checks, for a row's ids: the problem
// document and its type (ERR-1 to ERR-7, ERR-13), no 2xx or 500 (ERR-14), a
// store left as it was (ERR-15) and, for 422, the errors array.
std::string RefusalRules(int status, const char* slug = nullptr) {
  if (status < 400) return "";
  std::string rules = " ERR-1 ERR-2 ERR-3 ERR-4 ERR-5 ERR-6 ERR-7 ERR-13 ERR-14 ERR-15 ";
  rules += ProblemTypeFor(status, slug).rule;
  if (status == 422) rules += " ERR-8 ERR-9 ERR-12";
  return rules;
}

// Passes when the problem's detail shows no internals: no exception text,
// source file names or SQL.
testing::AssertionResult DetailShowsNoInternals(const Exchange& answer) {
  const json body = answer.Json();
  if (!body.is_object() || !body.contains("detail") || !body["detail"].is_string()) {
    return testing::AssertionSuccess();  // HasProblem reports it.
  }
  std::string detail = body["detail"];
  std::transform(detail.begin(), detail.end(), detail.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* leak : {"exception", "what()", "parse_error", "type_error", ".cpp", ".hpp",
                           "sqlite", "select "}) {
    if (detail.find(leak) != std::string::npos) {
      return Holds(answer, false,
                   std::string("a detail for humans, without internals such as \"") + leak + "\"");
    }
  }
  return testing::AssertionSuccess();
}

// The exact Allow of /users/{id} in stage 2; stage 3 adds PATCH.
constexpr const char* kUserRouteAllow = "GET, PUT, DELETE";
constexpr const char* kUserRouteAllowWithPatch = "GET, PUT, PATCH, DELETE";

class ErrorsTest : public AcceptanceTest {
 protected:
  // Passes when no listed user has `local` in its name or email: a refused
  // create stored nobody.
  testing::AssertionResult NobodyHolds(const std::string& local) const {
    const UserListing listing = api().ListAllUsers();
    if (!listing.complete) return HasStatus(listing.last, 200);
    for (const json& user : listing.users) {
      const std::string text = user.value("name", "") + " " + user.value("email", "");
      if (text.find(local) != std::string::npos) {
        return Holds(listing.last, false, "no stored user holds " + local + ", but " +
                                              user.dump() + " does");
      }
    }
    return testing::AssertionSuccess();
  }

  // Passes when exactly one listed user has this email.
  testing::AssertionResult OneUserHolds(const std::string& email) const {
    const UserListing listing = api().ListAllUsers("/users", ListsEmail(email));
    if (!listing.complete) return HasStatus(listing.last, 200);
    const auto owners = std::count_if(listing.users.begin(), listing.users.end(), [&](const json& u) {
      return u.value("email", "") == email;
    });
    return Holds(listing.last, owners == 1,
                 "exactly one stored user with " + email + ", found " + std::to_string(owners) +
                     (owners == 0 ? CappedListNote(listing.last) : ""));
  }

  // Passes when the user is stored exactly as `before`.
  testing::AssertionResult Unchanged(const json& before) const {
    const Exchange now = api().Get("/users/" + before["id"].dump());
    if (auto result = HasStatus(now, 200); !result) return result;
    return HasJson(now, "", before);
  }

  // True when the server serves PATCH on /users/{id} (stage 3): PATCH {} on
  // an existing user answers 200.
  bool ServesPatch(const json& user) const {
    return api().Send("PATCH", UserPath(user), {{"Content-Type", "application/json"}}, "{}")
               .status == 200;
  }

  // Checks a refused request's answer: the problem document of its type
  // (the first of `status`, or `slug`) and, for 422, the failing fields.
  static void ExpectRefusal(const Exchange& answer, int status,
                            const std::vector<std::string>& fields, const char* slug = nullptr) {
    const testing::AssertionResult problem = HasProblem(answer, status);
    EXPECT_HTTP(problem);
    if (!problem) return;
    const ProblemType& type = ProblemTypeFor(status, slug);
    EXPECT_HTTP(HasJson(answer, "/type", std::string("/problems/") + type.slug));
    EXPECT_HTTP(HasJson(answer, "/title", type.title));
    EXPECT_HTTP(DetailShowsNoInternals(answer));
    if (status == 422) {
      EXPECT_HTTP(HasErrorFields(answer, fields));
    }
  }
};

// --- Each validation rule at its boundaries, on create and on update ----------------

struct CreateCase {
  std::string name;
  std::string rules;
  std::string body;                 // JSON text, with placeholders.
  int status;                       // On create; 201 means 200 on update.
  std::vector<std::string> fields = {};  // For 422: the fields in "errors".
  json stored = nullptr;            // For 201: pointer -> value checks.
  bool on_update = true;            // False for the rules of create alone.

  CreateCase CreateOnly() const {
    CreateCase copy = *this;
    copy.on_update = false;
    return copy;
  }
};

void PrintTo(const CreateCase& value, std::ostream* out) {
  *out << value.name << " [" << value.rules << RefusalRules(value.status) << "]";
}

std::string CaseName(const testing::TestParamInfo<CreateCase>& info) { return info.param.name; }

// Checks that the answer holds the values the case says are stored.
void ExpectStored(const Exchange& answer, const CreateCase& c, const std::string& local) {
  for (const auto& [pointer, value] : c.stored.items()) {
    EXPECT_HTTP(HasJson(answer, pointer, json::parse(Fill(value.dump(), local))));
  }
}

// The six whitespace characters that trimming removes, as JSON escapes.
struct Whitespace {
  const char* name;
  const char* escaped;
};
constexpr Whitespace kWhitespace[] = {{"Spaces", " "},          {"Tabs", "\\t"},
                                      {"LineFeeds", "\\n"},     {"VerticalTabs", "\\u000b"},
                                      {"FormFeeds", "\\f"},     {"CarriageReturns", "\\r"}};

// Characters a domain label must not hold: each neighbour of the ranges
// A-Z, a-z and 0-9, an underscore and a letter outside ASCII.
struct LabelCharacter {
  const char* name;
  const char* escaped;
};
constexpr LabelCharacter kNotInLabels[] = {
    {"Slash", "/"},        {"Colon", ":"},      {"LeftBracket", "["}, {"Backquote", "`"},
    {"LeftBrace", "{"},    {"Underscore", "_"}, {"Space", " "},       {"NonAsciiLetter", "\\u00e9"}};

const std::string kName100 = Repeat("x", 100);
const std::string kAccented100 = Repeat("\u00e9", 100);
// Domains of 188 and 189 characters: with a 64-character local part, 253
// and 254 in all.
const std::string kDomain188 = Repeat("a", 63) + "." + Repeat("b", 63) + "." + Repeat("c", 60);
const std::string kDomain189 = kDomain188 + "c";
const std::string kLabel63 = Repeat("d", 63);

std::vector<CreateCase> FieldCases() {
  std::vector<CreateCase> cases = {
      // name
      {"NameIsTrimmed", "NAME-1", R"({"name":"  Ada $LOCAL  ","email":"$EMAIL"})", 201, {},
       {{"/name", "Ada $LOCAL"}}},
      {"NameWithNoBreakSpacesAroundKeepsThem", "NAME-1 NAME-3",
       R"({"name":"\u00a0Ada $LOCAL\u00a0","email":"$EMAIL"})", 201, {},
       {{"/name", "\u00a0Ada $LOCAL\u00a0"}}},
      {"NameOf1Character", "NAME-2", R"({"name":"A","email":"$EMAIL"})", 201, {}, {{"/name", "A"}}},
      {"NameOf1CharacterAfterTrimming", "NAME-1 NAME-2", R"({"name":" \tA\r\n","email":"$EMAIL"})",
       201, {}, {{"/name", "A"}}},
      {"NameOf99Characters", "NAME-2",
       R"({"name":")" + Repeat("x", 99) + R"(","email":"$EMAIL"})", 201, {},
       {{"/name", Repeat("x", 99)}}},
      {"NameOf100Characters", "NAME-2", R"({"name":")" + kName100 + R"(","email":"$EMAIL"})", 201,
       {}, {{"/name", kName100}}},
      {"NameOf100MultibyteCharacters", "NAME-2",
       R"({"name":")" + kAccented100 + R"(","email":"$EMAIL"})", 201, {},
       {{"/name", kAccented100}}},
      {"NameOf100CharactersAndSpacesAround", "NAME-1 NAME-2",
       R"({"name":"  )" + kName100 + R"(  ","email":"$EMAIL"})", 201, {}, {{"/name", kName100}}},
      {"NameOf100MultibyteCharactersAndWhitespaceAround", "NAME-1 NAME-2",
       R"({"name":"\t\u000b)" + kAccented100 + R"(\f\r","email":"$EMAIL"})", 201, {},
       {{"/name", kAccented100}}},
      {"NameOf101Characters", "NAME-2", R"({"name":")" + kName100 + R"(y","email":"$EMAIL"})",
       422, {"name"}},
      {"NameOf101MultibyteCharacters", "NAME-2",
       R"({"name":")" + kAccented100 + R"(\u00e9","email":"$EMAIL"})", 422, {"name"}},
      {"NameOf101CharactersAndSpacesAround", "NAME-1 NAME-2",
       R"({"name":" )" + kName100 + R"(y ","email":"$EMAIL"})", 422, {"name"}},
      CreateCase{"NameMissing", "FIELDS-1", R"({"email":"$EMAIL"})", 422, {"name"}}.CreateOnly(),
      {"NameEmpty", "NAME-2", R"({"name":"","email":"$EMAIL"})", 422, {"name"}},
      {"NameOnlyWhitespace", "NAME-1 NAME-2", R"({"name":" \t\n\u000b\f\r","email":"$EMAIL"})",
       422, {"name"}},
      {"NameWithTab", "NAME-3", R"({"name":"Ada\tLovelace","email":"$EMAIL"})", 422, {"name"}},
      {"NameWithNewline", "NAME-3", R"({"name":"Ada\nLovelace","email":"$EMAIL"})", 422, {"name"}},
      {"NameWithNul", "NAME-3", R"({"name":"Ada\u0000","email":"$EMAIL"})", 422, {"name"}},
      {"NameStartingWithAControl", "NAME-1 NAME-3", R"({"name":"\u0001Ada","email":"$EMAIL"})",
       422, {"name"}},
      {"NameWithUnitSeparator", "NAME-3", R"({"name":"Ada\u001fX","email":"$EMAIL"})", 422,
       {"name"}},
      {"NameWithTilde", "NAME-3", R"({"name":"Ada~$LOCAL","email":"$EMAIL"})", 201, {},
       {{"/name", "Ada~$LOCAL"}}},
      {"NameWithDelete", "NAME-3", R"({"name":"Ada\u007f","email":"$EMAIL"})", 422, {"name"}},
      {"NameWithC1Control", "NAME-3", R"({"name":"Ada\u0085","email":"$EMAIL"})", 422, {"name"}},
      {"NameWithLastC1Control", "NAME-3", R"({"name":"Ada\u009fX","email":"$EMAIL"})", 422,
       {"name"}},
      {"NameWithNoBreakSpace", "NAME-3", R"({"name":"Ada\u00a0$LOCAL","email":"$EMAIL"})", 201,
       {}, {{"/name", "Ada\u00a0$LOCAL"}}},
      {"NameNumber", "FIELDS-1", R"({"name":42,"email":"$EMAIL"})", 422, {"name"}},
      {"NameNull", "FIELDS-1", R"({"name":null,"email":"$EMAIL"})", 422, {"name"}},
      {"NameTooLongWithAControl", "NAME-2 NAME-3",
       R"({"name":")" + kName100 + R"(\u0001","email":"$EMAIL"})", 422, {"name"}},
      // email
      {"EmailIsTrimmedAndLowercased", "EMAIL-1 EMAIL-11",
       R"({"name":"Ada","email":"  UP-$LOCAL@Example.TEST "})", 201, {},
       {{"/email", "up-$LOCAL@example.test"}}},
      {"EmailWithNoBreakSpacesAroundIsNotTrimmed", "EMAIL-1 EMAIL-9",
       R"({"name":"Ada","email":"\u00a0$LOCAL@example.test\u00a0"})", 422, {"email"}},
      {"EmailWithPlusAndSubdomain", "EMAIL-6 EMAIL-7",
       R"({"name":"Ada","email":"$LOCAL+tag@mail.example.test"})", 201, {},
       {{"/email", "$LOCAL+tag@mail.example.test"}}},
      {"EmailWithShortLabels", "EMAIL-7 EMAIL-8", R"({"name":"Ada","email":"$LOCAL@b.c"})", 201},
      {"EmailWithHyphenInLabel", "EMAIL-9 EMAIL-10",
       R"({"name":"Ada","email":"$LOCAL@my-host.example.test"})", 201},
      {"EmailWithEveryKindOfLabelCharacter", "EMAIL-9 EMAIL-11",
       R"({"name":"Ada","email":"$LOCAL@az-09.AZ.test"})", 201, {},
       {{"/email", "$LOCAL@az-09.az.test"}}},
      {"EmailWithNonAsciiLocalPart", "EMAIL-6 EMAIL-11",
       R"({"name":"Ada","email":"\u00dcBER-$LOCAL@Example.test"})", 201, {},
       {{"/email", "\u00dcber-$LOCAL@example.test"}}},
      {"EmailWithTildeAndNoBreakSpaceInLocalPart", "EMAIL-5 EMAIL-6",
       R"({"name":"Ada","email":"$LOCAL~\u00a0@example.test"})", 201, {},
       {{"/email", "$LOCAL~\u00a0@example.test"}}},
      {"EmailOf253Characters", "EMAIL-2",
       R"({"name":"Ada","email":"$LOCAL64@)" + kDomain188 + R"("})", 201},
      {"EmailOf254Characters", "EMAIL-2",
       R"({"name":"Ada","email":"$LOCAL64@)" + kDomain189 + R"("})", 201},
      {"EmailOf255Characters", "EMAIL-2",
       R"({"name":"Ada","email":"$LOCAL64@)" + kDomain189 + R"(c"})", 422, {"email"}},
      {"EmailOf254CharactersAndSpacesAround", "EMAIL-1 EMAIL-2",
       R"({"name":"Ada","email":" $LOCAL64@)" + kDomain189 + R"( "})", 201},
      {"EmailLocalPartOf1", "EMAIL-4", R"({"name":"Ada","email":"a@$LOCAL.example.test"})", 201,
       {}, {{"/email", "a@$LOCAL.example.test"}}},
      {"EmailLocalPartOf64", "EMAIL-4", R"({"name":"Ada","email":"$LOCAL64@example.test"})", 201,
       {}, {{"/email", "$LOCAL64@example.test"}}},
      {"EmailLocalPartOf65", "EMAIL-4", R"({"name":"Ada","email":"$LOCAL65@example.test"})", 422,
       {"email"}},
      CreateCase{"EmailMissing", "FIELDS-1", R"({"name":"Ada $LOCAL"})", 422, {"email"}}
          .CreateOnly(),
      {"EmailWithoutAt", "EMAIL-3", R"({"name":"Ada","email":"$LOCAL.example.test"})", 422,
       {"email"}},
      {"EmailWithTwoAts", "EMAIL-3", R"({"name":"Ada","email":"$LOCAL@x@example.test"})", 422,
       {"email"}},
      {"EmailWithEmptyLocalPart", "EMAIL-4", R"({"name":"Ada $LOCAL","email":"@example.test"})",
       422, {"email"}},
      {"EmailWithSpaceInLocalPart", "EMAIL-5", R"({"name":"Ada","email":"$LOCAL x@example.test"})",
       422, {"email"}},
      {"EmailWithNulInLocalPart", "EMAIL-5", R"({"name":"Ada","email":"$LOCAL\u0000@example.test"})",
       422, {"email"}},
      {"EmailWithTabInLocalPart", "EMAIL-5", R"({"name":"Ada","email":"$LOCAL\tx@example.test"})",
       422, {"email"}},
      {"EmailWithUnitSeparatorInLocalPart", "EMAIL-5",
       R"({"name":"Ada","email":"$LOCAL\u001f@example.test"})", 422, {"email"}},
      {"EmailWithDeleteInLocalPart", "EMAIL-5",
       R"({"name":"Ada","email":"$LOCAL\u007f@example.test"})", 422, {"email"}},
      {"EmailWithLastC1ControlInLocalPart", "EMAIL-5",
       R"({"name":"Ada","email":"$LOCAL\u009f@example.test"})", 422, {"email"}},
      {"EmailWithSingleLabelDomain", "EMAIL-7", R"({"name":"Ada","email":"$LOCAL@localhost"})",
       422, {"email"}},
      {"EmailWithEmptyLabel", "EMAIL-8", R"({"name":"Ada","email":"$LOCAL@example..test"})", 422,
       {"email"}},
      {"EmailWithLabelOf63", "EMAIL-8",
       R"({"name":"Ada","email":"$LOCAL@)" + kLabel63 + R"(.test"})", 201},
      {"EmailWithLabelOf64", "EMAIL-8",
       R"({"name":"Ada","email":"$LOCAL@)" + kLabel63 + R"(d.test"})", 422, {"email"}},
      {"EmailWithLabelStartingWithHyphen", "EMAIL-10", R"({"name":"Ada","email":"$LOCAL@-x.test"})",
       422, {"email"}},
      {"EmailWithLabelEndingWithHyphen", "EMAIL-10", R"({"name":"Ada","email":"$LOCAL@x-.test"})",
       422, {"email"}},
      {"EmailWithTrailingDot", "EMAIL-7 EMAIL-8",
       R"({"name":"Ada","email":"$LOCAL@example.test."})", 422, {"email"}},
      {"EmailWithSeveralFaults", "EMAIL-3 EMAIL-4 EMAIL-10",
       R"({"name":"Ada","email":"$LOCAL65@@-x..test"})", 422, {"email"}},
      {"EmailNumber", "FIELDS-1", R"({"name":"Ada $LOCAL","email":42})", 422, {"email"}},
      {"EmailNull", "FIELDS-1", R"({"name":"Ada $LOCAL","email":null})", 422, {"email"}},
      // age
      {"AgeZero", "AGE-1", R"({"name":"Ada","email":"$EMAIL","age":0})", 201, {}, {{"/age", 0}}},
      {"AgeNegativeZero", "AGE-1 AGE-2", R"({"name":"Ada","email":"$EMAIL","age":-0})", 201, {},
       {{"/age", 0}}},
      {"Age1", "AGE-1", R"({"name":"Ada","email":"$EMAIL","age":1})", 201, {}, {{"/age", 1}}},
      {"Age149", "AGE-1", R"({"name":"Ada","email":"$EMAIL","age":149})", 201, {},
       {{"/age", 149}}},
      {"Age150", "AGE-1", R"({"name":"Ada","email":"$EMAIL","age":150})", 201, {}, {{"/age", 150}}},
      {"AgeNull", "AGE-1", R"({"name":"Ada","email":"$EMAIL","age":null})", 201, {},
       {{"/age", nullptr}}},
      {"AgeMinus1", "AGE-1 AGE-2", R"({"name":"Ada","email":"$EMAIL","age":-1})", 422, {"age"}},
      {"Age151", "AGE-1 AGE-2", R"({"name":"Ada","email":"$EMAIL","age":151})", 422, {"age"}},
      {"AgeFraction", "AGE-2", R"({"name":"Ada","email":"$EMAIL","age":30.5})", 422, {"age"}},
      {"AgeWholeFloat", "AGE-2", R"({"name":"Ada","email":"$EMAIL","age":30.0})", 422, {"age"}},
      {"AgeExponent", "AGE-2", R"({"name":"Ada","email":"$EMAIL","age":3e1})", 422, {"age"}},
      {"AgeString", "AGE-2", R"({"name":"Ada","email":"$EMAIL","age":"30"})", 422, {"age"}},
      {"AgeBoolean", "AGE-2", R"({"name":"Ada","email":"$EMAIL","age":true})", 422, {"age"}},
      {"AgeObject", "AGE-1", R"({"name":"Ada","email":"$EMAIL","age":{}})", 422, {"age"}},
      {"AgeTwoToThe63Minus1", "AGE-2",
       R"({"name":"Ada","email":"$EMAIL","age":9223372036854775807})", 422, {"age"}},
      {"AgeTwoToThe63", "AGE-2", R"({"name":"Ada","email":"$EMAIL","age":9223372036854775808})",
       422, {"age"}},
      {"AgeTwoToThe64", "AGE-2", R"({"name":"Ada","email":"$EMAIL","age":18446744073709551616})",
       422, {"age"}},
      {"AgeMinusTwoToThe63", "AGE-2",
       R"({"name":"Ada","email":"$EMAIL","age":-9223372036854775808})", 422, {"age"}},
      {"AgeOverflowingDouble", "AGE-3", R"({"name":"Ada","email":"$EMAIL","age":1e400})", 400},
      {"AgeOverflowingDoubleNegative", "AGE-3", R"({"name":"Ada","email":"$EMAIL","age":-1e400})",
       400},
      // unknown and server-set fields
      {"FieldId", "FIELDS-3", R"({"name":"Ada","email":"$EMAIL","id":1})", 422, {"id"}},
      {"FieldCreatedAt", "FIELDS-3",
       R"({"name":"Ada","email":"$EMAIL","created_at":"2026-11-26T12:53:51.123Z"})", 422,
       {"created_at"}},
      {"FieldUpdatedAt", "FIELDS-3",
       R"({"name":"Ada","email":"$EMAIL","updated_at":"2026-11-26T12:53:51.123Z"})", 422,
       {"updated_at"}},
      {"FieldUnknown", "FIELDS-2", R"({"name":"Ada","email":"$EMAIL","role":"admin"})", 422,
       {"role"}},
      {"UnknownFieldsInByteOrder", "FIELDS-2 ERR-10",
       R"({"name":"Ada","email":"$EMAIL","b":1,"\u00e9":1,"B":1,"a":1,"Z":1})", 422,
       {"B", "Z", "a", "b", "\u00e9"}},
      // every failing field, in the contract's order
      CreateCase{"SeveralFieldsMissingAndUnknown", "FIELDS-1 FIELDS-2 FIELDS-3 ERR-10",
                 R"({"email":"$EMAIL","id":1,"role":"admin"})", 422, {"name", "id", "role"}}
          .CreateOnly(),
      {"EveryFieldWrong", "FIELDS-1 FIELDS-2 ERR-10 NAME-2 EMAIL-3 AGE-1",
       R"({"zzz":1,"age":-1,"email":"$LOCAL","name":"","aaa":2})", 422,
       {"name", "email", "age", "aaa", "zzz"}},
      // the body as a whole
      {"BodyArray", "BODY-3", R"([1,2])", 422, {""}},
      {"BodyString", "BODY-3", R"("$EMAIL")", 422, {""}},
      {"BodyNull", "BODY-3", R"(null)", 422, {""}},
      {"BodyNumber", "BODY-3", R"(42)", 422, {""}},
      {"BodyTruncated", "BODY-1", R"({"name":"Ada","email":"$EMAIL",)", 400},
      {"BodyEmpty", "BODY-1", "", 400},
      {"BodyWithTrailingData", "BODY-1", R"({"name":"Ada","email":"$EMAIL"} x)", 400},
      {"BodyWithTrailingWhitespace", "BODY-1", "{\"name\":\"Ada\",\"email\":\"$EMAIL\"} \t\r\n",
       201},
      {"BodyWithInvalidUtf8", "BODY-1", "{\"name\":\"Ada\xff\",\"email\":\"$EMAIL\"}", 400},
      {"BodyWithOverlongUtf8", "BODY-1", "{\"name\":\"Ada\xc0\xaf\",\"email\":\"$EMAIL\"}", 400},
      {"BodyWithUtf8EncodedSurrogate", "BODY-1",
       "{\"name\":\"Ada\xed\xa0\x80\",\"email\":\"$EMAIL\"}", 400},
      {"BodyWithTruncatedUtf8", "BODY-1", "{\"name\":\"Ada\xe2\x82\",\"email\":\"$EMAIL\"}", 400},
      {"BodyWithLoneSurrogate", "BODY-1", R"({"name":"Ada\ud800","email":"$EMAIL"})", 400},
      {"BodyWithLoneLowSurrogate", "BODY-1", R"({"name":"Ada\udc00","email":"$EMAIL"})", 400},
      {"BodyArraysNested32Deep", "BODY-2 BODY-3", Repeat("[", 32) + Repeat("]", 32), 422, {""}},
      {"BodyObjectsNested33Deep", "BODY-2",
       R"({"name":"Ada","email":"$EMAIL","deep":)" + Repeat(R"({"a":)", 32) + "1" +
           Repeat("}", 33),
       400},
  };
  for (const Whitespace& space : kWhitespace) {
    cases.push_back({std::string("NameTrimmedOf") + space.name, "NAME-1",
                     std::string(R"({"name":")") + space.escaped + "Ada $LOCAL" + space.escaped +
                         R"(","email":"$EMAIL"})",
                     201, {}, {{"/name", "Ada $LOCAL"}}});
    cases.push_back({std::string("EmailTrimmedOf") + space.name, "EMAIL-1",
                     std::string(R"({"name":"Ada","email":")") + space.escaped + "$EMAIL" +
                         space.escaped + R"("})",
                     201, {}, {{"/email", "$EMAIL"}}});
  }
  for (const LabelCharacter& character : kNotInLabels) {
    cases.push_back({std::string("EmailWith") + character.name + "InDomain", "EMAIL-9",
                     std::string(R"({"name":"Ada","email":"$LOCAL@ex)") + character.escaped +
                         R"(ample.test"})",
                     422, {"email"}});
  }
  return cases;
}

const std::vector<CreateCase> kFieldCases = FieldCases();

std::vector<CreateCase> FieldCasesOnUpdate() {
  std::vector<CreateCase> cases;
  std::copy_if(kFieldCases.begin(), kFieldCases.end(), std::back_inserter(cases),
               [](const CreateCase& c) { return c.on_update; });
  return cases;
}

// The rows of kFieldCases, sent as a create or as an update.
class ErrorsFieldTest : public ErrorsTest, public testing::WithParamInterface<CreateCase> {
 protected:
  // Checks the answer to the row's body: `success` and the stored values
  // when the row is accepted, otherwise its refusal, after which no user
  // holds `local`. True when the row was refused.
  bool ExpectAnswer(const Exchange& answer, const std::string& local, int success) const {
    const CreateCase& c = GetParam();
    if (c.status == 201) {
      const testing::AssertionResult accepted = HasStatus(answer, success);
      EXPECT_HTTP(accepted);
      if (accepted) ExpectStored(answer, c, local);
      return false;
    }
    ExpectRefusal(answer, c.status, c.fields);
    EXPECT_PLAIN(NobodyHolds(local));
    return true;
  }
};

class ErrorsCreateTest : public ErrorsFieldTest {};

// Each row names its rules.
TEST_P(ErrorsCreateTest, AnswersAsSpecified) {
  const std::string local = UniqueTag("create");
  ExpectAnswer(api().Send("POST", "/users", {{"Content-Type", "application/json"}},
                          Fill(GetParam().body, local)),
               local, 201);
}

INSTANTIATE_TEST_SUITE_P(Rules, ErrorsCreateTest, testing::ValuesIn(kFieldCases), CaseName);

// The same rows as a PUT that names the same fields: the rules hold on
// update too, and a refused update changes nothing.
class ErrorsUpdateRulesTest : public ErrorsFieldTest {};

// Each row names its rules.
TEST_P(ErrorsUpdateRulesTest, AnswersAsOnCreate) {
  const std::string local = UniqueTag("update");
  const Exchange created = CreateUser({{"age", 20}});
  ASSERT_HTTP(HasStatus(created, 201));
  const json before = created.Json();
  const Exchange answer = api().Send("PUT", UserPath(before), {{"Content-Type", "application/json"}},
                                     Fill(GetParam().body, local));
  if (ExpectAnswer(answer, local, 200)) {
    EXPECT_PLAIN(Unchanged(before));
  }
}

INSTANTIATE_TEST_SUITE_P(Rules, ErrorsUpdateRulesTest, testing::ValuesIn(FieldCasesOnUpdate()),
                         CaseName);

// --- Update: what only an update can send, and a refused update changes nothing ----

struct UpdateCase {
  const char* name;
  const char* rules;
  std::string body;  // With placeholders, and $CREATED and $UPDATED for the user's own.
  int status;
  std::vector<std::string> fields;
};

void PrintTo(const UpdateCase& value, std::ostream* out) {
  *out << value.name << " [" << value.rules << RefusalRules(value.status) << " UPDATE-13]";
}

class ErrorsUpdateTest : public ErrorsTest, public testing::WithParamInterface<UpdateCase> {};

// Each row names its rules.
TEST_P(ErrorsUpdateTest, RefusesAndKeepsTheUser) {
  const UpdateCase& c = GetParam();
  const std::string local = UniqueTag("update");
  const Exchange created = CreateUser({{"email", local + "@example.test"}, {"age", 20}});
  ASSERT_HTTP(HasStatus(created, 201));
  const json before = created.Json();
  std::string body = Fill(c.body, local, before["id"].dump());
  body = ReplaceAll(body, "$CREATED", before.value("created_at", ""));
  body = ReplaceAll(body, "$UPDATED", before.value("updated_at", ""));
  const Exchange answer =
      api().Send("PUT", UserPath(before), {{"Content-Type", "application/json"}}, body);
  ExpectRefusal(answer, c.status, c.fields);
  EXPECT_PLAIN(Unchanged(before));
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ErrorsUpdateTest,
    testing::Values(
        UpdateCase{"NameNull", "UPDATE-4", R"({"name":null})", 422, {"name"}},
        UpdateCase{"NameEmpty", "NAME-1 NAME-2", R"({"name":"  "})", 422, {"name"}},
        UpdateCase{"EmailNull", "UPDATE-4", R"({"email":null})", 422, {"email"}},
        UpdateCase{"EmailInvalid", "EMAIL-7", R"({"email":"$LOCAL@localhost"})", 422, {"email"}},
        UpdateCase{"AgeString", "AGE-2", R"({"age":"21"})", 422, {"age"}},
        UpdateCase{"Age151", "AGE-1", R"({"age":151})", 422, {"age"}},
        UpdateCase{"FieldId", "FIELDS-3", R"({"id":12345})", 422, {"id"}},
        UpdateCase{"FieldIdOfTheUser", "FIELDS-3", R"({"id":$ID})", 422, {"id"}},
        UpdateCase{"FieldCreatedAt", "FIELDS-3", R"({"created_at":"2000-01-01T00:00:00.000Z"})",
                   422, {"created_at"}},
        UpdateCase{"FieldCreatedAtOfTheUser", "FIELDS-3", R"({"created_at":"$CREATED"})", 422,
                   {"created_at"}},
        UpdateCase{"FieldUpdatedAtOfTheUser", "FIELDS-3", R"({"updated_at":"$UPDATED"})", 422,
                   {"updated_at"}},
        UpdateCase{"FieldUnknown", "FIELDS-2", R"({"nickname":"Ace"})", 422, {"nickname"}},
        UpdateCase{"OneGoodFieldOneBad", "FIELDS-1 AGE-1", R"({"name":"New Name","age":-5})", 422,
                   {"age"}},
        UpdateCase{"EveryFieldWrong", "FIELDS-1 FIELDS-2 ERR-10",
                   R"({"name":"","email":"x","age":200,"x":1})", 422,
                   {"name", "email", "age", "x"}},
        UpdateCase{"BodyArray", "BODY-3", R"([{"name":"New"}])", 422, {""}},
        UpdateCase{"BodyMalformed", "BODY-1", R"({"name":)", 400, {}}),
    [](const testing::TestParamInfo<UpdateCase>& param_info) { return param_info.param.name; });

// --- Request format, routing and precedence ------------------------------------

struct RawCase {
  std::string name;
  std::string rules;
  std::string method;
  std::string path;     // With placeholders; $ID is a user the case creates.
  std::string headers;  // Extra header lines, each ending in \r\n.
  std::string body;     // With placeholders.
  int status;
  bool content_length = true;        // Send Content-Length for the body.
  std::size_t body_size = 0;         // Pads the filled body with spaces to this size.
  std::string version = "HTTP/1.1";  // Ends the request line, after a space.
  const char* allow = nullptr;       // For 405: the exact Allow (kUserRouteAllow grows PATCH
                                     // on a server that serves it).
  const char* slug = nullptr;        // For a problem type other than the status's first.
  std::vector<std::string> fields = {};  // For 422.

  RawCase WithoutContentLength() const {
    RawCase copy = *this;
    copy.content_length = false;
    return copy;
  }
  RawCase PaddedTo(std::size_t size) const {
    RawCase copy = *this;
    copy.body_size = size;
    return copy;
  }
  RawCase WithVersion(std::string text) const {
    RawCase copy = *this;
    copy.version = std::move(text);
    return copy;
  }
  RawCase Allowing(const char* methods) const {
    RawCase copy = *this;
    copy.allow = methods;
    return copy;
  }
  RawCase OfType(const char* problem_slug) const {
    RawCase copy = *this;
    copy.slug = problem_slug;
    return copy;
  }
  RawCase WithFields(std::vector<std::string> names) const {
    RawCase copy = *this;
    copy.fields = std::move(names);
    return copy;
  }
};

void PrintTo(const RawCase& value, std::ostream* out) {
  *out << value.name << " [" << value.rules << RefusalRules(value.status, value.slug) << "]";
}

std::string RawCaseName(const testing::TestParamInfo<RawCase>& info) { return info.param.name; }

class ErrorsRequestTest : public ErrorsTest, public testing::WithParamInterface<RawCase> {};

// Each row names its rules.
TEST_P(ErrorsRequestTest, AnswersAsSpecified) {
  const RawCase& c = GetParam();
  const std::string local = UniqueTag("request");
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const json user = created.Json();
  const bool user_route = c.allow != nullptr && c.allow == std::string_view(kUserRouteAllow);
  const bool serves_patch = user_route && ServesPatch(user);
  if (serves_patch && c.method == "PATCH") {
    GTEST_SKIP() << "this server serves PATCH on /users/{id} (stage 3); the extras suite checks it";
  }

  std::string body = Fill(c.body, local);
  body.resize(std::max(body.size(), c.body_size), ' ');
  std::string raw = c.method + " " + Fill(c.path, local, user["id"].dump()) +
                    (c.version.empty() ? "" : " " + c.version) +
                    "\r\nHost: localhost\r\nConnection: close\r\n" + c.headers;
  if (c.content_length) raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  raw += "\r\n" + body;
  const Exchange answer = api().SendRaw(raw);

  if (c.status >= 200 && c.status < 300) {
    EXPECT_HTTP(HasStatus(answer, c.status));
    return;
  }
  ExpectRefusal(answer, c.status, c.fields, c.slug);
  if (c.allow != nullptr) {
    EXPECT_HTTP(HasHeader(answer, "Allow", serves_patch ? kUserRouteAllowWithPatch : c.allow));
  }
  EXPECT_PLAIN(NobodyHolds(local));
  EXPECT_PLAIN(Unchanged(user));
}

const std::string kJson = "Content-Type: application/json\r\n";
const std::string kChunked = "Transfer-Encoding: chunked\r\n";
const std::string kEmptyChunkedBody = "0\r\n\r\n";
const std::string kGzip = "Content-Encoding: gzip\r\n";
const std::string kTextPlain = "Content-Type: text/plain\r\n";
const std::string kNewUser = R"({"name":"Ada","email":"$EMAIL"})";
const std::string kChange = R"({"name":"Changed $LOCAL","email":"$EMAIL"})";
const std::string kNested33 = Repeat("[", 33) + Repeat("]", 33);
const std::string kNested32 = R"({"name":"Ada","email":"$EMAIL","deep":)" + Repeat("[", 31) +
                              Repeat("]", 31) + "}";
const std::string kLongPath = "/users/" + std::string(506, '1');  // 513 bytes.
// 512 and 513 bytes as sent, 172 and 173 once decoded.
const std::string kEncodedPath512 = "/" + Repeat("%78", 170) + "x";
const std::string kEncodedPath513 = kEncodedPath512 + "x";
const std::string kMissingUser = kMissingUserPath;

// A refusal is answered whole whatever Range asks: a server that drops the
// ranges only for requests its checks let through cuts the problem it
// refuses with (httplib 0.11 applies the ranges to any routed answer).
SPEC_TEST_F(ErrorsTest, RangeIsIgnoredOnARefusal, "CONV-18 FMT-8") {
  const Exchange plain = api().Send("POST", "/users", {{"Content-Type", "text/plain"}}, "x");
  ASSERT_HTTP(HasStatus(plain, 415));
  for (const char* range : {"bytes=0-5", "bytes=0-5,10-20", "bytes=100000-"}) {
    const Exchange ranged = api().Send(
        "POST", "/users", {{"Content-Type", "text/plain"}, {"Range", range}}, "x");
    EXPECT_HTTP(HasStatus(ranged, 415));
    EXPECT_HTTP(HasNoContentRange(ranged));
    EXPECT_HTTP(HasJson(ranged, "", plain.Json()));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Format, ErrorsRequestTest,
    testing::Values(
        // Content-Type
        RawCase{"PostWithoutContentType", "FMT-8", "POST", "/users", "", kNewUser, 415},
        RawCase{"PostAsTextPlain", "FMT-8", "POST", "/users", kTextPlain, kNewUser, 415},
        RawCase{"PostAsTextJson", "FMT-8", "POST", "/users", "Content-Type: text/json\r\n",
                kNewUser, 415},
        RawCase{"PostAsMergePatchJson", "FMT-8", "POST", "/users",
                "Content-Type: application/merge-patch+json\r\n", kNewUser, 415},
        RawCase{"PostAsJsonPatch", "FMT-8", "POST", "/users",
                "Content-Type: application/json-patch+json\r\n", kNewUser, 415},
        RawCase{"PutWithoutContentType", "FMT-8", "PUT", "/users/$ID", "", kChange, 415},
        RawCase{"PutAsTextPlain", "FMT-8", "PUT", "/users/$ID", kTextPlain, kChange, 415},
        RawCase{"PostWithCharsetParameter", "FMT-8", "POST", "/users",
                "Content-Type: application/json; charset=utf-8\r\n", kNewUser, 201},
        RawCase{"PostWithParameterWithoutSpace", "FMT-8", "POST", "/users",
                "Content-Type: application/json;charset=UTF-8\r\n", kNewUser, 201},
        RawCase{"PostWithUppercaseMediaType", "FMT-8", "POST", "/users",
                "Content-Type: Application/JSON\r\n", kNewUser, 201},
        RawCase{"PutWithUppercaseMediaTypeAndParameter", "FMT-8", "PUT", "/users/$ID",
                "Content-Type: APPLICATION/Json; Charset=UTF-8\r\n", kChange, 200},
        RawCase{"GetWithBodyAndNoContentType", "FMT-8 BODY-4", "GET", "/users/$ID", "",
                "not json", 200},
        RawCase{"DeleteWithBodyAndNoContentType", "FMT-8 BODY-4", "DELETE", "/users/$ID", "",
                "not json", 204},
        // Content-Length, Transfer-Encoding, Content-Encoding
        RawCase{"PostWithoutContentLength", "FMT-6", "POST", "/users", kJson, "", 411}
            .WithoutContentLength(),
        RawCase{"PutWithoutContentLength", "FMT-6", "PUT", "/users/$ID", kJson, "", 411}
            .WithoutContentLength(),
        RawCase{"PostOnUsersWithSlashWithoutContentLength", "FMT-6", "POST", "/users/", kJson, "",
                411}
            .WithoutContentLength(),
        RawCase{"PutOnUserWithSlashWithoutContentLength", "FMT-6", "PUT", "/users/$ID/", kJson,
                "", 411}
            .WithoutContentLength(),
        RawCase{"DeleteWithoutContentLength", "FMT-6", "DELETE", "/users/$ID", "", "", 204}
            .WithoutContentLength(),
        RawCase{"PostChunked", "FMT-4", "POST", "/users", kJson + kChunked,
                "5\r\n{\"a\":\r\n0\r\n\r\n", 411}
            .WithoutContentLength(),
        RawCase{"PostChunkedInCapitals", "FMT-4", "POST", "/users",
                kJson + "Transfer-Encoding: Chunked\r\n", kEmptyChunkedBody, 411}
            .WithoutContentLength(),
        RawCase{"PostWithTransferEncodingGzip", "FMT-4", "POST", "/users",
                kJson + "Transfer-Encoding: gzip\r\n", kNewUser, 411},
        RawCase{"PostWithTransferEncodingIdentity", "FMT-4", "POST", "/users",
                kJson + "Transfer-Encoding: identity\r\n", kNewUser, 411},
        RawCase{"PostGzipEncoded", "FMT-5", "POST", "/users", kJson + kGzip, kNewUser, 415},
        RawCase{"PostIdentityEncoded", "FMT-5", "POST", "/users",
                kJson + "Content-Encoding: identity\r\n", kNewUser, 415},
        RawCase{"PostDeflateEncoded", "FMT-5", "POST", "/users",
                kJson + "Content-Encoding: deflate\r\n", kNewUser, 415},
        RawCase{"PostBrotliEncoded", "FMT-5", "POST", "/users", kJson + "Content-Encoding: br\r\n",
                kNewUser, 415},
        RawCase{"PostGzipEncodedInCapitals", "FMT-5", "POST", "/users",
                kJson + "Content-Encoding: GZIP\r\n", kNewUser, 415},
        RawCase{"PostContentLengthNotANumber", "PROB-1", "POST", "/users",
                kJson + "Content-Length: ten\r\n", "", 400}
            .WithoutContentLength()
            .OfType("bad-request"),
        RawCase{"PostContentLengthNegative", "PROB-1", "POST", "/users",
                kJson + "Content-Length: -1\r\n", "", 400}
            .WithoutContentLength()
            .OfType("bad-request"),
        // Malformed request lines and headers, which cpp-httplib answers itself
        RawCase{"UnknownMethod", "PROB-1", "BREW", "/users", "", "", 400}.OfType("bad-request"),
        RawCase{"RequestLineWithExtraPart", "PROB-1", "GET", "/users extra", "", "", 400}.OfType(
            "bad-request"),
        RawCase{"RequestLineWithoutVersion", "PROB-1", "GET", "/users", "", "", 400}
            .WithVersion("")
            .OfType("bad-request"),
        RawCase{"RequestLineWithUnknownVersion", "PROB-1", "GET", "/users", "", "", 400}
            .WithVersion("HTTP/9.9")
            .OfType("bad-request"),
        RawCase{"HeaderLongerThan8192Bytes", "PROB-1", "GET", "/health",
                "X-Long: " + std::string(9000, 'a') + "\r\n", "", 400}
            .OfType("bad-request"),
        // Size and depth
        // Valid JSON padded with spaces to 64 KiB less one byte, exactly 64 KiB, and one byte more.
        RawCase{"PostBodyUnderLimit", "FMT-7", "POST", "/users", kJson, kNewUser, 201}.PaddedTo(
            65535),
        RawCase{"PostBodyAtLimit", "FMT-7", "POST", "/users", kJson, kNewUser, 201}.PaddedTo(65536),
        RawCase{"PostBodyOverLimit", "FMT-7", "POST", "/users", kJson, kNewUser, 413}.PaddedTo(
            65537),
        RawCase{"PutBodyUnderLimit", "FMT-7", "PUT", "/users/$ID", kJson, kChange, 200}.PaddedTo(
            65535),
        RawCase{"PutBodyAtLimit", "FMT-7", "PUT", "/users/$ID", kJson, kChange, 200}.PaddedTo(65536),
        RawCase{"PutBodyOverLimit", "FMT-7", "PUT", "/users/$ID", kJson, kChange, 413}.PaddedTo(
            65537),
        RawCase{"GetBodyAtLimit", "FMT-7 BODY-4", "GET", "/users/$ID", "", "", 200}.PaddedTo(65536),
        RawCase{"DeleteBodyOverLimit", "FMT-7", "DELETE", "/users/$ID", "", "", 413}.PaddedTo(
            65537),
        RawCase{"PostHugeContentLengthWithoutBody", "FMT-7", "POST", "/users",
                kJson + "Content-Length: 99999999999\r\n", "", 413}
            .WithoutContentLength(),
        RawCase{"PostContentLengthOverflowing64Bits", "FMT-7", "POST", "/users",
                kJson + "Content-Length: 18446744073709551616\r\n", "", 413}
            .WithoutContentLength(),
        RawCase{"PostNestedDeeperThan32", "BODY-2", "POST", "/users", kJson, kNested33, 400},
        RawCase{"PostNested32Deep", "BODY-2 FIELDS-2", "POST", "/users", kJson, kNested32, 422}
            .WithFields({"deep"}),
        RawCase{"PutNestedDeeperThan32", "BODY-2", "PUT", "/users/$ID", kJson, kNested33, 400},
        // Paths and routing
        RawCase{"PathLongerThan512Bytes", "FMT-2", "GET", kLongPath, "", "", 414},
        RawCase{"PathOf512BytesIsNotTooLong", "FMT-2", "GET", Repeat("/x", 256), "", "", 404},
        RawCase{"PathOf511BytesIsNotTooLong", "FMT-2", "GET", Repeat("/x", 255) + "y", "", "",
                404},
        RawCase{"PathOf513BytesAsSentPercentEncoded", "FMT-2", "GET", kEncodedPath513, "", "",
                414},
        RawCase{"PathOf512BytesAsSentPercentEncoded", "FMT-2", "GET", kEncodedPath512, "", "",
                404},
        RawCase{"PathOf512BytesWithLongQuery", "FMT-2", "GET",
                Repeat("/x", 256) + "?q=" + std::string(600, 'q'), "", "", 404},
        RawCase{"UserPathOf512BytesWithLeadingZeros", "FMT-2 CONV-7", "GET", "/users/$ID505", "",
                "", 200},
        RawCase{"UserPathOf513BytesWithLeadingZeros", "FMT-2", "GET", "/users/$ID506", "", "",
                414},
        RawCase{"PutOnUserPathOf513BytesWithLeadingZeros", "FMT-2", "PUT", "/users/$ID506", kJson,
                kChange, 414},
        // "GET " + target + " HTTP/1.1\r\n": 15 bytes around the target.
        RawCase{"RequestLineOf8191Bytes", "FMT-3", "GET",
                "/health?q=" + std::string(8191 - 15 - 10, 'q'), "", "", 200},
        RawCase{"RequestLineOf8192Bytes", "FMT-3", "GET",
                "/health?q=" + std::string(8192 - 15 - 10, 'q'), "", "", 200},
        RawCase{"RequestLineOf8193Bytes", "FMT-3", "GET",
                "/health?q=" + std::string(8193 - 15 - 10, 'q'), "", "", 414},
        RawCase{"RequestTargetLongerThan8192Bytes", "FMT-3", "GET",
                "/health?q=" + std::string(8193 - 10, 'q'), "", "", 414},
        RawCase{"UnknownPath", "CONV-5 PROB-4", "GET", "/accounts", "", "", 404},
        RawCase{"PathsAreCaseSensitive", "CONV-5", "GET", "/Users", "", "", 404},
        RawCase{"TwoTrailingSlashes", "CONV-4", "GET", "/users//", "", "", 404},
        RawCase{"GetIdNotANumber", "CONV-8", "GET", "/users/abc", "", "", 404},
        RawCase{"GetIdNotANumberWithSlash", "CONV-8", "GET", "/users/abc/", "", "", 404},
        RawCase{"GetIdZero", "CONV-8", "GET", "/users/0", "", "", 404},
        RawCase{"GetIdNegative", "CONV-8", "GET", "/users/-1", "", "", 404},
        RawCase{"GetIdWithFraction", "CONV-8", "GET", "/users/1.0", "", "", 404},
        RawCase{"GetIdWithExponent", "CONV-8", "GET", "/users/1e3", "", "", 404},
        RawCase{"GetIdTwoToThe63Minus1", "CONV-6", "GET", "/users/9223372036854775807", "", "",
                404},
        RawCase{"GetIdTwoToThe63", "CONV-8", "GET", "/users/9223372036854775808", "", "", 404},
        RawCase{"GetIdTwoToThe64", "CONV-8", "GET", "/users/18446744073709551616", "", "", 404},
        RawCase{"GetIdWithPlusSign", "CONV-8", "GET", "/users/+1", "", "", 404},
        RawCase{"DeleteIdNotANumber", "CONV-8", "DELETE", "/users/abc", "", "", 404},
        RawCase{"PutIdZeroWithValidBody", "CONV-8", "PUT", "/users/0", kJson, kChange, 404},
        // Precedence: both problems in one request, the first wins
        RawCase{"LongPathAndChunked", "PREC-1", "POST", kLongPath, kJson + kChunked,
                kEmptyChunkedBody, 414}
            .WithoutContentLength(),
        RawCase{"ChunkedAndGzipEncoded", "PREC-2", "POST", "/users", kJson + kChunked + kGzip,
                kEmptyChunkedBody, 411}
            .WithoutContentLength(),
        RawCase{"ChunkedOnUnknownPath", "FMT-1 FMT-4", "GET", "/accounts", kChunked,
                kEmptyChunkedBody, 411}
            .WithoutContentLength(),
        RawCase{"GzipEncodedOnUnknownPath", "PREC-3", "GET", "/accounts", kGzip, "", 415},
        RawCase{"GzipEncodedWithWrongMethod", "PREC-3", "DELETE", "/users", kGzip, "", 415},
        RawCase{"GzipEncodedOnMalformedId", "PREC-3", "GET", "/users/abc", kGzip, "", 415},
        RawCase{"PutIdNotANumberWithBadBody", "PREC-5", "PUT", "/users/abc", kJson,
                R"({"age":"x"})", 404},
        RawCase{"PutIdNotANumberWithoutContentLength", "PREC-5", "PUT", "/users/abc", kJson, "",
                404}
            .WithoutContentLength(),
        RawCase{"PutIdNotANumberAsTextPlain", "PREC-5", "PUT", "/users/abc", kTextPlain, kChange,
                404},
        RawCase{"PutIdNotANumberWithBodyOverLimit", "PREC-5", "PUT", "/users/abc", kJson, kChange,
                404}
            .PaddedTo(65537),
        RawCase{"PostOnUnknownPathWithoutContentLength", "PREC-5", "POST", "/accounts", kJson, "",
                404}
            .WithoutContentLength(),
        RawCase{"PutOnCollectionWithoutContentLength", "PREC-5", "PUT", "/users", kJson, "", 405}
            .WithoutContentLength()
            .Allowing("GET, POST"),
        RawCase{"PutOnCollectionAsTextPlain", "PREC-5", "PUT", "/users", kTextPlain, kNewUser, 405}
            .Allowing("GET, POST"),
        RawCase{"PostOnHealthWithBodyOverLimit", "PREC-5", "POST", "/health", kJson, "{}", 405}
            .PaddedTo(65537)
            .Allowing("GET"),
        RawCase{"PostWithoutContentLengthOrContentType", "PREC-9", "POST", "/users", "", "", 411}
            .WithoutContentLength(),
        RawCase{"PutWithoutContentLengthOrContentType", "PREC-9", "PUT", "/users/$ID", "", "",
                411}
            .WithoutContentLength(),
        RawCase{"PostBodyOverLimitAsTextPlain", "PREC-10", "POST", "/users", kTextPlain, kNewUser,
                413}
            .PaddedTo(65537),
        RawCase{"PutBodyOverLimitWithoutContentType", "PREC-10", "PUT", "/users/$ID", "", kChange,
                413}
            .PaddedTo(65537),
        RawCase{"PostMalformedBodyAsTextPlain", "PREC-12", "POST", "/users", kTextPlain,
                R"({"name":)", 415},
        RawCase{"PutMalformedBodyWithoutContentType", "PREC-12", "PUT", "/users/$ID", "",
                R"({"name":)", 415},
        RawCase{"PutMissingUserWithMalformedBody", "PREC-13", "PUT", kMissingUser, kJson,
                R"({"name":)", 400},
        RawCase{"PutMissingUserWithInvalidBody", "PREC-14", "PUT", kMissingUser, kJson,
                R"({"age":"x"})", 422}
            .WithFields({"age"}),
        RawCase{"PutMissingUserWithUnknownField", "PREC-14 FIELDS-2", "PUT", kMissingUser, kJson,
                R"({"role":"admin"})", 422}
            .WithFields({"role"}),
        RawCase{"PutMissingUserWithNameOf101Characters", "PREC-14 NAME-2", "PUT", kMissingUser,
                kJson, R"({"name":")" + kName100 + R"(y"})", 422}
            .WithFields({"name"}),
        RawCase{"PutMissingUserWithValidBody", "PREC-14", "PUT", kMissingUser, kJson,
                R"({"age":1})", 404}),
    RawCaseName);

// Where a check of the request line and headers applies: every route, each
// method it serves, as sent and with its trailing slash.
struct Route {
  const char* name;
  const char* method;
  const char* path;
};
constexpr Route kServedRoutes[] = {
    {"GetOnUsers", "GET", "/users"},           {"GetOnUsersWithSlash", "GET", "/users/"},
    {"PostOnUsers", "POST", "/users"},         {"PostOnUsersWithSlash", "POST", "/users/"},
    {"GetOnUser", "GET", "/users/$ID"},        {"GetOnUserWithSlash", "GET", "/users/$ID/"},
    {"PutOnUser", "PUT", "/users/$ID"},        {"PutOnUserWithSlash", "PUT", "/users/$ID/"},
    {"DeleteOnUser", "DELETE", "/users/$ID"},  {"DeleteOnUserWithSlash", "DELETE", "/users/$ID/"},
    {"GetOnHealth", "GET", "/health"},         {"GetOnHealthWithSlash", "GET", "/health/"},
};

std::vector<RawCase> FormatChecksOnEveryRoute() {
  std::vector<RawCase> cases;
  for (const Route& route : kServedRoutes) {
    const std::string method = route.method;
    const bool has_body = method == "POST" || method == "PUT";
    const std::string headers = has_body ? kJson : "";
    const std::string body = method == "POST" ? kNewUser : method == "PUT" ? kChange : "";
    const std::string slash = std::string_view(route.path).back() == '/' ? " CONV-3" : "";
    cases.push_back(RawCase{std::string("Chunked") + route.name, "FMT-1 FMT-4" + slash,
                            method, route.path, headers + kChunked, kEmptyChunkedBody, 411}
                        .WithoutContentLength());
    cases.push_back(RawCase{std::string("IdentityEncoded") + route.name, "FMT-1 FMT-5" + slash,
                            method, route.path, headers + "Content-Encoding: identity\r\n", body,
                            415});
    cases.push_back(RawCase{std::string("BodyOverLimit") + route.name, "FMT-7" + slash, method,
                            route.path, headers, body, 413}
                        .PaddedTo(65537));
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(EveryRoute, ErrorsRequestTest,
                         testing::ValuesIn(FormatChecksOnEveryRoute()), RawCaseName);

// Every path shape the server knows, as sent and with its trailing slash,
// with the exact Allow of its 405 and the rules its rows check.
struct KnownPath {
  const char* name;
  const char* path;
  const char* allow;
  const char* rules;
};
constexpr KnownPath kKnownPaths[] = {
    {"Users", "/users", "GET, POST", ""},
    {"UsersWithSlash", "/users/", "GET, POST", "ALLOW-3"},
    {"User", "/users/$ID", kUserRouteAllow, "ALLOW-4"},
    {"UserWithSlash", "/users/$ID/", kUserRouteAllow, "ALLOW-3 ALLOW-4"},
    {"UserWithLeadingZeros", "/users/00$ID", kUserRouteAllow, "ALLOW-4"},
    {"MissingUser", "/users/9000000000000000000", kUserRouteAllow, "ALLOW-4"},
    {"MalformedId", "/users/abc", kUserRouteAllow, "ALLOW-4 PREC-4"},
    {"MalformedIdWithSlash", "/users/abc/", kUserRouteAllow, "ALLOW-3 ALLOW-4 PREC-4"},
    {"IdZero", "/users/0", kUserRouteAllow, "ALLOW-4 PREC-4"},
    {"Health", "/health", "GET", ""},
    {"HealthWithSlash", "/health/", "GET", "ALLOW-3"},
};
constexpr const char* kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

// "OPTIONS" -> "Options".
std::string Capitalised(std::string word) {
  std::transform(word.begin() + 1, word.end(), word.begin() + 1,
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return word;
}

std::vector<RawCase> WrongMethodsOnEveryPath() {
  std::vector<RawCase> cases;
  for (const KnownPath& known : kKnownPaths) {
    const std::string allow = std::string(", ") + known.allow + ",";
    for (const std::string method : kMethods) {
      if (allow.find(" " + method + ",") != std::string::npos) continue;
      const bool has_body = method == "POST" || method == "PUT" || method == "PATCH";
      const std::string name = Capitalised(method) + "On" + known.name;
      std::string rules = std::string("ALLOW-1 ALLOW-2 ") + known.rules;
      if (method == "OPTIONS") rules += " ALLOW-5";
      cases.push_back(RawCase{name, rules, method, known.path, has_body ? kJson : "",
                              has_body ? kNewUser : "", 405}
                          .Allowing(known.allow));
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Methods, ErrorsRequestTest, testing::ValuesIn(WrongMethodsOnEveryPath()),
                         RawCaseName);

// --- Ids with leading zeros --------------------------------------------------------

SPEC_TEST_F(ErrorsTest, IdsWithLeadingZerosNameTheUser, "CONV-7") {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const json user = created.Json();
  const std::string id = user["id"].dump();
  for (const std::string& path :
       {"/users/0" + id, "/users/00" + id + "/", "/users/" + std::string(30, '0') + id}) {
    const Exchange got = api().Get(path);
    EXPECT_HTTP(HasStatus(got, 200));
    EXPECT_HTTP(HasJson(got, "", user));
  }
  const Exchange updated = api().Put("/users/00" + id, {{"age", 41}});
  EXPECT_HTTP(HasStatus(updated, 200));
  EXPECT_HTTP(HasJson(updated, "/id", user["id"]));
  EXPECT_HTTP(HasJson(updated, "/age", 41));
  EXPECT_HTTP(HasStatus(api().Delete("/users/000" + id + "/"), 204));
  EXPECT_HTTP(HasStatus(api().Get(UserPath(user)), 404));
}

// --- Uniqueness -------------------------------------------------------------------

SPEC_TEST_F(ErrorsTest, DuplicateEmailInOtherCaseOnCreateReturns409, "EMAIL-12 EMAIL-13 PROB-6",
            "ERR-3 ERR-4 ERR-5 ERR-15") {
  const std::string email = UniqueEmail("dup");
  ASSERT_HTTP(HasStatus(api().Post("/users", {{"name", "First"}, {"email", email}}), 201));
  const Exchange second = api().Post("/users", {{"name", "Second"}, {"email", Upper(email)}});
  ExpectRefusal(second, 409, {});
  EXPECT_PLAIN(OneUserHolds(email));
}

SPEC_TEST_F(ErrorsTest, DuplicateEmailWithWhitespaceAroundOnCreateReturns409,
            "EMAIL-1 EMAIL-12 PROB-6 ERR-15") {
  const std::string email = UniqueEmail("padded");
  ASSERT_HTTP(HasStatus(api().Post("/users", {{"name", "First"}, {"email", email}}), 201));
  const Exchange second =
      api().Post("/users", {{"name", "Second"}, {"email", " \t" + Upper(email) + "\r\n"}});
  ExpectRefusal(second, 409, {});
  EXPECT_PLAIN(OneUserHolds(email));
}

SPEC_TEST_F(ErrorsTest, DuplicateEmailOnUpdateReturns409AndKeepsTheUser,
            "EMAIL-12 PROB-6 ERR-15 UPDATE-13") {
  const Exchange first = CreateUser();
  const Exchange second = CreateUser();
  ASSERT_HTTP(HasStatus(first, 201));
  ASSERT_HTTP(HasStatus(second, 201));
  const Exchange taken = api().Put(UserPath(second.Json()), {{"email", first.Json()["email"]}});
  ExpectRefusal(taken, 409, {});
  EXPECT_PLAIN(Unchanged(second.Json()));
}

SPEC_TEST_F(ErrorsTest, UpdateToOwnEmailInOtherCaseSucceeds, "UPDATE-7 EMAIL-11 EMAIL-13") {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string email = created.Json()["email"];
  const Exchange updated = api().Put(UserPath(created.Json()), {{"email", Upper(email)}});
  ASSERT_HTTP(HasStatus(updated, 200));
  EXPECT_HTTP(HasJson(updated, "/email", email));
}

SPEC_TEST_F(ErrorsTest, EmailLeftByAnUpdateCanBeTakenAgain, "EMAIL-12 EMAIL-13") {
  const std::string old_email = UniqueEmail("left");
  const std::string new_email = UniqueEmail("moved");
  const Exchange mover = api().Post("/users", {{"name", "Mover"}, {"email", old_email}});
  ASSERT_HTTP(HasStatus(mover, 201));
  ASSERT_HTTP(HasStatus(api().Put(UserPath(mover.Json()), {{"email", new_email}}), 200));
  const Exchange taker = api().Post("/users", {{"name", "Taker"}, {"email", Upper(old_email)}});
  EXPECT_HTTP(HasStatus(taker, 201));
  EXPECT_HTTP(HasJson(taker, "/email", old_email));
  ExpectRefusal(api().Post("/users", {{"name", "Late"}, {"email", Upper(new_email)}}), 409, {});
}

// --- Precedence around the store ---------------------------------------------------

SPEC_TEST_F(ErrorsTest, MissingUserWithTakenEmailIs404, "PREC-18 PROB-4") {
  const Exchange owner = CreateUser();
  ASSERT_HTTP(HasStatus(owner, 201));
  ExpectRefusal(api().Put(kMissingUserPath, {{"email", owner.Json()["email"]}}), 404, {});
}

SPEC_TEST_F(ErrorsTest, TakenEmailWithAnotherFailingFieldIs422, "PREC-19 EMAIL-12 ERR-15") {
  const Exchange owner = CreateUser();
  const Exchange other = CreateUser();
  ASSERT_HTTP(HasStatus(owner, 201));
  ASSERT_HTTP(HasStatus(other, 201));
  const std::string email = owner.Json()["email"];
  ExpectRefusal(api().Post("/users", {{"name", "Second"}, {"email", email}, {"age", 151}}), 422,
                {"age"});
  ExpectRefusal(api().Put(UserPath(other.Json()), {{"email", Upper(email)}, {"name", ""}}), 422,
                {"name"});
  EXPECT_PLAIN(Unchanged(other.Json()));
  EXPECT_PLAIN(OneUserHolds(email));
}

// --- Races ------------------------------------------------------------------------

SPEC_TEST_F(ErrorsTest, ConcurrentCreatesWithOneEmailMakeOneUser, "CONV-16 EMAIL-12") {
  constexpr int kClients = 64;
  const std::string email = UniqueEmail("race");
  const std::vector<Exchange> answers = AllAtOnce(kClients, [&](int i) {
    return api().Post("/users", {{"name", "Racer " + std::to_string(i)}, {"email", email}});
  });
  const std::map<int, int> counts = CountStatuses(answers);
  EXPECT_HTTP(Holds(answers.front(), counts == std::map<int, int>{{201, 1}, {409, kClients - 1}},
                    "one 201 and 63 409s; got " + Describe(counts)));
  EXPECT_PLAIN(OneUserHolds(email));
}

SPEC_TEST_F(ErrorsTest, ConcurrentUpdatesToOneEmailLeaveOneOwner, "CONV-17 EMAIL-12") {
  constexpr int kClients = 16;
  std::vector<json> users;
  for (int i = 0; i < kClients; ++i) {
    const Exchange created = CreateUser();
    ASSERT_HTTP(HasStatus(created, 201));
    users.push_back(created.Json());
  }
  const std::string email = UniqueEmail("contested");
  const std::vector<Exchange> answers = AllAtOnce(kClients, [&](int i) {
    return api().Put("/users/" + users[i]["id"].dump(), {{"email", email}});
  });
  const std::map<int, int> counts = CountStatuses(answers);
  EXPECT_HTTP(Holds(answers.front(), counts == std::map<int, int>{{200, 1}, {409, kClients - 1}},
                    "one 200 and 15 409s; got " + Describe(counts)));
  EXPECT_PLAIN(OneUserHolds(email));
}

}  // namespace
}  // namespace acceptance
