// Stage 2 acceptance suite (ctest label `errors`): every bad input gets a
// precise status and a problem+json body, and changes nothing.
// guide/api-spec.md: "Validation rules", "Errors", "Request-format checks",
// "Precedence".
//
// The cases are tables. In bodies and paths, $LOCAL stands for a local part
// unique to the case, $EMAIL for $LOCAL@example.test, $LOCAL64 and $LOCAL65
// for $LOCAL padded to 64 and 65 characters, and $ID for the id of a user
// the case creates first. After a refused request, no user holds $LOCAL and
// the case's user is as it was.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>
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

// Fills the placeholders of the file comment.
std::string Fill(std::string text, const std::string& local, const std::string& id = "") {
  text = ReplaceAll(text, "$LOCAL64", Padded(local, 64));
  text = ReplaceAll(text, "$LOCAL65", Padded(local, 65));
  text = ReplaceAll(text, "$EMAIL", local + "@example.test");
  text = ReplaceAll(text, "$LOCAL", local);
  return ReplaceAll(text, "$ID", id);
}

// The methods an Allow header lists.
std::set<std::string> AllowedMethods(const Exchange& exchange) {
  std::set<std::string> methods;
  std::istringstream list(exchange.Header("Allow"));
  for (std::string method; std::getline(list, method, ',');) {
    method.erase(0, method.find_first_not_of(' '));
    method.erase(method.find_last_not_of(' ') + 1);
    methods.insert(method);
  }
  return methods;
}

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
    const UserListing listing = api().ListAllUsers();
    if (!listing.complete) return HasStatus(listing.last, 200);
    const auto owners = std::count_if(listing.users.begin(), listing.users.end(), [&](const json& u) {
      return u.value("email", "") == email;
    });
    return Holds(listing.last, owners == 1,
                 "exactly one stored user with " + email + ", found " + std::to_string(owners));
  }

  // Passes when the user is stored exactly as `before`.
  testing::AssertionResult Unchanged(const json& before) const {
    const Exchange now = api().Get("/users/" + before["id"].dump());
    if (auto result = HasStatus(now, 200); !result) return result;
    return HasJson(now, "", before);
  }

  // Checks a refused request's answer: the problem document and, for 422,
  // the failing fields.
  static void ExpectRefusal(const Exchange& answer, int status,
                            const std::vector<std::string>& fields) {
    EXPECT_HTTP(HasProblem(answer, status));
    if (status == 422) {
      EXPECT_HTTP(HasErrorFields(answer, fields));
    }
  }
};

// --- Create: each validation rule at its boundaries ----------------------------

struct CreateCase {
  const char* name;
  std::string body;  // JSON text, with placeholders.
  int status;
  std::vector<std::string> fields;  // For 422: the fields in "errors".
  json stored = nullptr;            // For 201: pointer -> value checks.
};

void PrintTo(const CreateCase& value, std::ostream* out) { *out << value.name; }

class ErrorsCreateTest : public ErrorsTest, public testing::WithParamInterface<CreateCase> {};

TEST_P(ErrorsCreateTest, AnswersAsSpecified) {
  const CreateCase& c = GetParam();
  const std::string local = UniqueTag("create");
  const Exchange answer =
      api().Send("POST", "/users", {{"Content-Type", "application/json"}}, Fill(c.body, local));
  if (c.status == 201) {
    ASSERT_HTTP(HasStatus(answer, 201));
    for (const auto& [pointer, value] : c.stored.items()) {
      EXPECT_HTTP(HasJson(answer, pointer, json::parse(Fill(value.dump(), local))));
    }
    return;
  }
  ExpectRefusal(answer, c.status, c.fields);
  EXPECT_TRUE(NobodyHolds(local));
}

const std::string kName100 = Repeat("x", 100);
const std::string kAccented100 = Repeat("\u00e9", 100);
// A domain of 189 characters: with a 64-character local part, 254 in all.
const std::string kDomain189 = Repeat("a", 63) + "." + Repeat("b", 63) + "." + Repeat("c", 61);

INSTANTIATE_TEST_SUITE_P(
    Rules, ErrorsCreateTest,
    testing::Values(
        // name
        CreateCase{"NameIsTrimmed", R"({"name":"  Ada $LOCAL  ","email":"$EMAIL"})", 201, {},
                   {{"/name", "Ada $LOCAL"}}},
        CreateCase{"NameOf1Character", R"({"name":"A","email":"$EMAIL"})", 201, {}, {{"/name", "A"}}},
        CreateCase{"NameOf100Characters", R"({"name":")" + kName100 + R"(","email":"$EMAIL"})",
                   201, {}, {{"/name", kName100}}},
        CreateCase{"NameOf100MultibyteCharacters",
                   R"({"name":")" + kAccented100 + R"(","email":"$EMAIL"})", 201, {},
                   {{"/name", kAccented100}}},
        CreateCase{"NameOf100CharactersAndSpacesAround",
                   R"({"name":"  )" + kName100 + R"(  ","email":"$EMAIL"})", 201, {},
                   {{"/name", kName100}}},
        CreateCase{"NameOf101Characters",
                   R"({"name":")" + kName100 + R"(y","email":"$EMAIL"})", 422, {"name"}},
        CreateCase{"NameOf101MultibyteCharacters",
                   R"({"name":")" + kAccented100 + R"(\u00e9","email":"$EMAIL"})", 422, {"name"}},
        CreateCase{"NameMissing", R"({"email":"$EMAIL"})", 422, {"name"}},
        CreateCase{"NameEmpty", R"({"name":"","email":"$EMAIL"})", 422, {"name"}},
        CreateCase{"NameOnlyWhitespace", R"({"name":" \t\n ","email":"$EMAIL"})", 422, {"name"}},
        CreateCase{"NameWithTab", R"({"name":"Ada\tLovelace","email":"$EMAIL"})", 422, {"name"}},
        CreateCase{"NameWithNewline", R"({"name":"Ada\nLovelace","email":"$EMAIL"})", 422, {"name"}},
        CreateCase{"NameWithNul", R"({"name":"Ada\u0000","email":"$EMAIL"})", 422, {"name"}},
        CreateCase{"NameWithDelete", R"({"name":"Ada\u007f","email":"$EMAIL"})", 422, {"name"}},
        CreateCase{"NameWithC1Control", R"({"name":"Ada\u0085","email":"$EMAIL"})", 422, {"name"}},
        CreateCase{"NameNumber", R"({"name":42,"email":"$EMAIL"})", 422, {"name"}},
        CreateCase{"NameNull", R"({"name":null,"email":"$EMAIL"})", 422, {"name"}},
        // email
        CreateCase{"EmailIsTrimmedAndLowercased",
                   R"({"name":"Ada","email":"  UP-$LOCAL@Example.TEST "})", 201, {},
                   {{"/email", "up-$LOCAL@example.test"}}},
        CreateCase{"EmailWithPlusAndSubdomain",
                   R"({"name":"Ada","email":"$LOCAL+tag@mail.example.test"})", 201, {},
                   {{"/email", "$LOCAL+tag@mail.example.test"}}},
        CreateCase{"EmailWithShortLabels", R"({"name":"Ada","email":"$LOCAL@b.c"})", 201, {}},
        CreateCase{"EmailWithHyphenInLabel",
                   R"({"name":"Ada","email":"$LOCAL@my-host.example.test"})", 201, {}},
        CreateCase{"EmailOf254Characters",
                   R"({"name":"Ada","email":"$LOCAL64@)" + kDomain189 + R"("})", 201, {}},
        CreateCase{"EmailOf255Characters",
                   R"({"name":"Ada","email":"$LOCAL64@)" + kDomain189 + R"(c"})", 422, {"email"}},
        CreateCase{"EmailLocalPartOf65", R"({"name":"Ada","email":"$LOCAL65@example.test"})", 422,
                   {"email"}},
        CreateCase{"EmailMissing", R"({"name":"Ada $LOCAL"})", 422, {"email"}},
        CreateCase{"EmailWithoutAt", R"({"name":"Ada","email":"$LOCAL.example.test"})", 422,
                   {"email"}},
        CreateCase{"EmailWithTwoAts", R"({"name":"Ada","email":"$LOCAL@x@example.test"})", 422,
                   {"email"}},
        CreateCase{"EmailWithEmptyLocalPart", R"({"name":"Ada $LOCAL","email":"@example.test"})",
                   422, {"email"}},
        CreateCase{"EmailWithSpaceInLocalPart",
                   R"({"name":"Ada","email":"$LOCAL x@example.test"})", 422, {"email"}},
        CreateCase{"EmailWithSingleLabelDomain", R"({"name":"Ada","email":"$LOCAL@localhost"})",
                   422, {"email"}},
        CreateCase{"EmailWithEmptyLabel", R"({"name":"Ada","email":"$LOCAL@example..test"})", 422,
                   {"email"}},
        CreateCase{"EmailWithLabelStartingWithHyphen",
                   R"({"name":"Ada","email":"$LOCAL@-x.test"})", 422, {"email"}},
        CreateCase{"EmailWithLabelEndingWithHyphen",
                   R"({"name":"Ada","email":"$LOCAL@x-.test"})", 422, {"email"}},
        CreateCase{"EmailWithTrailingDot", R"({"name":"Ada","email":"$LOCAL@example.test."})",
                   422, {"email"}},
        CreateCase{"EmailWithUnderscoreInDomain",
                   R"({"name":"Ada","email":"$LOCAL@ex_ample.test"})", 422, {"email"}},
        CreateCase{"EmailNumber", R"({"name":"Ada $LOCAL","email":42})", 422, {"email"}},
        CreateCase{"EmailNull", R"({"name":"Ada $LOCAL","email":null})", 422, {"email"}},
        // age
        CreateCase{"AgeZero", R"({"name":"Ada","email":"$EMAIL","age":0})", 201, {}, {{"/age", 0}}},
        CreateCase{"Age150", R"({"name":"Ada","email":"$EMAIL","age":150})", 201, {},
                   {{"/age", 150}}},
        CreateCase{"AgeNull", R"({"name":"Ada","email":"$EMAIL","age":null})", 201, {},
                   {{"/age", nullptr}}},
        CreateCase{"AgeMinus1", R"({"name":"Ada","email":"$EMAIL","age":-1})", 422, {"age"}},
        CreateCase{"Age151", R"({"name":"Ada","email":"$EMAIL","age":151})", 422, {"age"}},
        CreateCase{"AgeFraction", R"({"name":"Ada","email":"$EMAIL","age":30.5})", 422, {"age"}},
        CreateCase{"AgeWholeFloat", R"({"name":"Ada","email":"$EMAIL","age":30.0})", 422, {"age"}},
        CreateCase{"AgeExponent", R"({"name":"Ada","email":"$EMAIL","age":3e1})", 422, {"age"}},
        CreateCase{"AgeString", R"({"name":"Ada","email":"$EMAIL","age":"30"})", 422, {"age"}},
        CreateCase{"AgeBoolean", R"({"name":"Ada","email":"$EMAIL","age":true})", 422, {"age"}},
        CreateCase{"AgeTwoToThe63", R"({"name":"Ada","email":"$EMAIL","age":9223372036854775808})",
                   422, {"age"}},
        CreateCase{"AgeOverflowingDouble", R"({"name":"Ada","email":"$EMAIL","age":1e400})", 400,
                   {}},
        // unknown and server-set fields
        CreateCase{"FieldId", R"({"name":"Ada","email":"$EMAIL","id":1})", 422, {"id"}},
        CreateCase{"FieldCreatedAt",
                   R"({"name":"Ada","email":"$EMAIL","created_at":"2026-11-26T12:53:51.123Z"})",
                   422, {"created_at"}},
        CreateCase{"FieldUpdatedAt",
                   R"({"name":"Ada","email":"$EMAIL","updated_at":"2026-11-26T12:53:51.123Z"})",
                   422, {"updated_at"}},
        CreateCase{"FieldUnknown", R"({"name":"Ada","email":"$EMAIL","role":"admin"})", 422,
                   {"role"}},
        // every failing field, in the contract's order
        CreateCase{"SeveralFieldsMissingAndUnknown",
                   R"({"email":"$EMAIL","id":1,"role":"admin"})", 422, {"name", "id", "role"}},
        CreateCase{"EveryFieldWrong",
                   R"({"zzz":1,"age":-1,"email":"$LOCAL","name":"","aaa":2})", 422,
                   {"name", "email", "age", "aaa", "zzz"}},
        // the body as a whole
        CreateCase{"BodyArray", R"([1,2])", 422, {""}},
        CreateCase{"BodyString", R"("$EMAIL")", 422, {""}},
        CreateCase{"BodyNull", R"(null)", 422, {""}},
        CreateCase{"BodyTruncated", R"({"name":"Ada","email":"$EMAIL",)", 400, {}},
        CreateCase{"BodyEmpty", "", 400, {}},
        CreateCase{"BodyWithTrailingData", R"({"name":"Ada","email":"$EMAIL"} x)", 400, {}},
        CreateCase{"BodyWithInvalidUtf8", "{\"name\":\"Ada\xff\",\"email\":\"$EMAIL\"}", 400, {}},
        CreateCase{"BodyWithLoneSurrogate", R"({"name":"Ada\ud800","email":"$EMAIL"})", 400, {}}),
    [](const testing::TestParamInfo<CreateCase>& param_info) { return param_info.param.name; });

// --- Update: the same rules, and a refused update changes nothing ---------------

struct UpdateCase {
  const char* name;
  std::string body;
  int status;
  std::vector<std::string> fields;
};

void PrintTo(const UpdateCase& value, std::ostream* out) { *out << value.name; }

class ErrorsUpdateTest : public ErrorsTest, public testing::WithParamInterface<UpdateCase> {};

TEST_P(ErrorsUpdateTest, RefusesAndKeepsTheUser) {
  const UpdateCase& c = GetParam();
  const std::string local = UniqueTag("update");
  const Exchange created = CreateUser({{"email", local + "@example.test"}, {"age", 20}});
  ASSERT_HTTP(HasStatus(created, 201));
  const json before = created.Json();
  const Exchange answer = api().Send("PUT", "/users/" + before["id"].dump(),
                                     {{"Content-Type", "application/json"}}, Fill(c.body, local));
  ExpectRefusal(answer, c.status, c.fields);
  EXPECT_TRUE(Unchanged(before));
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ErrorsUpdateTest,
    testing::Values(UpdateCase{"NameNull", R"({"name":null})", 422, {"name"}},
                    UpdateCase{"NameEmpty", R"({"name":"  "})", 422, {"name"}},
                    UpdateCase{"EmailNull", R"({"email":null})", 422, {"email"}},
                    UpdateCase{"EmailInvalid", R"({"email":"$LOCAL@localhost"})", 422, {"email"}},
                    UpdateCase{"AgeString", R"({"age":"21"})", 422, {"age"}},
                    UpdateCase{"Age151", R"({"age":151})", 422, {"age"}},
                    UpdateCase{"FieldId", R"({"id":12345})", 422, {"id"}},
                    UpdateCase{"FieldCreatedAt", R"({"created_at":"2000-01-01T00:00:00.000Z"})",
                               422, {"created_at"}},
                    UpdateCase{"FieldUnknown", R"({"nickname":"Ace"})", 422, {"nickname"}},
                    UpdateCase{"OneGoodFieldOneBad", R"({"name":"New Name","age":-5})", 422,
                               {"age"}},
                    UpdateCase{"EveryFieldWrong", R"({"name":"","email":"x","age":200,"x":1})",
                               422, {"name", "email", "age", "x"}},
                    UpdateCase{"BodyArray", R"([{"name":"New"}])", 422, {""}},
                    UpdateCase{"BodyMalformed", R"({"name":)", 400, {}}),
    [](const testing::TestParamInfo<UpdateCase>& param_info) { return param_info.param.name; });

// --- Request format, routing and precedence ------------------------------------

struct RawCase {
  const char* name;
  std::string method;
  std::string path;     // With placeholders; $ID is a user the case creates.
  std::string headers;  // Extra header lines, each ending in \r\n.
  std::string body;     // With placeholders.
  int status;
  bool content_length = true;                // Send Content-Length for the body.
  std::vector<std::string> allow = {};       // For 405: Allow lists these...
  std::vector<std::string> disallow = {};    // ...and not these.
  std::size_t body_size = 0;                 // Pads the filled body with spaces to this size.
};

void PrintTo(const RawCase& value, std::ostream* out) { *out << value.name; }

class ErrorsRequestTest : public ErrorsTest, public testing::WithParamInterface<RawCase> {};

TEST_P(ErrorsRequestTest, AnswersAsSpecified) {
  const RawCase& c = GetParam();
  const std::string local = UniqueTag("request");
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const json user = created.Json();

  std::string body = Fill(c.body, local);
  body.resize(std::max(body.size(), c.body_size), ' ');
  std::string raw = c.method + " " + Fill(c.path, local, user["id"].dump()) +
                    " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + c.headers;
  if (c.content_length) raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  raw += "\r\n" + body;
  const Exchange answer = api().SendRaw(raw);

  if (c.status >= 200 && c.status < 300) {
    EXPECT_HTTP(HasStatus(answer, c.status));
    return;
  }
  EXPECT_HTTP(HasProblem(answer, c.status));
  const std::set<std::string> allowed = AllowedMethods(answer);
  for (const std::string& method : c.allow) {
    EXPECT_HTTP(Holds(answer, allowed.count(method) == 1, "Allow lists " + method));
  }
  for (const std::string& method : c.disallow) {
    EXPECT_HTTP(Holds(answer, allowed.count(method) == 0, "Allow does not list " + method));
  }
  EXPECT_TRUE(NobodyHolds(local));
  EXPECT_TRUE(Unchanged(user));
}

const std::string kJson = "Content-Type: application/json\r\n";
const std::string kNewUser = R"({"name":"Ada","email":"$EMAIL"})";
const std::string kChange = R"({"name":"Changed $LOCAL","email":"$EMAIL"})";
const std::string kNested33 = Repeat("[", 33) + Repeat("]", 33);
const std::string kNested32 = R"({"name":"Ada","email":"$EMAIL","deep":)" + Repeat("[", 31) +
                              Repeat("]", 31) + "}";
const std::string kLongPath = "/users/" + std::string(506, '1');  // 513 bytes.

INSTANTIATE_TEST_SUITE_P(
    Format, ErrorsRequestTest,
    testing::Values(
        // Content-Type
        RawCase{"PostWithoutContentType", "POST", "/users", "", kNewUser, 415},
        RawCase{"PostAsTextPlain", "POST", "/users", "Content-Type: text/plain\r\n", kNewUser, 415},
        RawCase{"PostAsMergePatchJson", "POST", "/users",
                "Content-Type: application/merge-patch+json\r\n", kNewUser, 415},
        RawCase{"PutWithoutContentType", "PUT", "/users/$ID", "", kChange, 415},
        RawCase{"PostWithCharsetParameter", "POST", "/users",
                "Content-Type: application/json; charset=utf-8\r\n", kNewUser, 201},
        RawCase{"PostWithUppercaseMediaType", "POST", "/users",
                "Content-Type: Application/JSON\r\n", kNewUser, 201},
        // Content-Length, Transfer-Encoding, Content-Encoding
        RawCase{"PostWithoutContentLength", "POST", "/users", kJson, "", 411, false},
        RawCase{"PutWithoutContentLength", "PUT", "/users/$ID", kJson, "", 411, false},
        RawCase{"PostChunked", "POST", "/users", kJson + "Transfer-Encoding: chunked\r\n",
                "5\r\n{\"a\":\r\n0\r\n\r\n", 411, false},
        RawCase{"PostGzipEncoded", "POST", "/users", kJson + "Content-Encoding: gzip\r\n",
                kNewUser, 415},
        RawCase{"PostIdentityEncoded", "POST", "/users", kJson + "Content-Encoding: identity\r\n",
                kNewUser, 415},
        RawCase{"PostContentLengthNotANumber", "POST", "/users", kJson + "Content-Length: ten\r\n",
                "", 400, false},
        // Size and depth
        // Valid JSON padded with spaces to exactly 64 KiB, and one byte more.
        RawCase{"PostBodyAtLimit", "POST", "/users", kJson, kNewUser, 201, true, {}, {}, 65536},
        RawCase{"PostBodyOverLimit", "POST", "/users", kJson, kNewUser, 413, true, {}, {}, 65537},
        RawCase{"PostHugeContentLengthWithoutBody", "POST", "/users",
                kJson + "Content-Length: 99999999999\r\n", "", 413, false},
        RawCase{"PostNestedDeeperThan32", "POST", "/users", kJson, kNested33, 400},
        RawCase{"PostNested32Deep", "POST", "/users", kJson, kNested32, 422},
        // Paths and routing
        RawCase{"PathLongerThan512Bytes", "GET", kLongPath, "", "", 414},
        RawCase{"PathOf512BytesIsNotTooLong", "GET", Repeat("/x", 256), "", "", 404},
        RawCase{"UnknownPath", "GET", "/accounts", "", "", 404},
        RawCase{"PathsAreCaseSensitive", "GET", "/Users", "", "", 404},
        RawCase{"TwoTrailingSlashes", "GET", "/users//", "", "", 404},
        RawCase{"GetIdNotANumber", "GET", "/users/abc", "", "", 404},
        RawCase{"GetIdZero", "GET", "/users/0", "", "", 404},
        RawCase{"GetIdNegative", "GET", "/users/-1", "", "", 404},
        RawCase{"GetIdTwoToThe63", "GET", "/users/9223372036854775808", "", "", 404},
        RawCase{"GetIdWithPlusSign", "GET", "/users/+1", "", "", 404},
        RawCase{"DeleteIdNotANumber", "DELETE", "/users/abc", "", "", 404},
        RawCase{"PutIdNotANumberWithBadBody", "PUT", "/users/abc", kJson, R"({"age":"x"})", 404},
        // 405 with Allow
        RawCase{"DeleteOnCollection", "DELETE", "/users", "", "", 405, true, {"GET", "POST"},
                {"DELETE"}},
        RawCase{"PutOnCollection", "PUT", "/users/", kJson, kNewUser, 405, true, {"GET", "POST"},
                {"PUT"}},
        RawCase{"PostOnUser", "POST", "/users/$ID", kJson, kNewUser, 405, true,
                {"GET", "PUT", "DELETE"}, {"POST"}},
        RawCase{"PostOnMalformedId", "POST", "/users/abc", kJson, kNewUser, 405, true,
                {"GET", "PUT", "DELETE"}, {"POST"}},
        RawCase{"PostOnHealth", "POST", "/health", kJson, "{}", 405, true, {"GET"}, {"POST"}},
        RawCase{"OptionsOnCollection", "OPTIONS", "/users", "", "", 405, true, {"GET", "POST"},
                {"OPTIONS"}},
        // Precedence between body and user
        RawCase{"PutMissingUserWithInvalidBody", "PUT", "/users/9000000000000000000", kJson,
                R"({"age":"x"})", 422},
        RawCase{"PutMissingUserWithValidBody", "PUT", "/users/9000000000000000000", kJson,
                R"({"age":1})", 404}),
    [](const testing::TestParamInfo<RawCase>& param_info) { return param_info.param.name; });

// --- Uniqueness -------------------------------------------------------------------

TEST_F(ErrorsTest, DuplicateEmailInOtherCaseOnCreateReturns409) {
  const std::string email = UniqueEmail("dup");
  ASSERT_HTTP(HasStatus(api().Post("/users", {{"name", "First"}, {"email", email}}), 201));
  std::string shouted = email;
  std::transform(shouted.begin(), shouted.end(), shouted.begin(), ::toupper);
  const Exchange second = api().Post("/users", {{"name", "Second"}, {"email", shouted}});
  EXPECT_HTTP(HasProblem(second, 409));
  EXPECT_HTTP(HasJson(second, "/type", "/problems/email-taken"));
  EXPECT_TRUE(OneUserHolds(email));
}

TEST_F(ErrorsTest, DuplicateEmailOnUpdateReturns409AndKeepsTheUser) {
  const Exchange first = CreateUser();
  const Exchange second = CreateUser();
  ASSERT_HTTP(HasStatus(first, 201));
  ASSERT_HTTP(HasStatus(second, 201));
  const Exchange taken =
      api().Put("/users/" + second.Json()["id"].dump(), {{"email", first.Json()["email"]}});
  EXPECT_HTTP(HasProblem(taken, 409));
  EXPECT_TRUE(Unchanged(second.Json()));
}

TEST_F(ErrorsTest, UpdateToOwnEmailInOtherCaseSucceeds) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  std::string email = created.Json()["email"];
  std::transform(email.begin(), email.end(), email.begin(), ::toupper);
  const Exchange updated = api().Put("/users/" + created.Json()["id"].dump(), {{"email", email}});
  ASSERT_HTTP(HasStatus(updated, 200));
  EXPECT_HTTP(HasJson(updated, "/email", created.Json()["email"]));
}

// --- Races ------------------------------------------------------------------------

TEST_F(ErrorsTest, ConcurrentCreatesWithOneEmailMakeOneUser) {
  constexpr int kClients = 64;
  const std::string email = UniqueEmail("race");
  const std::vector<Exchange> answers = AllAtOnce(kClients, [&](int i) {
    return api().Post("/users", {{"name", "Racer " + std::to_string(i)}, {"email", email}});
  });
  const std::map<int, int> counts = CountStatuses(answers);
  EXPECT_HTTP(Holds(answers.front(), counts == std::map<int, int>{{201, 1}, {409, kClients - 1}},
                    "one 201 and 63 409s; got " + Describe(counts)));
  EXPECT_TRUE(OneUserHolds(email));
}

TEST_F(ErrorsTest, ConcurrentUpdatesToOneEmailLeaveOneOwner) {
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
  EXPECT_TRUE(OneUserHolds(email));
}

}  // namespace
}  // namespace acceptance
