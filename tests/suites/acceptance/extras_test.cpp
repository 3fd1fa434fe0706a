// Stage 3 acceptance suite (ctest label `extras`, plus one label per
// fixture): pagination, search, PATCH, health and readiness, logs and
// request ids, metrics, authentication, rate limiting, conditional
// requests, SQLite persistence, API docs and graceful shutdown, as
// guide/api-spec.md specifies them.
//
// Every test creates its own users with unique data and never assumes an
// empty store. A test that needs a flag, a restart, a signal or the
// server's stderr is skipped against a shared server (USER_API_URL); every
// other test also passes there, provided nothing else uses that server
// while the suite runs (the metrics tests count requests exactly).
//
// Tables use placeholders: in list queries $T stands for a tag unique to
// the case and $TU for the same tag in capitals (see Population).
//
// No request header value here holds a %XX escape: cpp-httplib 0.11
// percent-decodes request header values before a server sees them, so a
// server built on it could not tell "Bearer%20KEY" from "Bearer KEY".
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "acceptance_test.hpp"
#include "concurrent_requests.hpp"

namespace acceptance {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// --- Helpers ------------------------------------------------------------------

// The ids of a JSON array of users, in order; 0 for an entry without one.
std::vector<std::int64_t> IdsOf(const json& users) {
  std::vector<std::int64_t> ids;
  if (!users.is_array()) return ids;
  for (const json& user : users) {
    ids.push_back(user.is_object() && user.contains("id") && user["id"].is_number_integer()
                      ? user["id"].get<std::int64_t>()
                      : 0);
  }
  return ids;
}

std::string Join(const std::vector<std::int64_t>& ids) {
  std::string text = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) text += (i ? "," : "") + std::to_string(ids[i]);
  return text + "]";
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// A local part no other test, run or process uses (see UniqueEmail).
std::string UniqueTag(const std::string& tag) {
  const std::string email = UniqueEmail(tag);
  return email.substr(0, email.find('@'));
}

// An id that no user has: far above any id a test run assigns.
constexpr const char* kMissingUserPath = "/users/9000000000000000000";

// The last `count` lines of `text`, for messages.
std::string LastLines(const std::string& text, std::size_t count) {
  std::size_t start = text.size();
  if (start > 0 && text[start - 1] == '\n') --start;
  for (std::size_t seen = 0; start > 0; --start) {
    if (text[start - 1] == '\n' && ++seen == count) break;
  }
  return text.substr(start);
}

// Runs the program under test with `args` in `workdir` until it exits, for
// the tests of startup failures. Bounded: a program that starts serving
// instead (prints its listening line) is stopped half a second later, and
// one that does neither after 10 s. Outcome::exit is then "".
ServerProcess::Outcome RunProgramToExit(const std::vector<std::string>& args,
                                        const std::string& workdir,
                                        const std::map<std::string, std::string>& env = {}) {
  std::string error;
  std::unique_ptr<ServerProcess> process =
      ServerProcess::Spawn(ServerProgramFromEnvironment(), args, workdir, env, error);
  if (!process) return {"could not be started: " + error, "", ""};
  process->WaitForFirstLine(seconds(10));
  std::string exit = process->WaitForExit(milliseconds(500)).value_or("");
  process->Stop();
  return {exit, process->Stdout(), process->Stderr()};
}

std::string DescribeRun(const std::vector<std::string>& args,
                        const ServerProcess::Outcome& outcome) {
  std::string command = "PROGRAM";
  for (const std::string& arg : args) command += " '" + arg + "'";
  return "\n  command: " + command + "\n  exit: " +
         (outcome.exit.empty() ? "none: it kept running and was stopped" : outcome.exit) +
         "\n  stdout: " + LastLines(outcome.out, 10) + "\n  stderr: " + LastLines(outcome.err, 10);
}

// Passes when the user is stored exactly as `before`, ETag included when
// `etag` is given.
testing::AssertionResult Unchanged(const ApiClient& api, const json& before,
                                   const std::string& etag = "") {
  const Exchange now = api.Get(UserPath(before));
  if (auto result = HasStatus(now, 200); !result) return result;
  if (auto result = HasJson(now, "", before); !result) return result;
  if (!etag.empty()) return HasHeader(now, "ETag", etag);
  return testing::AssertionSuccess();
}

// --- Lists: the population that list queries run against -----------------------

// One user of a Population; $T stands for the population's tag.
struct Person {
  const char* name;
  const char* email;
  json age;
};

// Five users that all carry one unique tag, in their name or their email, so
// that `q=$T` finds them and nobody else. Alice's name has characters that a
// Link must percent-encode; Carol has no age; Eve has the tag in her email
// only.
const std::vector<Person> kPeople = {
    {"Alice $T (Zo\u00eb & co.) 1+1/2", "alice-$T@example.test", 20},
    {"Bob $T", "bob-$T@example.test", 30},
    {"Carol $T", "carol-$T@example.test", nullptr},
    {"Dave $T", "dave-$T@example.test", 40},
    {"Eve", "eve-$T@example.test", 30},
};

struct Population {
  std::string tag;
  std::vector<json> users;  // As created, in kPeople order (ascending ids).

  std::string Fill(const std::string& text) const {
    return ReplaceAll(ReplaceAll(text, "$TU", Upper(tag)), "$T", tag);
  }
};

// A query on GET /users and what it must answer.
struct QueryCase {
  const char* name;
  std::string query;  // After "/users?", with placeholders.
  int status;
  std::vector<int> page;            // 200: the kPeople listed, by index.
  int total;                        // 200: X-Total-Count.
  std::string link;                 // 200: the exact Link header, "" for none.
  std::vector<std::string> fields;  // 422: the parameters named in errors.
};

void PrintTo(const QueryCase& value, std::ostream* out) { *out << value.name; }

// A 200 that lists these kPeople. `total` defaults to the page's size.
QueryCase Listed(const char* name, std::string query, std::vector<int> page,
                 std::string link = "", int total = -1) {
  const int size = static_cast<int>(page.size());
  return {name, std::move(query), 200, std::move(page), total < 0 ? size : total, std::move(link),
          {}};
}

// A 422 validation-failed that names these parameters.
QueryCase Refused(const char* name, std::string query, std::vector<std::string> fields) {
  return {name, std::move(query), 422, {}, 0, "", std::move(fields)};
}

class ListQueryTest : public AcceptanceTest, public testing::WithParamInterface<QueryCase> {
 protected:
  // Creates the kPeople with a new tag. Fails the test (fatally, so use
  // ASSERT_NO_FATAL_FAILURE) when a create is refused.
  void CreatePopulation(Population& population) const {
    population.tag = UniqueTag("q");
    for (const Person& person : kPeople) {
      const Exchange created =
          api().Post("/users", {{"name", population.Fill(person.name)},
                                {"email", population.Fill(person.email)},
                                {"age", person.age}});
      ASSERT_HTTP(HasStatus(created, 201));
      population.users.push_back(created.Json());
    }
  }

  // Sends the case's query and checks the answer against the case.
  void RunCase(const QueryCase& c) const {
    Population population;
    if (c.status == 200) {
      ASSERT_NO_FATAL_FAILURE(CreatePopulation(population));
    }
    const Exchange answer = api().Get("/users?" + population.Fill(c.query));
    if (c.status != 200) {
      EXPECT_HTTP(HasProblem(answer, c.status));
      EXPECT_HTTP(HasJson(answer, "/type", "/problems/validation-failed"));
      EXPECT_HTTP(HasErrorFields(answer, c.fields));
      return;
    }
    ASSERT_HTTP(HasStatus(answer, 200));
    EXPECT_HTTP(HasMediaType(answer, "application/json"));
    std::vector<std::int64_t> expected;
    for (int index : c.page) {
      expected.push_back(population.users[static_cast<std::size_t>(index)]["id"].get<std::int64_t>());
    }
    const std::vector<std::int64_t> listed = IdsOf(answer.Json());
    EXPECT_HTTP(Holds(answer, answer.Json().is_array() && listed == expected,
                      "a page with exactly the users " + Join(expected) + " in this order, got " +
                          Join(listed)));
    EXPECT_HTTP(HasHeader(answer, "X-Total-Count", std::to_string(c.total)));
    if (c.link.empty()) {
      EXPECT_HTTP(Holds(answer, answer.headers.count("Link") == 0, "no Link header"));
    } else {
      EXPECT_HTTP(HasHeader(answer, "Link", population.Fill(c.link)));
    }
  }
};

// --- PaginationTest ---------------------------------------------------------------

class PaginationTest : public ListQueryTest {};

TEST_P(PaginationTest, AnswersAsSpecified) { RunCase(GetParam()); }

const std::string kLargestOffset = "9223372036854775807";

INSTANTIATE_TEST_SUITE_P(
    Pages, PaginationTest,
    testing::Values(
        Listed("EveryMatchWhenOnePageHoldsThem", "q=$T", {0, 1, 2, 3, 4}),
        Listed("LimitOfOne", "q=$T&limit=1", {0}, R"(</users?limit=1&offset=1&q=$T>; rel="next")",
               5),
        Listed("LimitOf1000", "q=$T&limit=1000", {0, 1, 2, 3, 4}),
        Listed("LimitWithLeadingZerosIsPlainInLinks", "q=$T&limit=002", {0, 1},
               R"(</users?limit=2&offset=2&q=$T>; rel="next")", 5),
        Listed("MiddlePageHasNextThenPrev", "q=$T&limit=2&offset=2", {2, 3},
               R"(</users?limit=2&offset=4&q=$T>; rel="next", </users?limit=2&offset=0&q=$T>; rel="prev")",
               5),
        Listed("LastPageHasOnlyPrev", "q=$T&limit=2&offset=4", {4},
               R"(</users?limit=2&offset=2&q=$T>; rel="prev")", 5),
        Listed("PrevOffsetStopsAtZero", "q=$T&limit=3&offset=1", {1, 2, 3},
               R"(</users?limit=3&offset=4&q=$T>; rel="next", </users?limit=3&offset=0&q=$T>; rel="prev")",
               5),
        Listed("OffsetPastTheEndGivesEmptyPageWithDefaultsInPrev", "q=$T&offset=50", {},
               R"(</users?limit=100&offset=0&q=$T>; rel="prev")", 5),
        Listed("LargestOffset", "q=$T&offset=" + kLargestOffset, {},
               R"(</users?limit=100&offset=9223372036854775707&q=$T>; rel="prev")", 5),
        Listed("LinkKeepsFiltersInSpecOrderAndLetterCase",
               "max_age=150&min_age=0&email=ALICE-$TU%40example.test&q=$T&offset=1&limit=1", {},
               R"(</users?limit=1&offset=0&q=$T&email=ALICE-$TU%40example.test&min_age=0&max_age=150>; rel="prev")",
               1),
        Listed("LinkPercentEncodesEveryReservedByte",
               "q=$T%20%28Zo%C3%AB%20%26%20co.%29%201%2B1%2F2&offset=1", {},
               R"(</users?limit=100&offset=0&q=$T%20%28Zo%C3%AB%20%26%20co.%29%201%2B1%2F2>; rel="prev")",
               1),
        Listed("LinkReencodesTheDecodedValue", "q=%41lice+$T&offset=1", {},
               R"(</users?limit=100&offset=0&q=Alice%20$T>; rel="prev")", 1),
        Refused("LimitZero", "limit=0", {"limit"}),
        Refused("Limit1001", "limit=1001", {"limit"}),
        Refused("LimitNegative", "limit=-1", {"limit"}),
        Refused("LimitWithPlusSign", "limit=%2B5", {"limit"}),
        Refused("LimitWithSpace", "limit=+5", {"limit"}),
        Refused("LimitWithFraction", "limit=2.0", {"limit"}),
        Refused("LimitWithExponent", "limit=1e2", {"limit"}),
        Refused("LimitEmpty", "limit=", {"limit"}),
        Refused("LimitOverflowing", "limit=99999999999999999999999", {"limit"}),
        Refused("OffsetNegative", "offset=-1", {"offset"}),
        Refused("OffsetTwoToThe63", "offset=9223372036854775808", {"offset"}),
        Refused("OffsetNotANumber", "offset=ten", {"offset"}),
        Refused("OffsetEmpty", "offset=", {"offset"}),
        Refused("LimitRepeated", "limit=5&limit=5", {"limit"}),
        Refused("OffsetRepeated", "offset=0&offset=0", {"offset"}),
        Refused("LimitAndOffsetBothWrongInSpecOrder", "offset=x&limit=0", {"limit", "offset"})),
    [](const testing::TestParamInfo<QueryCase>& param_info) { return param_info.param.name; });

// Follows rel="next" from the first page and checks each page on the way.
TEST_F(PaginationTest, WalkingNextLinksReturnsEveryMatchingUserOnce) {
  constexpr int kUsers = 7;
  const std::string tag = UniqueTag("walk");
  std::vector<std::int64_t> created;
  for (int i = 0; i < kUsers; ++i) {
    const Exchange user = CreateUser(
        {{"name", "Walker " + tag}, {"email", tag + "-" + std::to_string(i) + "@example.test"}});
    ASSERT_HTTP(HasStatus(user, 201));
    created.push_back(IdOf(user));
  }
  std::vector<std::int64_t> seen;
  std::vector<std::size_t> sizes;
  std::string next = "/users?limit=3&q=" + tag;
  for (int page = 0; !next.empty(); ++page) {
    ASSERT_LT(page, 10) << "the next links did not end after 10 pages; the last was " << next;
    const Exchange answer = api().Get(next);
    ASSERT_HTTP(HasStatus(answer, 200));
    EXPECT_HTTP(HasHeader(answer, "X-Total-Count", std::to_string(kUsers)));
    const std::vector<std::int64_t> ids = IdsOf(answer.Json());
    sizes.push_back(ids.size());
    seen.insert(seen.end(), ids.begin(), ids.end());
    next = NextLink(answer.Header("Link"));
    EXPECT_HTTP(Holds(answer, next.empty() || StartsWith(next, "/users?limit=3&offset="),
                      "a next link of the form /users?limit=3&offset=N&q=..."));
  }
  EXPECT_EQ(seen, created) << "walking the pages of q=" << tag
                           << " should list each of its 7 users exactly once, in id order";
  EXPECT_EQ(sizes, (std::vector<std::size_t>{3, 3, 1})) << "page sizes with limit=3";
}

TEST_F(PaginationTest, DefaultPageIsTheFirst100WithANextLink) {
  // More than 100 users exist once these are created, whatever was there.
  const std::vector<Exchange> created = AllAtOnce(101, [&](int) { return CreateUser(); });
  for (const Exchange& user : created) ASSERT_HTTP(HasStatus(user, 201));
  const Exchange answer = api().Get("/users");
  ASSERT_HTTP(HasStatus(answer, 200));
  EXPECT_HTTP(Holds(answer, answer.Json().is_array() && answer.Json().size() == 100,
                    "exactly 100 users on the first page without parameters"));
  const std::string total = answer.Header("X-Total-Count");
  EXPECT_HTTP(Holds(answer, !total.empty() && std::all_of(total.begin(), total.end(), ::isdigit) &&
                                std::stoll(total) >= 101,
                    "X-Total-Count of at least 101, in decimal"));
  EXPECT_HTTP(HasHeader(answer, "Link", R"(</users?limit=100&offset=100>; rel="next")"));
}

TEST_F(PaginationTest, LinkNeverHasATrailingSlash) {
  const std::string tag = UniqueTag("slash");
  for (int i = 0; i < 2; ++i) {
    ASSERT_HTTP(HasStatus(CreateUser({{"name", "Slash " + tag}}), 201));
  }
  const Exchange answer = api().Get("/users/?q=" + tag + "&limit=1");
  ASSERT_HTTP(HasStatus(answer, 200));
  EXPECT_HTTP(HasHeader(answer, "Link", "</users?limit=1&offset=1&q=" + tag + ">; rel=\"next\""));
}

// --- SearchTest -------------------------------------------------------------------

class SearchTest : public ListQueryTest {};

TEST_P(SearchTest, AnswersAsSpecified) { RunCase(GetParam()); }

INSTANTIATE_TEST_SUITE_P(
    Filters, SearchTest,
    testing::Values(
        Listed("QMatchesNameOrEmail", "q=$T", {0, 1, 2, 3, 4}),
        Listed("QIgnoresAsciiCase", "q=$TU", {0, 1, 2, 3, 4}),
        Listed("QMatchesASubstringOfTheName", "q=alice+$T", {0}),
        Listed("QMatchesASubstringOfTheEmail", "q=eve-$T%40example", {4}),
        Listed("QWithPercentEncodedSpaceAndOtherCase", "q=ALICE%20$TU", {0}),
        Listed("QWithNonAsciiLetter", "q=$T+(zo%C3%AB", {0}),
        Listed("EmptyQKeepsEveryone", "q=&email=bob-$T%40example.test", {1}),
        Listed("EmailMatchesExactlyIgnoringCase", "email=BOB-$TU%40Example.TEST", {1}),
        Listed("EmailIsNotASubstringMatch", "email=bob-$T", {}),
        Listed("EmailIsNotTrimmed", "email=+bob-$T%40example.test", {}),
        Listed("MinAgeIsInclusive", "q=$T&min_age=30", {1, 3, 4}),
        Listed("MaxAgeIsInclusive", "q=$T&max_age=30", {0, 1, 4}),
        Listed("MinAgeEqualToMaxAge", "q=$T&min_age=30&max_age=30", {1, 4}),
        Listed("NullAgeNeverPassesMinAge0", "q=$T&min_age=0", {0, 1, 3, 4}),
        Listed("NullAgeNeverPassesMaxAge150", "q=$T&max_age=150", {0, 1, 3, 4}),
        Listed("AgeWithLeadingZeros", "q=$T&min_age=040", {3}),
        Listed("UnknownParameterIsIgnored", "q=$T&sort=name", {0, 1, 2, 3, 4}),
        Listed("AllFiltersCombine", "q=$T&email=bob-$T%40example.test&min_age=31", {}),
        Listed("FiltersCombineWithPaginationFirstPage", "max_age=30&q=$T&limit=2", {0, 1},
               R"(</users?limit=2&offset=2&q=$T&max_age=30>; rel="next")", 3),
        Listed("FiltersCombineWithPaginationLastPage", "q=$T&max_age=30&limit=2&offset=2", {4},
               R"(</users?limit=2&offset=0&q=$T&max_age=30>; rel="prev")", 3),
        Refused("MinAgeAboveMaxAgeIsReportedOnMinAge", "min_age=41&max_age=40", {"min_age"}),
        Refused("MinAge151", "min_age=151", {"min_age"}),
        Refused("MaxAgeNegative", "max_age=-1", {"max_age"}),
        Refused("MinAgeNotANumber", "min_age=ten", {"min_age"}),
        Refused("MaxAgeWithFraction", "max_age=30.5", {"max_age"}),
        Refused("MinAgeEmpty", "min_age=", {"min_age"}),
        Refused("QNotUtf8", "q=%FF", {"q"}),
        Refused("EmailNotUtf8", "email=%C3%28", {"email"}),
        Refused("QRepeated", "q=a&q=b", {"q"}),
        Refused("EmailRepeated", "email=a%40b.c&email=a%40b.c", {"email"}),
        Refused("MinAgeRepeated", "min_age=1&min_age=1", {"min_age"}),
        Refused("EveryParameterWrongInSpecOrder",
                "max_age=x&min_age=x&email=%FF&q=%FF&offset=-1&limit=0",
                {"limit", "offset", "q", "email", "min_age", "max_age"})),
    [](const testing::TestParamInfo<QueryCase>& param_info) { return param_info.param.name; });

// --- MethodsTest: PATCH is the partial PUT, and stage 3's routes ------------------

struct PatchCase {
  const char* name;
  json change;  // "email" is replaced by a unique address.
};

void PrintTo(const PatchCase& value, std::ostream* out) { *out << value.name; }

class MethodsTest : public AcceptanceTest, public testing::WithParamInterface<PatchCase> {};

TEST_P(MethodsTest, PatchChangesOnlyTheNamedFields) {
  const Exchange created = CreateUser({{"name", "Before"}, {"age", 20}});
  ASSERT_HTTP(HasStatus(created, 201));
  json change = GetParam().change;
  if (change.contains("email")) change["email"] = UniqueEmail("patched");
  json expected = created.Json();
  expected.update(change);

  const Exchange patched = api().Patch(UserPath(expected), change);
  ASSERT_HTTP(HasStatus(patched, 200));
  EXPECT_HTTP(HasMediaType(patched, "application/json"));
  for (const char* field : {"id", "name", "email", "age", "created_at"}) {
    EXPECT_HTTP(HasJson(patched, std::string("/") + field, expected[field]));
  }
  const Exchange fetched = api().Get(UserPath(expected));
  ASSERT_HTTP(HasStatus(fetched, 200));
  EXPECT_HTTP(HasJson(fetched, "", patched.Json()));
}

INSTANTIATE_TEST_SUITE_P(
    Fields, MethodsTest,
    testing::Values(PatchCase{"Name", {{"name", "After"}}},
                    PatchCase{"Email", {{"email", "replaced-by-a-unique-one"}}},
                    PatchCase{"Age", {{"age", 21}}},
                    PatchCase{"AgeNullClearsAge", {{"age", nullptr}}},
                    PatchCase{"AllFields", {{"name", "All"}, {"email", ""}, {"age", 99}}}),
    [](const testing::TestParamInfo<PatchCase>& param_info) { return param_info.param.name; });

TEST_F(MethodsTest, PatchWithEmptyObjectChangesNothing) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  std::this_thread::sleep_for(milliseconds(5));  // A new stamp would differ.
  const Exchange patched = api().Patch(UserPath(created.Json()), json::object());
  ASSERT_HTTP(HasStatus(patched, 200));
  EXPECT_HTTP(HasJson(patched, "", created.Json()));
}

TEST_F(MethodsTest, PatchMovesUpdatedAtAndKeepsCreatedAt) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  std::this_thread::sleep_for(milliseconds(5));  // Past the millisecond.
  const Exchange patched = api().Patch(UserPath(created.Json()), {{"name", "Later"}});
  ASSERT_HTTP(HasStatus(patched, 200));
  const json before = created.Json();
  EXPECT_HTTP(HasJson(patched, "/created_at", before["created_at"]));
  EXPECT_HTTP(Holds(patched, patched.Json().value("updated_at", "") > before["updated_at"],
                    "body.updated_at later than " + before["updated_at"].dump()));
}

// Each body is sent with PUT and with PATCH to a fresh user: both answer
// alike (status, problem type, errors) and the user stays as it was.
TEST_F(MethodsTest, PatchRefusesWhatPutRefuses) {
  const Exchange other = CreateUser();
  ASSERT_HTTP(HasStatus(other, 201));
  struct Refusal {
    const char* name;
    std::string body;
    int status;
    std::vector<std::string> fields;
  };
  const std::vector<Refusal> refusals = {
      {"AgeString", R"({"age":"x"})", 422, {"age"}},
      {"NameNull", R"({"name":null})", 422, {"name"}},
      {"ServerSetField", R"({"id":1})", 422, {"id"}},
      {"EveryFieldWrong", R"({"name":"","email":"x","age":200,"x":1})", 422,
       {"name", "email", "age", "x"}},
      {"NotAnObject", R"([{"name":"x"}])", 422, {""}},
      {"MalformedJson", R"({"name":)", 400, {}},
      {"EmailTaken", R"({"email":)" + other.Json()["email"].dump() + "}", 409, {}},
  };
  for (const Refusal& refusal : refusals) {
    SCOPED_TRACE(refusal.name);
    for (const char* method : {"PUT", "PATCH"}) {
      const Exchange created = CreateUser();
      ASSERT_HTTP(HasStatus(created, 201));
      const Exchange answer = api().Send(method, UserPath(created.Json()),
                                         {{"Content-Type", "application/json"}}, refusal.body);
      EXPECT_HTTP(HasProblem(answer, refusal.status));
      if (refusal.status == 422) {
        EXPECT_HTTP(HasErrorFields(answer, refusal.fields));
      }
      if (refusal.status == 409) {
        EXPECT_HTTP(HasJson(answer, "/type", "/problems/email-taken"));
      }
      EXPECT_TRUE(Unchanged(api(), created.Json()));
    }
  }
}

TEST_F(MethodsTest, PatchMissingUserReturns404) {
  EXPECT_HTTP(HasProblem(api().Patch(kMissingUserPath, {{"name", "Nobody"}}), 404));
}

// The request-format checks apply to PATCH as to PUT.
TEST_F(MethodsTest, PatchRequestFormatChecks) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string head =
      "PATCH " + UserPath(created.Json()) + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
  const std::string body = R"({"name":"Raw"})";
  const std::string length = "Content-Length: " + std::to_string(body.size()) + "\r\n";
  EXPECT_HTTP(HasProblem(api().SendRaw(head + length + "\r\n" + body), 415));
  EXPECT_HTTP(HasProblem(
      api().SendRaw(head + "Content-Type: application/merge-patch+json\r\n" + length + "\r\n" + body),
      415));
  EXPECT_HTTP(HasProblem(api().SendRaw(head + "Content-Type: application/json\r\n\r\n"), 411));
  EXPECT_TRUE(Unchanged(api(), created.Json()));
}

TEST_F(MethodsTest, AllowHeadersListPatch) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const Exchange on_user = api().Post(UserPath(created.Json()), {{"name", "x"}});
  EXPECT_HTTP(HasProblem(on_user, 405));
  EXPECT_HTTP(HasHeader(on_user, "Allow", "GET, PUT, PATCH, DELETE"));
  const Exchange on_collection = api().Patch("/users", {{"name", "x"}});
  EXPECT_HTTP(HasProblem(on_collection, 405));
  EXPECT_HTTP(HasHeader(on_collection, "Allow", "GET, POST"));
}

TEST_F(MethodsTest, StageThreeRoutesServeOnlyGet) {
  for (const char* path : {"/ready", "/metrics", "/openapi.json", "/docs", "/ready/"}) {
    const Exchange answer = api().Post(path, json::object());
    EXPECT_HTTP(HasProblem(answer, 405));
    EXPECT_HTTP(HasHeader(answer, "Allow", "GET"));
  }
}

TEST_F(MethodsTest, StageThreeRoutesAcceptTrailingSlash) {
  for (const char* path : {"/ready", "/metrics", "/openapi.json", "/docs"}) {
    const Exchange plain = api().Get(path);
    const Exchange slashed = api().Get(std::string(path) + "/");
    EXPECT_HTTP(HasStatus(plain, 200));
    EXPECT_HTTP(HasStatus(slashed, plain.status));
    EXPECT_HTTP(HasMediaType(slashed, plain.Header("Content-Type").substr(
                                          0, plain.Header("Content-Type").find(';'))));
  }
}

// --- HealthTest: /health and /ready ---------------------------------------------

class HealthTest : public AcceptanceTest {
 protected:
  // GET /health, checked for the stage 3 shape.
  Exchange Health() const {
    const Exchange health = api().Get("/health");
    EXPECT_HTTP(HasStatus(health, 200));
    EXPECT_HTTP(HasMediaType(health, "application/json"));
    EXPECT_HTTP(HasJson(health, "/status", "ok"));
    const json body = health.Json();
    EXPECT_HTTP(Holds(health, body.is_object() && body.contains("storage") &&
                                  (body["storage"] == "memory" || body["storage"] == "sqlite" ||
                                   body["storage"] == "postgresql"),
                      R"(body.storage is "memory", "sqlite" or "postgresql")"));
    EXPECT_HTTP(Holds(health, body.is_object() && body.contains("users") &&
                                  body["users"].is_number_integer() && body["users"] >= 0,
                      "body.users is an integer, at least 0"));
    EXPECT_HTTP(Holds(health, body.is_object() && body.contains("uptime_seconds") &&
                                  body["uptime_seconds"].is_number_integer() &&
                                  body["uptime_seconds"] >= 0,
                      "body.uptime_seconds is an integer, at least 0"));
    EXPECT_HTTP(Holds(health, body.is_object() && body.contains("version") &&
                                  body["version"].is_string() && body["version"] != "",
                      "body.version is a non-empty string"));
    return health;
  }

  static std::int64_t Member(const Exchange& health, const char* name) {
    const json body = health.Json();
    if (!body.is_object() || !body.contains(name) || !body[name].is_number_integer()) return -1;
    return body[name].get<std::int64_t>();
  }
};

TEST_F(HealthTest, HealthReportsStatusStorageUsersUptimeAndVersion) { Health(); }

TEST_F(HealthTest, HealthCountsTheStoredUsers) {
  const Exchange before = Health();
  const std::int64_t count = Member(before, "users");
  ASSERT_GE(count, 0) << "GET /health has no integer users member";
  const Exchange first = CreateUser();
  ASSERT_HTTP(HasStatus(first, 201));
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  const Exchange after_creates = Health();
  EXPECT_HTTP(HasJson(after_creates, "/users", count + 2));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(first.Json())), 204));
  EXPECT_HTTP(HasJson(Health(), "/users", count + 1));
}

TEST_F(HealthTest, UptimeCountsWholeSeconds) {
  const Exchange before = Health();
  std::this_thread::sleep_for(milliseconds(1500));
  const Exchange after = Health();
  const std::int64_t grown = Member(after, "uptime_seconds") - Member(before, "uptime_seconds");
  EXPECT_HTTP(Holds(after, Member(before, "uptime_seconds") >= 0 && grown >= 1 && grown <= 3,
                    "uptime_seconds grows by 1 or 2 over 1.5 s (it was " +
                        before.Json().value("uptime_seconds", json()).dump() + ")"));
}

TEST_F(HealthTest, StorageNamesTheStore) {
  REQUIRE_OWN_SERVER("starts the server with and without --db");
  EXPECT_HTTP(HasJson(Health(), "/storage", "memory"));
  ASSERT_TRUE(RestartServer({{"--db", ":memory:"}, {}}));
  EXPECT_HTTP(HasJson(Health(), "/storage", "memory"));
  ASSERT_TRUE(RestartServer({{"--db", "health.db"}, {}}));
  EXPECT_HTTP(HasJson(Health(), "/storage", "sqlite"));
}

TEST_F(HealthTest, ReadyAnswersReady) {
  const Exchange ready = api().Get("/ready");
  ASSERT_HTTP(HasStatus(ready, 200));
  EXPECT_HTTP(HasMediaType(ready, "application/json"));
  EXPECT_HTTP(HasJson(ready, "", {{"status", "ready"}}));
}

// --- LoggingTest: JSON log lines and X-Request-ID -------------------------------

// The lines of a JSON log: the parsed objects, and the lines that are not
// JSON objects.
struct Log {
  std::vector<json> lines;
  std::vector<std::string> bad;

  // The "request" lines with this request id.
  std::vector<json> RequestLines(const std::string& request_id) const {
    std::vector<json> found;
    for (const json& line : lines) {
      if (line.value("msg", "") == "request" && line.value("request_id", "") == request_id) {
        found.push_back(line);
      }
    }
    return found;
  }
};

Log ParseLog(const std::string& text) {
  Log log;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) {
      log.lines.push_back(std::move(parsed));
    } else {
      log.bad.push_back(line);
    }
  }
  return log;
}

bool IsTimestamp(const json& value) {
  static const std::regex kRfc3339Millis(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  return value.is_string() && std::regex_match(value.get<std::string>(), kRfc3339Millis);
}

// What a request id may look like, sent or generated.
const std::regex kSaneRequestId("[A-Za-z0-9._-]{1,128}");

// An X-Request-ID to send, or none.
struct RequestIdCase {
  const char* name;
  std::optional<std::string> sent;
};

void PrintTo(const RequestIdCase& value, std::ostream* out) { *out << value.name; }

class LoggingTest : public AcceptanceTest, public testing::WithParamInterface<RequestIdCase> {
 protected:
  // Waits up to 5 s until `done` holds for the server's log, since a line
  // may be written just after its response. Returns the last log read.
  template <typename Done>
  Log WaitForLog(Done done) {
    const auto deadline = std::chrono::steady_clock::now() + seconds(5);
    Log log = ParseLog(server().StderrOfAllRuns());
    while (!done(log) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(20));
      log = ParseLog(server().StderrOfAllRuns());
    }
    return log;
  }

  std::string StderrShown() { return "\n  server stderr:\n" + LastLines(server().StderrOfAllRuns(), 30); }
};

TEST_F(LoggingTest, EveryStderrLineIsJsonWithTimeLevelAndMsg) {
  REQUIRE_OWN_SERVER("reads the server's stderr");
  const std::string id = UniqueTag("every-line");
  ASSERT_HTTP(HasStatus(api().Send("GET", "/users", {{"X-Request-ID", id}}), 200));
  ASSERT_HTTP(HasStatus(api().Get("/no-such-route"), 404));
  ASSERT_HTTP(HasStatus(api().Post("/users", {{"name", ""}}), 422));
  const Log log = WaitForLog([&](const Log& l) { return !l.RequestLines(id).empty(); });
  ASSERT_FALSE(log.lines.empty()) << "the server wrote no JSON log line to stderr" << StderrShown();
  EXPECT_TRUE(log.bad.empty()) << "every stderr line must be one JSON object; this one is not: "
                               << (log.bad.empty() ? "" : log.bad.front()) << StderrShown();
  const std::set<std::string> levels = {"info", "warn", "error"};
  for (const json& line : log.lines) {
    EXPECT_TRUE(IsTimestamp(line.value("time", json())) &&
                levels.count(line.value("level", "")) == 1 &&
                line.value("msg", json()).is_string())
        << "each log line needs time (RFC 3339 UTC with milliseconds), level (info, warn or "
           "error) and msg (a string); this one has not: "
        << line.dump();
  }
}

TEST_F(LoggingTest, EachRequestHasExactlyOneRequestLine) {
  REQUIRE_OWN_SERVER("reads the server's stderr");
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string user = UserPath(created.Json());
  struct Request {
    std::string method;
    std::string path;
    std::string body;
    const char* route;
  };
  const std::vector<Request> requests = {
      {"POST", "/users", json{{"name", "Logged"}, {"email", UniqueEmail("logged")}}.dump(),
       "/users"},
      {"GET", "/users?limit=1", "", "/users"},
      {"GET", "/users/", "", "/users"},
      {"GET", user, "", "/users/{id}"},
      {"PUT", user, R"({"age":31})", "/users/{id}"},
      {"PATCH", user + "/", R"({"age":32})", "/users/{id}"},
      {"PUT", user, R"({"age":"x"})", "/users/{id}"},
      {"GET", kMissingUserPath, "", "/users/{id}"},
      {"DELETE", "/users", "", "/users"},
      {"GET", "/health", "", "/health"},
      {"GET", "/ready", "", "/ready"},
      {"GET", "/metrics", "", "/metrics"},
      {"GET", "/no-such-route", "", "unmatched"},
      {"DELETE", user, "", "/users/{id}"},
  };
  const std::string prefix = UniqueTag("log");
  std::vector<Exchange> answers;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const Request& r = requests[i];
    httplib::Headers headers{{"X-Request-ID", prefix + "." + std::to_string(i)}};
    if (!r.body.empty()) headers.emplace("Content-Type", "application/json");
    answers.push_back(api().Send(r.method, r.path, headers, r.body));
    ASSERT_TRUE(answers.back().ok()) << Describe(answers.back());
  }
  const Log log = WaitForLog([&](const Log& l) {
    for (std::size_t i = 0; i < requests.size(); ++i) {
      if (l.RequestLines(prefix + "." + std::to_string(i)).empty()) return false;
    }
    return true;
  });
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const std::string id = prefix + "." + std::to_string(i);
    const Exchange& answer = answers[i];
    const std::vector<json> lines = log.RequestLines(id);
    EXPECT_HTTP(Holds(answer, lines.size() == 1,
                      "exactly one log line with \"msg\":\"request\" and \"request_id\":\"" + id +
                          "\" on stderr, found " + std::to_string(lines.size())));
    if (lines.size() != 1) continue;
    const json& line = lines.front();
    const json expected = {{"method", requests[i].method},
                           {"route", requests[i].route},
                           {"status", answer.status},
                           {"remote_addr", "127.0.0.1"}};
    for (const auto& [member, value] : expected.items()) {
      EXPECT_HTTP(Holds(answer, line.value(member, json()) == value,
                        "the request's log line has \"" + member + "\":" + value.dump() +
                            "; the line is " + line.dump()));
    }
    EXPECT_HTTP(Holds(answer, line.value("duration_ms", json()).is_number() &&
                                  line["duration_ms"].get<double>() >= 0,
                      "the request's log line has a number duration_ms >= 0; the line is " +
                          line.dump()));
  }
}

TEST_F(LoggingTest, GeneratedRequestIdIsTheLogLinesRequestId) {
  REQUIRE_OWN_SERVER("reads the server's stderr");
  const Exchange answer = api().Get("/users?limit=1");
  ASSERT_HTTP(HasStatus(answer, 200));
  const std::string id = answer.Header("X-Request-ID");
  ASSERT_HTTP(Holds(answer, std::regex_match(id, kSaneRequestId), "a generated X-Request-ID"));
  const Log log = WaitForLog([&](const Log& l) { return !l.RequestLines(id).empty(); });
  EXPECT_HTTP(Holds(answer, log.RequestLines(id).size() == 1,
                    "exactly one request log line with request_id " + id));
}

TEST_F(LoggingTest, LogsHoldNoEmailAddress) {
  REQUIRE_OWN_SERVER("reads the server's stderr");
  // Every request below carries an email somewhere: body, query or both.
  const std::string tag = UniqueTag("secret");
  const std::string email = tag + "@example.test";
  const Exchange created = api().Post("/users", {{"name", "Private"}, {"email", email}});
  ASSERT_HTTP(HasStatus(created, 201));
  const std::vector<Exchange> answers = {
      created,
      api().Post("/users", {{"name", "Dup"}, {"email", Upper(email)}}),               // 409
      api().Post("/users", {{"name", "Bad"}, {"email", tag + "@localhost"}}),         // 422
      api().Get("/users?email=" + tag + "%40example.test"),                           // 200
      api().Get("/users?q=" + tag + "@example&limit=0"),                              // 422
      api().Put(UserPath(created.Json()), {{"email", tag + "-new@example.test"}}),    // 200
      api().Patch(UserPath(created.Json()), {{"email", tag + "@example..test"}}),     // 422
      api().Send("POST", "/users", {{"Content-Type", "text/plain"}}, email),          // 415
      api().Post("/users?email=" + email, {{"name", "Q"}, {"email", tag + "@b.test"}}),  // 201
  };
  for (const Exchange& answer : answers) ASSERT_TRUE(answer.ok()) << Describe(answer);
  const std::string last_id = answers.back().Header("X-Request-ID");
  const Log log = WaitForLog([&](const Log& l) { return !l.RequestLines(last_id).empty(); });
  ASSERT_FALSE(last_id.empty() || log.RequestLines(last_id).empty())
      << "the log must have a request line for each request (looked for the last one, with "
         "request id '"
      << last_id << "'), so that it can be checked for emails" << StderrShown();
  const std::string output = server().StderrOfAllRuns();
  static const std::regex kEmail(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)");
  std::smatch found;
  EXPECT_FALSE(std::regex_search(output, found, kEmail))
      << "stderr holds an email address: '" << found.str() << "'" << StderrShown();
  EXPECT_EQ(output.find(tag), std::string::npos)
      << "stderr holds '" << tag
      << "', the local part of the emails sent: the log must not hold emails, bodies or "
         "query strings"
      << StderrShown();
}

// A sane id comes back unchanged; any other gets a new, sane one.
TEST_P(LoggingTest, RequestIdIsEchoedWhenSaneAndGeneratedOtherwise) {
  const std::optional<std::string>& sent = GetParam().sent;
  httplib::Headers headers;
  if (sent) headers.emplace("X-Request-ID", *sent);
  const Exchange answer = api().Send("GET", "/health", headers);
  ASSERT_HTTP(HasStatus(answer, 200));
  if (sent && std::regex_match(*sent, kSaneRequestId)) {
    EXPECT_HTTP(HasHeader(answer, "X-Request-ID", *sent));
    return;
  }
  const std::string id = answer.Header("X-Request-ID");
  EXPECT_HTTP(Holds(answer, std::regex_match(id, kSaneRequestId) && id != sent.value_or(""),
                    "a new X-Request-ID of 1 to 128 characters from [A-Za-z0-9._-] (the "
                    "reference sends 32 hex digits), since the one sent is absent or not sane"));
  // Generated ids are unique per request: the same request again gets another.
  const Exchange again = api().Send("GET", "/health", headers);
  EXPECT_HTTP(Holds(again, again.Header("X-Request-ID") != id,
                    "another generated X-Request-ID than the first request's " + id));
}

INSTANTIATE_TEST_SUITE_P(
    Ids, LoggingTest,
    testing::Values(RequestIdCase{"Simple", "abc123"},
                    RequestIdCase{"AllAllowedCharacters", "AZaz09._-request"},
                    RequestIdCase{"OneCharacter", "x"},
                    RequestIdCase{"Of128Characters", std::string(128, 'r')},
                    RequestIdCase{"Absent", std::nullopt},
                    RequestIdCase{"Empty", ""},
                    RequestIdCase{"Of129Characters", std::string(129, 'r')},
                    RequestIdCase{"WithSpace", "abc def"},
                    RequestIdCase{"WithSlash", "abc/def"},
                    RequestIdCase{"WithPlus", "abc+def"},
                    RequestIdCase{"WithQuote", "abc\"def"},
                    RequestIdCase{"NonAscii", "abc\xc3\xa9"}),
    [](const testing::TestParamInfo<RequestIdCase>& param_info) { return param_info.param.name; });

TEST_F(LoggingTest, ErrorResponsesCarryTheRequestId) {
  const std::string id = UniqueTag("error-id");
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const httplib::Headers with_id{{"X-Request-ID", id}};
  const httplib::Headers json_with_id{{"X-Request-ID", id}, {"Content-Type", "application/json"}};
  const std::vector<Exchange> answers = {
      api().Send("GET", "/no-such-route", with_id),                        // 404
      api().Send("GET", kMissingUserPath, with_id),                        // 404
      api().Send("DELETE", "/users", with_id),                             // 405
      api().Send("POST", "/users", json_with_id, R"({"name":)"),           // 400
      api().Send("POST", "/users", json_with_id, R"({"name":""})"),        // 422
      api().Send("POST", "/users", {{"X-Request-ID", id}}, R"({})"),       // 415
      api().Send("PUT", UserPath(created.Json()), json_with_id,
                 json{{"email", created.Json()["email"]}, {"age", "x"}}.dump()),  // 422
      api().Send("GET", "/users?limit=0", with_id),                        // 422
  };
  for (const Exchange& answer : answers) {
    EXPECT_HTTP(Holds(answer, answer.ok() && answer.status >= 400, "an error status"));
    EXPECT_HTTP(HasHeader(answer, "X-Request-ID", id));
  }
  const Exchange generated = api().Get("/no-such-route");
  EXPECT_HTTP(Holds(generated, std::regex_match(generated.Header("X-Request-ID"), kSaneRequestId),
                    "a generated X-Request-ID on a 404"));
}

TEST_F(LoggingTest, GeneratedRequestIdsAreUnique) {
  std::set<std::string> ids;
  Exchange last;
  for (int i = 0; i < 20; ++i) {
    last = api().Get("/health");
    ASSERT_HTTP(HasStatus(last, 200));
    ASSERT_HTTP(Holds(last, std::regex_match(last.Header("X-Request-ID"), kSaneRequestId),
                      "a generated X-Request-ID"));
    ids.insert(last.Header("X-Request-ID"));
  }
  EXPECT_HTTP(Holds(last, ids.size() == 20,
                    "20 requests without X-Request-ID get 20 different ids, got " +
                        std::to_string(ids.size())));
}

// --- MetricsTest ----------------------------------------------------------------

// One scrape of GET /metrics, its samples keyed by Series().
struct Metrics {
  Exchange exchange;
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;  // From the # TYPE lines.
  std::vector<std::string> bad;              // Lines that are neither comment nor sample.

  // The value of a series, 0 when absent (a series appears with its first
  // sample).
  double Value(const std::string& series) const {
    auto it = samples.find(series);
    return it == samples.end() ? 0 : it->second;
  }
};

// A series as a key: the name, then the labels sorted by name.
std::string Series(const std::string& name,
                   const std::map<std::string, std::string>& labels = {}) {
  std::string key = name;
  if (labels.empty()) return key;
  key += "{";
  for (const auto& [label, value] : labels) {
    key += (key.back() == '{' ? "" : ",") + label + "=\"" + value + "\"";
  }
  return key + "}";
}

// Parses one sample line of the text exposition format into `key` and
// `value`; false when it is malformed.
bool ParseSample(const std::string& line, std::string& key, double& value) {
  static const std::regex kName("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static const std::regex kLabel("[a-zA-Z_][a-zA-Z0-9_]*");
  std::size_t at = 0;
  auto name_end = line.find_first_of("{ ");
  if (name_end == std::string::npos) return false;
  const std::string name = line.substr(0, name_end);
  if (!std::regex_match(name, kName)) return false;
  at = name_end;
  std::map<std::string, std::string> labels;
  if (line[at] == '{') {
    ++at;
    while (at < line.size() && line[at] != '}') {
      const auto equals = line.find('=', at);
      if (equals == std::string::npos) return false;
      const std::string label = line.substr(at, equals - at);
      if (!std::regex_match(label, kLabel) || equals + 1 >= line.size() || line[equals + 1] != '"') {
        return false;
      }
      std::string text;
      at = equals + 2;
      for (; at < line.size() && line[at] != '"'; ++at) {
        if (line[at] == '\\' && at + 1 < line.size()) {
          ++at;
          text += line[at] == 'n' ? '\n' : line[at];
        } else {
          text += line[at];
        }
      }
      if (at >= line.size()) return false;
      labels[label] = text;
      ++at;  // The closing quote.
      if (at < line.size() && line[at] == ',') ++at;
    }
    if (at >= line.size()) return false;
    ++at;  // The closing brace.
  }
  if (at >= line.size() || line[at] != ' ') return false;
  std::istringstream rest(line.substr(at));
  std::string number;
  std::string timestamp;
  std::string extra;
  rest >> number >> timestamp >> extra;
  if (number.empty() || !extra.empty()) return false;
  char* end = nullptr;
  value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size()) return false;
  key = Series(name, labels);
  return true;
}

Metrics Scrape(const ApiClient& api) {
  Metrics metrics;
  metrics.exchange = api.Get("/metrics");
  std::istringstream lines(metrics.exchange.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream words(line);
      std::string hash, keyword, name, type;
      words >> hash >> keyword >> name >> type;
      if (keyword == "TYPE") metrics.types[name] = type;
      continue;
    }
    std::string key;
    double value = 0;
    if (ParseSample(line, key, value)) {
      metrics.samples[key] = value;
    } else {
      metrics.bad.push_back(line);
    }
  }
  return metrics;
}

std::string RequestsSeries(const std::string& method, const std::string& route, int status) {
  return Series("user_api_http_requests_total",
                {{"method", method}, {"route", route}, {"status", std::to_string(status)}});
}

using MetricsTest = AcceptanceTest;

TEST_F(MetricsTest, ScrapeIsPrometheusText) {
  const Metrics metrics = Scrape(api());
  ASSERT_HTTP(HasStatus(metrics.exchange, 200));
  EXPECT_HTTP(HasMediaType(metrics.exchange, "text/plain"));
  EXPECT_HTTP(Holds(metrics.exchange,
                    metrics.exchange.Header("Content-Type").find("version=0.0.4") !=
                        std::string::npos,
                    "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
  EXPECT_HTTP(Holds(metrics.exchange, metrics.bad.empty(),
                    "every line is a comment or a sample; not so: " +
                        (metrics.bad.empty() ? std::string() : metrics.bad.front())));
  const std::map<std::string, std::string> types = {
      {"user_api_http_requests_total", "counter"},
      {"user_api_http_request_duration_seconds", "histogram"},
      {"user_api_users", "gauge"},
      {"user_api_users_created_total", "counter"}};
  for (const auto& [name, type] : types) {
    auto it = metrics.types.find(name);
    EXPECT_HTTP(Holds(metrics.exchange, it != metrics.types.end() && it->second == type,
                      "a line '# TYPE " + name + " " + type + "'"));
  }
  for (const char* always : {"user_api_users", "user_api_users_created_total"}) {
    EXPECT_HTTP(Holds(metrics.exchange, metrics.samples.count(always) == 1,
                      std::string("a sample of ") + always + ", even at 0"));
  }
}

TEST_F(MetricsTest, RequestCountersMoveByExactlyTheRequestsMade) {
  const Exchange kept = CreateUser();
  ASSERT_HTTP(HasStatus(kept, 201));
  const Metrics before = Scrape(api());
  ASSERT_HTTP(HasStatus(before.exchange, 200));

  std::map<std::string, int> made;  // Series -> requests made between the scrapes.
  auto send = [&](const Exchange& answer, const std::string& route) {
    ASSERT_TRUE(answer.ok()) << Describe(answer);
    ++made[RequestsSeries(answer.method, route, answer.status)];
  };
  ++made[RequestsSeries("GET", "/metrics", 200)];  // The first scrape.
  for (int i = 0; i < 3; ++i) send(CreateUser(), "/users");
  send(api().Post("/users", {{"name", ""}}), "/users");
  send(api().Get(UserPath(kept.Json())), "/users/{id}");
  send(api().Get(UserPath(kept.Json()) + "/"), "/users/{id}");
  send(api().Get(kMissingUserPath), "/users/{id}");
  send(api().Put(UserPath(kept.Json()), {{"age", 44}}), "/users/{id}");
  send(api().Patch(UserPath(kept.Json()), {{"age", 45}}), "/users/{id}");
  send(api().Get("/users?limit=1"), "/users");
  send(api().Delete("/users"), "/users");
  send(api().Get("/no-such-route-" + UniqueTag("m")), "unmatched");
  send(api().Get("/health"), "/health");
  send(api().Get("/ready"), "/ready");
  send(api().Delete(UserPath(kept.Json())), "/users/{id}");

  const Metrics after = Scrape(api());
  ASSERT_HTTP(HasStatus(after.exchange, 200));
  int expected_total = 0;
  for (const auto& [series, count] : made) {
    expected_total += count;
    const double moved = after.Value(series) - before.Value(series);
    EXPECT_HTTP(Holds(after.exchange, moved == count,
                      series + " moves by exactly " + std::to_string(count) +
                          " between the scrapes; it moved by " + std::to_string(moved)));
  }
  double moved_total = 0;
  for (const auto& [series, value] : after.samples) {
    if (StartsWith(series, "user_api_http_requests_total{")) moved_total += value;
  }
  for (const auto& [series, value] : before.samples) {
    if (StartsWith(series, "user_api_http_requests_total{")) moved_total -= value;
  }
  EXPECT_HTTP(Holds(after.exchange, moved_total == expected_total,
                    "all user_api_http_requests_total series together move by " +
                        std::to_string(expected_total) + " (the requests made, the first "
                        "scrape included, this one not); they moved by " +
                        std::to_string(moved_total)));
}

TEST_F(MetricsTest, DurationHistogramCountsTheRequests) {
  const Metrics before = Scrape(api());
  ASSERT_HTTP(HasStatus(before.exchange, 200));
  for (int i = 0; i < 4; ++i) ASSERT_HTTP(HasStatus(CreateUser(), 201));
  const Metrics after = Scrape(api());
  ASSERT_HTTP(HasStatus(after.exchange, 200));
  const std::map<std::string, std::string> post = {{"method", "POST"}, {"route", "/users"}};
  const std::string count = Series("user_api_http_request_duration_seconds_count", post);
  EXPECT_HTTP(Holds(after.exchange, after.Value(count) - before.Value(count) == 4,
                    count + " moves by 4 over 4 creates"));
  EXPECT_HTTP(Holds(after.exchange,
                    after.samples.count(Series("user_api_http_request_duration_seconds_sum", post)),
                    "a _sum sample for POST /users"));

  // The buckets: the spec's bounds, cumulative, +Inf equal to _count.
  const std::vector<double> bounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                      0.1,    0.25,  0.5,    1,     2.5,  INFINITY};
  std::vector<std::pair<double, double>> buckets;  // (le, value)
  static const std::regex kBucket(
      R"re(user_api_http_request_duration_seconds_bucket\{le="([^"]*)",method="POST",route="/users"\})re");
  for (const auto& [series, value] : after.samples) {
    std::smatch match;
    if (std::regex_match(series, match, kBucket)) {
      buckets.emplace_back(std::strtod(match[1].str().c_str(), nullptr), value);
    }
  }
  std::sort(buckets.begin(), buckets.end());
  std::vector<double> les;
  for (const auto& bucket : buckets) les.push_back(bucket.first);
  EXPECT_HTTP(Holds(after.exchange, les == bounds,
                    "POST /users buckets with le = 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, "
                    "0.05, 0.1, 0.25, 0.5, 1, 2.5, +Inf"));
  const bool cumulative = std::is_sorted(
      buckets.begin(), buckets.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  EXPECT_HTTP(Holds(after.exchange, cumulative, "bucket counts never decrease as le grows"));
  EXPECT_HTTP(Holds(after.exchange, !buckets.empty() && buckets.back().second == after.Value(count),
                    "the le=\"+Inf\" bucket equals " + count));
}

TEST_F(MetricsTest, UsersGaugeAndCreatedCounter) {
  const Exchange taken = CreateUser();
  ASSERT_HTTP(HasStatus(taken, 201));
  const Metrics before = Scrape(api());
  ASSERT_HTTP(HasStatus(before.exchange, 200));
  const Exchange first = CreateUser();
  ASSERT_HTTP(HasStatus(first, 201));
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  ASSERT_HTTP(HasStatus(api().Post("/users", {{"name", ""}}), 422));
  ASSERT_HTTP(HasStatus(CreateUser({{"email", taken.Json()["email"]}}), 409));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(first.Json())), 204));
  const Metrics after = Scrape(api());
  ASSERT_HTTP(HasStatus(after.exchange, 200));
  const double gauge = after.Value("user_api_users") - before.Value("user_api_users");
  const double created =
      after.Value("user_api_users_created_total") - before.Value("user_api_users_created_total");
  EXPECT_HTTP(Holds(after.exchange, gauge == 2,
                    "user_api_users moves by 2 (3 created, 1 deleted); it moved by " +
                        std::to_string(gauge)));
  EXPECT_HTTP(Holds(after.exchange, created == 3,
                    "user_api_users_created_total moves by 3 (a 422 and a 409 create nobody); "
                    "it moved by " + std::to_string(created)));
}

TEST_F(MetricsTest, RouteLabelIsTheTemplateNeverTheRawPath) {
  const std::string tag = UniqueTag("raw");
  ASSERT_TRUE(api().Get("/" + tag).ok());
  ASSERT_TRUE(api().Get("/users/" + tag).ok());
  ASSERT_TRUE(api().Get("/users?q=" + tag).ok());
  const Metrics metrics = Scrape(api());
  ASSERT_HTTP(HasStatus(metrics.exchange, 200));
  EXPECT_HTTP(Holds(metrics.exchange, metrics.exchange.body.find(tag) == std::string::npos,
                    "no label holds the raw path or query '" + tag + "'"));
  const std::set<std::string> routes = {"/users", "/users/{id}", "/health",  "/ready",
                                        "/metrics", "/openapi.json", "/docs", "unmatched"};
  static const std::regex kRoute(R"re(route="([^"]*)")re");
  for (const auto& [series, value] : metrics.samples) {
    std::smatch match;
    if (std::regex_search(series, match, kRoute)) {
      EXPECT_HTTP(Holds(metrics.exchange, routes.count(match[1]) == 1,
                        "route labels are templates or \"unmatched\"; not so in " + series));
    }
  }
  EXPECT_HTTP(Holds(metrics.exchange,
                    metrics.Value(RequestsSeries("GET", "unmatched", 404)) >= 1,
                    "a series for GET unmatched 404"));
}

TEST_F(MetricsTest, CreatedCounterStartsAtZeroOnEachStart) {
  REQUIRE_OWN_SERVER("restarts the server with --db");
  ASSERT_TRUE(RestartServer({{"--db", "metrics.db"}, {}}));
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  ASSERT_TRUE(RestartServer());
  const Metrics metrics = Scrape(api());
  ASSERT_HTTP(HasStatus(metrics.exchange, 200));
  EXPECT_HTTP(Holds(metrics.exchange, metrics.samples.count("user_api_users_created_total") &&
                                          metrics.Value("user_api_users_created_total") == 0,
                    "user_api_users_created_total 0 after a restart"));
  EXPECT_HTTP(Holds(metrics.exchange, metrics.Value("user_api_users") == 2,
                    "user_api_users 2: the two users the database kept"));
}

// --- AuthTest: the server runs with --api-key ------------------------------------

// Every character a key may have, and trailing '='.
const std::string kApiKey = "test-Key_0.9~+/xyz==";

// An Authorization header to send, or none.
struct AuthCase {
  const char* name;
  std::optional<std::string> authorization;
};

void PrintTo(const AuthCase& value, std::ostream* out) { *out << value.name; }

class AuthTest : public AcceptanceTest, public testing::WithParamInterface<AuthCase> {
 protected:
  StartOptions ServerOptions() const override { return {{"--api-key", kApiKey}, {}}; }

  // A client that sends the right key.
  ApiClient Authorized(const std::string& key = kApiKey) const {
    return api().WithHeaders({{"Authorization", "Bearer " + key}});
  }

  // Checks a 401 for a missing or wrong key.
  static void ExpectUnauthorized(const Exchange& answer) {
    EXPECT_HTTP(HasProblem(answer, 401));
    EXPECT_HTTP(HasJson(answer, "/type", "/problems/unauthorized"));
    EXPECT_HTTP(Holds(answer, StartsWith(answer.Header("WWW-Authenticate"), "Bearer"),
                      "a WWW-Authenticate header starting with \"Bearer\""));
  }
};

TEST_P(AuthTest, RefusesRequestsWithoutTheKey) {
  const std::string email = UniqueEmail("refused");
  httplib::Headers headers{{"Content-Type", "application/json"}};
  if (GetParam().authorization) headers.emplace("Authorization", *GetParam().authorization);
  const Exchange answer = api().Send("POST", "/users", headers,
                                     json{{"name", "Intruder"}, {"email", email}}.dump());
  ExpectUnauthorized(answer);
  const UserListing listing = Authorized().ListAllUsers();
  ASSERT_HTTP(Holds(listing.last, listing.complete, "every page of GET /users answers 200"));
  const bool stored = std::any_of(listing.users.begin(), listing.users.end(),
                                  [&](const json& user) { return user.value("email", "") == email; });
  EXPECT_HTTP(Holds(listing.last, !stored, "no user with " + email + " after the refused create"));
}

INSTANTIATE_TEST_SUITE_P(
    Keys, AuthTest,
    testing::Values(AuthCase{"Missing", std::nullopt}, AuthCase{"Empty", ""},
                    AuthCase{"WrongKey", "Bearer wrong-key"},
                    AuthCase{"KeyWithOneMoreCharacter", "Bearer " + kApiKey + "x"},
                    AuthCase{"KeyWithoutItsLastCharacter",
                             "Bearer " + kApiKey.substr(0, kApiKey.size() - 1)},
                    AuthCase{"KeyInOtherCase", "Bearer " + Upper(kApiKey)},
                    AuthCase{"BasicScheme", "Basic dGVzdDp0ZXN0"},
                    AuthCase{"BasicSchemeWithTheKey", "Basic " + kApiKey},
                    AuthCase{"TokenScheme", "Token " + kApiKey},
                    AuthCase{"KeyWithoutScheme", kApiKey},
                    AuthCase{"BearerWithoutToken", "Bearer"},
                    AuthCase{"BearerAndSpacesOnly", "Bearer   "},
                    AuthCase{"NoSpaceAfterBearer", "Bearer" + kApiKey},
                    AuthCase{"TokenWithExtraPart", "Bearer " + kApiKey + " extra"},
                    AuthCase{"KeyTwice", "Bearer " + kApiKey + " " + kApiKey},
                    AuthCase{"QuotedKey", "Bearer \"" + kApiKey + "\""}),
    [](const testing::TestParamInfo<AuthCase>& param_info) { return param_info.param.name; });

TEST_F(AuthTest, TheKeyOpensEveryUserRoute) {
  const ApiClient client = Authorized();
  const Exchange created =
      client.Post("/users", {{"name", "Member"}, {"email", UniqueEmail("member")}});
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string path = UserPath(created.Json());
  EXPECT_HTTP(HasStatus(client.Get("/users"), 200));
  EXPECT_HTTP(HasStatus(client.Get("/users/"), 200));
  EXPECT_HTTP(HasStatus(client.Get(path), 200));
  EXPECT_HTTP(HasStatus(client.Put(path, {{"age", 40}}), 200));
  EXPECT_HTTP(HasStatus(client.Patch(path, {{"age", 41}}), 200));
  EXPECT_HTTP(HasStatus(client.Delete(path), 204));
  EXPECT_HTTP(HasStatus(client.Get(path), 404));
}

TEST_F(AuthTest, SchemeIgnoresCaseAndSpacesMayRepeat) {
  for (const std::string& value : {"bearer " + kApiKey, "BEARER " + kApiKey,
                                   "bEaReR " + kApiKey, "Bearer    " + kApiKey}) {
    EXPECT_HTTP(HasStatus(api().Send("GET", "/users", {{"Authorization", value}}), 200));
  }
}

TEST_F(AuthTest, EveryUserRouteNeedsTheKey) {
  const Exchange created =
      Authorized().Post("/users", {{"name", "Kept"}, {"email", UniqueEmail("kept")}});
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string path = UserPath(created.Json());
  ExpectUnauthorized(api().Get("/users"));
  ExpectUnauthorized(api().Get("/users/?limit=1"));
  ExpectUnauthorized(api().Get(path));
  ExpectUnauthorized(api().Put(path, {{"name", "Changed"}}));
  ExpectUnauthorized(api().Patch(path, {{"name", "Changed"}}));
  ExpectUnauthorized(api().Delete(path));
  ExpectUnauthorized(api().Get(kMissingUserPath));
  EXPECT_TRUE(Unchanged(Authorized(), created.Json()));
}

TEST_F(AuthTest, OpenRoutesNeedNoKey) {
  for (const char* path : {"/health", "/ready", "/metrics", "/openapi.json"}) {
    EXPECT_HTTP(HasStatus(api().Get(path), 200));
  }
  const Exchange docs = api().Get("/docs");
  EXPECT_HTTP(Holds(docs, docs.ok() && docs.status != 401,
                    "GET /docs needs no key (200, or 503 without swagger-ui-dist)"));
}

// Routing errors come before authentication (see Precedence).
TEST_F(AuthTest, RoutingComesBeforeTheKey) {
  EXPECT_HTTP(HasProblem(api().Get("/no-such-route"), 404));
  EXPECT_HTTP(HasProblem(api().Delete("/users"), 405));
  EXPECT_HTTP(HasProblem(api().Get("/users/abc"), 404));
}

TEST_F(AuthTest, KeyFromTheEnvironmentAndTheFlagWins) {
  const std::string env_key = "env-key-" + UniqueTag("k");
  ASSERT_TRUE(RestartServer({{}, {{"USER_API_KEY", env_key}}}));
  ExpectUnauthorized(api().Get("/users"));
  EXPECT_HTTP(HasStatus(Authorized(env_key).Get("/users"), 200));

  ASSERT_TRUE(RestartServer({{"--api-key", kApiKey}, {{"USER_API_KEY", env_key}}}));
  ExpectUnauthorized(Authorized(env_key).Get("/users"));
  EXPECT_HTTP(HasStatus(Authorized().Get("/users"), 200));

  // A variable that is set but empty counts as absent: no key at all.
  ASSERT_TRUE(RestartServer({{}, {{"USER_API_KEY", ""}}}));
  EXPECT_HTTP(HasStatus(api().Get("/users"), 200));
}

TEST_F(AuthTest, LongestKeyIsAccepted) {
  const std::string key(256, 'k');
  ASSERT_TRUE(RestartServer({{"--api-key", key}, {}}));
  EXPECT_HTTP(HasStatus(Authorized(key).Get("/users"), 200));
  ExpectUnauthorized(Authorized(key + "k").Get("/users"));
}

TEST_F(AuthTest, InvalidKeyExitsWithCode2) {
  for (const std::string& key : {std::string("has space"), std::string(257, 'k'),
                                 std::string("=abc"), std::string("ab=c"), std::string(""),
                                 std::string("k\xc3\xa9y"), std::string("semi;colon")}) {
    const std::vector<std::string> args{"--port", "0", "--api-key", key};
    const ServerProcess::Outcome run = RunProgramToExit(args, server().workdir());
    EXPECT_EQ(run.exit, "exited with code 2")
        << "a key outside [A-Za-z0-9-._~+/]{1,256} then '='s must stop the program with code 2"
        << DescribeRun(args, run);
    EXPECT_FALSE(run.err.empty()) << "it should say why on stderr" << DescribeRun(args, run);
  }
}

TEST_F(AuthTest, KeyNeverReachesTheLog) {
  const std::string wrong = "wrong-" + UniqueTag("token");
  ASSERT_HTTP(HasStatus(Authorized().Get("/users"), 200));
  ASSERT_HTTP(HasStatus(
      Authorized().Post("/users", {{"name", "Logged"}, {"email", UniqueEmail("logged")}}), 201));
  ExpectUnauthorized(Authorized(wrong).Get("/users"));
  ExpectUnauthorized(api().Get("/users"));
  std::this_thread::sleep_for(milliseconds(200));  // For the last log lines.
  const std::string output = server().StderrOfAllRuns();
  ASSERT_NE(output.find("\"request\""), std::string::npos)
      << "the log should have request lines\n  stderr:\n"
      << LastLines(output, 20);
  EXPECT_EQ(output.find(kApiKey), std::string::npos)
      << "stderr holds the API key\n  stderr:\n" << LastLines(output, 20);
  EXPECT_EQ(output.find(wrong), std::string::npos)
      << "stderr holds the token of an Authorization header\n  stderr:\n"
      << LastLines(output, 20);
}

// --- RateLimitTest: the server runs with --rate-limit 5 ---------------------------

constexpr int kRateLimit = 5;

class RateLimitTest : public AcceptanceTest {
 protected:
  StartOptions ServerOptions() const override {
    return {{"--rate-limit", std::to_string(kRateLimit)}, {}};
  }

  // Sends GET /users until it gets a 429 (at most 50 times) and returns all
  // the answers.
  std::vector<Exchange> Burst() const {
    std::vector<Exchange> answers;
    for (int i = 0; i < 50; ++i) {
      answers.push_back(api().Get("/users?limit=1"));
      if (!answers.back().ok() || answers.back().status == 429) break;
    }
    return answers;
  }
};

// The whole seconds of a Retry-After header, or -1.
int RetryAfter(const Exchange& answer) {
  const std::string value = answer.Header("Retry-After");
  if (value.empty() || value.size() > 6 || !std::all_of(value.begin(), value.end(), ::isdigit)) {
    return -1;
  }
  return std::stoi(value);
}

TEST_F(RateLimitTest, BurstGets429WithRetryAfter) {
  const std::vector<Exchange> answers = Burst();
  ASSERT_FALSE(answers.empty());
  for (std::size_t i = 0; i < answers.size() && i < kRateLimit; ++i) {
    EXPECT_HTTP(HasStatus(answers[i], 200));  // The bucket starts full.
  }
  const Exchange& limited = answers.back();
  ASSERT_HTTP(HasProblem(limited, 429));
  EXPECT_HTTP(HasJson(limited, "/type", "/problems/rate-limited"));
  EXPECT_HTTP(Holds(limited, RetryAfter(limited) >= 1,
                    "Retry-After: a whole number of seconds, at least 1"));
  EXPECT_HTTP(HasHeader(limited, "RateLimit-Limit", std::to_string(kRateLimit)));
  EXPECT_HTTP(HasHeader(limited, "RateLimit-Remaining", "0"));
  for (const Exchange& answer : answers) {
    EXPECT_HTTP(HasHeader(answer, "RateLimit-Limit", std::to_string(kRateLimit)));
  }
}

TEST_F(RateLimitTest, RecoversAfterRetryAfter) {
  const std::vector<Exchange> answers = Burst();
  const Exchange& limited = answers.back();
  ASSERT_HTTP(HasStatus(limited, 429));
  const int wait = RetryAfter(limited);
  ASSERT_HTTP(Holds(limited, wait >= 1 && wait <= 5,
                    "Retry-After between 1 and 5 s for a limit of 5 per second"));
  std::this_thread::sleep_for(seconds(wait));
  EXPECT_HTTP(HasStatus(api().Get("/users?limit=1"), 200));
}

TEST_F(RateLimitTest, EveryUserRouteResponseCountsDown) {
  const auto start = std::chrono::steady_clock::now();
  const Exchange first = api().Get("/users?limit=1");
  // Errors past routing take a token too.
  const Exchange missing = api().Get(kMissingUserPath);
  const Exchange invalid = api().Post("/users", {{"name", ""}});
  // A token comes back every 200 ms: on a machine slower than that, the
  // count may have been topped up in between.
  const bool quick = std::chrono::steady_clock::now() - start < milliseconds(200);
  EXPECT_HTTP(HasStatus(first, 200));
  EXPECT_HTTP(HasStatus(missing, 404));
  EXPECT_HTTP(HasStatus(invalid, 422));
  int expected = kRateLimit;
  for (const Exchange* answer : {&first, &missing, &invalid}) {
    --expected;
    EXPECT_HTTP(HasHeader(*answer, "RateLimit-Limit", std::to_string(kRateLimit)));
    if (quick || answer == &first) {
      EXPECT_HTTP(HasHeader(*answer, "RateLimit-Remaining", std::to_string(expected)));
    } else {
      const std::string remaining = answer->Header("RateLimit-Remaining");
      EXPECT_HTTP(Holds(*answer, remaining.size() == 1 && remaining[0] >= '0' &&
                                     remaining[0] < '0' + kRateLimit,
                        "RateLimit-Remaining between 0 and " + std::to_string(kRateLimit - 1)));
    }
  }
}

TEST_F(RateLimitTest, RequestsRefusedByRoutingTakeNoToken) {
  for (int i = 0; i < 3 * kRateLimit; ++i) {
    EXPECT_HTTP(HasStatus(api().Get("/no-such-route"), 404));
    EXPECT_HTTP(HasStatus(api().Delete("/users"), 405));
    EXPECT_HTTP(HasStatus(api().Get("/users/abc"), 404));
  }
  const Exchange first = api().Get("/users?limit=1");
  EXPECT_HTTP(HasStatus(first, 200));
  EXPECT_HTTP(HasHeader(first, "RateLimit-Remaining", std::to_string(kRateLimit - 1)));
}

TEST_F(RateLimitTest, OtherRoutesAreNeverLimited) {
  ASSERT_HTTP(HasStatus(Burst().back(), 429));
  for (int i = 0; i < 3 * kRateLimit; ++i) {
    for (const char* path : {"/health", "/ready", "/metrics", "/openapi.json"}) {
      EXPECT_HTTP(HasStatus(api().Get(path), 200));
    }
  }
}

TEST_F(RateLimitTest, NoLimitAndNoHeadersWithoutTheFlag) {
  ASSERT_TRUE(RestartServer(StartOptions{}));
  for (int i = 0; i < 4 * kRateLimit; ++i) {
    const Exchange answer = api().Get("/users?limit=1");
    ASSERT_HTTP(HasStatus(answer, 200));
    ASSERT_HTTP(Holds(answer, !answer.headers.count("RateLimit-Limit") &&
                                  !answer.headers.count("RateLimit-Remaining"),
                      "no RateLimit-* headers without a rate limit"));
  }
  // Proof that the flag is what matters: with it, the headers are back.
  ASSERT_TRUE(RestartServer(ServerOptions()));
  EXPECT_HTTP(HasHeader(api().Get("/users?limit=1"), "RateLimit-Limit", std::to_string(kRateLimit)));
}

TEST_F(RateLimitTest, LimitFromTheEnvironmentAndTheFlagWins) {
  ASSERT_TRUE(RestartServer({{}, {{"USER_API_RATE_LIMIT", "3"}}}));
  EXPECT_HTTP(HasHeader(api().Get("/users?limit=1"), "RateLimit-Limit", "3"));
  ASSERT_TRUE(RestartServer({{"--rate-limit", "7"}, {{"USER_API_RATE_LIMIT", "3"}}}));
  EXPECT_HTTP(HasHeader(api().Get("/users?limit=1"), "RateLimit-Limit", "7"));
}

TEST_F(RateLimitTest, BadLimitExitsWithCode2) {
  for (const char* limit : {"0", "-1", "abc", "1000001", "1.5", ""}) {
    const std::vector<std::string> args{"--port", "0", "--rate-limit", limit};
    const ServerProcess::Outcome run = RunProgramToExit(args, server().workdir());
    EXPECT_EQ(run.exit, "exited with code 2")
        << "--rate-limit takes 1 to 1000000" << DescribeRun(args, run);
  }
  const std::vector<std::string> args{"--port", "0"};
  const ServerProcess::Outcome run =
      RunProgramToExit(args, server().workdir(), {{"USER_API_RATE_LIMIT", "0"}});
  EXPECT_EQ(run.exit, "exited with code 2")
      << "USER_API_RATE_LIMIT=0 is a bad value" << DescribeRun(args, run);
}

// Buckets are per client address: one client's burst leaves another's
// bucket full.
TEST_F(RateLimitTest, EachClientAddressHasItsOwnBucket) {
  ASSERT_HTTP(HasStatus(Burst().back(), 429));
  // api() sends from 127.0.0.1; any address in 127.0.0.0/8 reaches loopback.
  const Exchange other = api().FromSourceAddress("127.0.0.2").Get("/users?limit=1");
  const char* why = "127.0.0.1 has just used up its bucket, while 127.0.0.2's is full: each "
                    "client address has a bucket of its own";
  ASSERT_HTTP(HasStatus(other, 200)) << why;
  EXPECT_HTTP(HasHeader(other, "RateLimit-Remaining", std::to_string(kRateLimit - 1))) << why;
}

// --- ConditionalTest: ETag, If-None-Match, If-Match -------------------------------

// A strong entity tag: a quoted string of visible characters.
bool IsStrongEtag(const std::string& tag) {
  static const std::regex kStrong(R"("[\x21\x23-\x7e]*")");
  return std::regex_match(tag, kStrong);
}

// A conditional request on a user whose tag moved from $STALE to $CURRENT.
struct ConditionCase {
  const char* name;
  std::string method;
  std::string header;  // If-None-Match or If-Match.
  std::string value;   // With $CURRENT and $STALE.
  int status;
};

void PrintTo(const ConditionCase& value, std::ostream* out) { *out << value.name; }

class ConditionalTest : public AcceptanceTest, public testing::WithParamInterface<ConditionCase> {
 protected:
  // Creates a user and updates it once: `stale` is the created tag,
  // `current` the updated user's.
  void CreateUpdatedUser(json& user, std::string& stale, std::string& current) const {
    const Exchange created = CreateUser({{"name", "Tagged"}});
    ASSERT_HTTP(HasStatus(created, 201));
    stale = created.Header("ETag");
    ASSERT_HTTP(Holds(created, IsStrongEtag(stale), "a strong ETag on the 201"));
    const Exchange updated = api().Put(UserPath(created.Json()), {{"name", "Retagged"}});
    ASSERT_HTTP(HasStatus(updated, 200));
    current = updated.Header("ETag");
    ASSERT_HTTP(Holds(updated, IsStrongEtag(current) && current != stale,
                      "a new strong ETag after the change, not " + stale));
    user = updated.Json();
  }
};

TEST_P(ConditionalTest, AnswersAsSpecified) {
  const ConditionCase& c = GetParam();
  json user;
  std::string stale;
  std::string current;
  ASSERT_NO_FATAL_FAILURE(CreateUpdatedUser(user, stale, current));
  const std::string value = ReplaceAll(ReplaceAll(c.value, "$CURRENT", current), "$STALE", stale);
  httplib::Headers headers{{c.header, value}};
  std::string body;
  if (c.method == "PUT" || c.method == "PATCH") {
    headers.emplace("Content-Type", "application/json");
    body = R"({"age":77})";
  }
  const Exchange answer = api().Send(c.method, UserPath(user), headers, body);
  switch (c.status) {
    case 304:
      EXPECT_HTTP(HasStatus(answer, 304));
      EXPECT_HTTP(Holds(answer, answer.body.empty(), "no body on a 304"));
      EXPECT_HTTP(HasHeader(answer, "ETag", current));
      break;
    case 412:
      EXPECT_HTTP(HasProblem(answer, 412));
      EXPECT_HTTP(HasJson(answer, "/type", "/problems/precondition-failed"));
      EXPECT_TRUE(Unchanged(api(), user, current));
      break;
    case 204:
      EXPECT_HTTP(HasStatus(answer, 204));
      EXPECT_HTTP(HasStatus(api().Get(UserPath(user)), 404));
      break;
    default:
      EXPECT_HTTP(HasStatus(answer, c.status));
      EXPECT_HTTP(Holds(answer, IsStrongEtag(answer.Header("ETag")), "a strong ETag"));
      if (c.method != "GET") {
        EXPECT_HTTP(HasJson(answer, "/age", 77));
      }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Headers, ConditionalTest,
    testing::Values(
        ConditionCase{"GetIfNoneMatchCurrent", "GET", "If-None-Match", "$CURRENT", 304},
        ConditionCase{"GetIfNoneMatchWeakCurrent", "GET", "If-None-Match", "W/$CURRENT", 304},
        ConditionCase{"GetIfNoneMatchStar", "GET", "If-None-Match", "*", 304},
        ConditionCase{"GetIfNoneMatchListWithCurrent", "GET", "If-None-Match",
                      R"("nope", $CURRENT)", 304},
        ConditionCase{"GetIfNoneMatchListWithWeakCurrent", "GET", "If-None-Match",
                      R"("nope",W/$CURRENT)", 304},
        ConditionCase{"GetIfNoneMatchStale", "GET", "If-None-Match", "$STALE", 200},
        ConditionCase{"GetIfNoneMatchListWithoutCurrent", "GET", "If-None-Match",
                      R"("nope", $STALE)", 200},
        ConditionCase{"GetIfMatchIsIgnored", "GET", "If-Match", "$STALE", 200},
        ConditionCase{"PutIfNoneMatchIsIgnored", "PUT", "If-None-Match", "$CURRENT", 200},
        ConditionCase{"PutIfMatchCurrent", "PUT", "If-Match", "$CURRENT", 200},
        ConditionCase{"PutIfMatchStar", "PUT", "If-Match", "*", 200},
        ConditionCase{"PutIfMatchListWithCurrent", "PUT", "If-Match", R"("nope", $CURRENT)", 200},
        ConditionCase{"PutIfMatchStale", "PUT", "If-Match", "$STALE", 412},
        ConditionCase{"PutIfMatchWeakCurrent", "PUT", "If-Match", "W/$CURRENT", 412},
        ConditionCase{"PutIfMatchListWithoutCurrent", "PUT", "If-Match", R"("nope", $STALE)", 412},
        ConditionCase{"PatchIfMatchCurrent", "PATCH", "If-Match", "$CURRENT", 200},
        ConditionCase{"PatchIfMatchStale", "PATCH", "If-Match", "$STALE", 412},
        ConditionCase{"PatchIfMatchWeakCurrent", "PATCH", "If-Match", "W/$CURRENT", 412},
        ConditionCase{"DeleteIfMatchCurrent", "DELETE", "If-Match", "$CURRENT", 204},
        ConditionCase{"DeleteIfMatchStar", "DELETE", "If-Match", "*", 204},
        ConditionCase{"DeleteIfMatchStale", "DELETE", "If-Match", "$STALE", 412},
        ConditionCase{"DeleteIfMatchWeakCurrent", "DELETE", "If-Match", "W/$CURRENT", 412}),
    [](const testing::TestParamInfo<ConditionCase>& param_info) { return param_info.param.name; });

TEST_F(ConditionalTest, EveryUserResponseHasAStrongEtag) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string tag = created.Header("ETag");
  EXPECT_HTTP(Holds(created, IsStrongEtag(tag), "a strong ETag (a quoted string, no W/)"));
  const std::string path = UserPath(created.Json());
  EXPECT_HTTP(HasHeader(api().Get(path), "ETag", tag));
  const Exchange put = api().Put(path, {{"age", 50}});
  ASSERT_HTTP(HasStatus(put, 200));
  EXPECT_HTTP(Holds(put, IsStrongEtag(put.Header("ETag")) && put.Header("ETag") != tag,
                    "a strong ETag other than " + tag + " after a change"));
  EXPECT_HTTP(HasHeader(api().Get(path), "ETag", put.Header("ETag")));
  const Exchange patch = api().Patch(path, {{"age", 51}});
  ASSERT_HTTP(HasStatus(patch, 200));
  EXPECT_HTTP(Holds(patch, IsStrongEtag(patch.Header("ETag")) &&
                               patch.Header("ETag") != put.Header("ETag"),
                    "a new strong ETag after the PATCH"));
  const Exchange other = CreateUser();
  ASSERT_HTTP(HasStatus(other, 201));
  EXPECT_HTTP(Holds(other, other.Header("ETag") != tag, "another user has another ETag"));
}

TEST_F(ConditionalTest, NoOpUpdateKeepsTheEtag) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string tag = created.Header("ETag");
  ASSERT_HTTP(Holds(created, IsStrongEtag(tag), "a strong ETag"));
  std::this_thread::sleep_for(milliseconds(5));
  EXPECT_HTTP(HasHeader(api().Put(UserPath(created.Json()), json::object()), "ETag", tag));
  EXPECT_HTTP(HasHeader(api().Patch(UserPath(created.Json()), json::object()), "ETag", tag));
  EXPECT_HTTP(HasHeader(api().Get(UserPath(created.Json())), "ETag", tag));
}

// Rewriting a field with its own value moves updated_at, so the
// representation, and with it the tag, changes.
TEST_F(ConditionalTest, UpdateWithTheSameValuesChangesTheEtag) {
  const Exchange created = CreateUser({{"name", "Same"}});
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string tag = created.Header("ETag");
  ASSERT_HTTP(Holds(created, IsStrongEtag(tag), "a strong ETag"));
  std::this_thread::sleep_for(milliseconds(5));
  const Exchange updated = api().Put(UserPath(created.Json()), {{"name", "Same"}});
  ASSERT_HTTP(HasStatus(updated, 200));
  EXPECT_HTTP(Holds(updated, IsStrongEtag(updated.Header("ETag")) && updated.Header("ETag") != tag,
                    "a new ETag, since updated_at moved"));
}

TEST_F(ConditionalTest, ListsHaveNoEtag) {
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  const Exchange listed = api().Get("/users?limit=5");
  ASSERT_HTTP(HasStatus(listed, 200));
  ASSERT_HTTP(Holds(listed, listed.headers.count("X-Total-Count") == 1,
                    "a stage 3 list (with X-Total-Count)"));
  EXPECT_HTTP(Holds(listed, listed.headers.count("ETag") == 0, "no ETag on a list"));
}

TEST_F(ConditionalTest, MissingUserIsNotFoundNotPreconditionFailed) {
  const httplib::Headers json_headers{{"Content-Type", "application/json"}};
  EXPECT_HTTP(HasProblem(api().Send("GET", kMissingUserPath, {{"If-None-Match", "*"}}), 404));
  for (const char* tag : {"\"x\"", "*"}) {
    EXPECT_HTTP(HasProblem(api().Put(kMissingUserPath, {{"age", 1}}, {{"If-Match", tag}}), 404));
    EXPECT_HTTP(HasProblem(api().Patch(kMissingUserPath, {{"age", 1}}, {{"If-Match", tag}}), 404));
    EXPECT_HTTP(HasProblem(api().Send("DELETE", kMissingUserPath, {{"If-Match", tag}}), 404));
  }
}

// Validation comes before preconditions, and preconditions before the
// email check (see Precedence).
TEST_F(ConditionalTest, PreconditionsComeAfterValidationAndBeforeConflicts) {
  json user;
  std::string stale;
  std::string current;
  ASSERT_NO_FATAL_FAILURE(CreateUpdatedUser(user, stale, current));
  const Exchange other = CreateUser();
  ASSERT_HTTP(HasStatus(other, 201));
  const httplib::Headers stale_match{{"If-Match", stale}};
  EXPECT_HTTP(HasProblem(api().Put(UserPath(user), {{"age", "x"}}, stale_match), 422));
  EXPECT_HTTP(HasProblem(api().Patch(UserPath(user), {{"age", "x"}}, stale_match), 422));
  EXPECT_HTTP(HasProblem(
      api().Put(UserPath(user), {{"email", other.Json()["email"]}}, stale_match), 412));
  EXPECT_HTTP(HasProblem(
      api().Put(UserPath(user), {{"email", other.Json()["email"]}}, {{"If-Match", current}}), 409));
  EXPECT_TRUE(Unchanged(api(), user, current));
}

// --- PersistenceTest: the server runs with --db users.db --------------------------

class PersistenceTest : public AcceptanceTest {
 protected:
  StartOptions ServerOptions() const override { return {{"--db", "users.db"}, {}}; }
};

TEST_F(PersistenceTest, DatabaseFileIsCreatedInTheDataDirectory) {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_TRUE(std::filesystem::is_regular_file(server().workdir() + "/users.db"))
      << "--db users.db should create users.db in the working directory " << server().workdir();
  EXPECT_HTTP(HasJson(api().Get("/health"), "/storage", "sqlite"));
}

TEST_F(PersistenceTest, RestartKeepsUsersUpdatesAndDeletes) {
  const Exchange removed = CreateUser();
  const Exchange renamed = CreateUser({{"name", "Old Name"}});
  const Exchange patched = CreateUser({{"age", 33}});
  const Exchange untouched = CreateUser({{"name", "Zo\u00eb \u674e"}, {"age", nullptr}});
  for (const Exchange* user : {&removed, &renamed, &patched, &untouched}) {
    ASSERT_HTTP(HasStatus(*user, 201));
  }
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(removed.Json())), 204));
  const Exchange renamed_now = api().Put(UserPath(renamed.Json()), {{"name", "New Name"}});
  ASSERT_HTTP(HasStatus(renamed_now, 200));
  const Exchange patched_now = api().Patch(UserPath(patched.Json()), {{"age", nullptr}});
  ASSERT_HTTP(HasStatus(patched_now, 200));

  ASSERT_TRUE(RestartServer());
  EXPECT_HTTP(HasStatus(api().Get(UserPath(removed.Json())), 404));
  for (const Exchange* user : {&renamed_now, &patched_now, &untouched}) {
    const Exchange fetched = api().Get(UserPath(user->Json()));
    ASSERT_HTTP(HasStatus(fetched, 200));
    EXPECT_HTTP(HasJson(fetched, "", user->Json()));
  }
}

TEST_F(PersistenceTest, RestartKeepsTheIdSequenceAfterDeletingTheNewest) {
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  const Exchange newest = CreateUser();
  ASSERT_HTTP(HasStatus(newest, 201));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(newest.Json())), 204));
  ASSERT_TRUE(RestartServer());
  const Exchange next = CreateUser();
  ASSERT_HTTP(HasStatus(next, 201));
  EXPECT_HTTP(Holds(next, IdOf(next) > IdOf(newest),
                    "an id greater than " + std::to_string(IdOf(newest)) +
                        ", the newest id before the restart, although that user was deleted"));
}

TEST_F(PersistenceTest, KillNineLosesNoAcknowledgedChange) {
  constexpr int kThreads = 5;
  constexpr int kPerThread = 10;
  std::vector<Exchange> created(kThreads * kPerThread);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        created[static_cast<std::size_t>(t * kPerThread + i)] = CreateUser();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const Exchange& user : created) ASSERT_HTTP(HasStatus(user, 201));
  // The last changes come right before the kill: updates and deletes too.
  std::vector<json> expected;
  for (std::size_t i = 0; i < created.size(); ++i) {
    if (i % 10 == 8) {
      const Exchange updated = api().Patch(UserPath(created[i].Json()), {{"age", 99}});
      ASSERT_HTTP(HasStatus(updated, 200));
      expected.push_back(updated.Json());
    } else if (i % 10 == 9) {
      ASSERT_HTTP(HasStatus(api().Delete(UserPath(created[i].Json())), 204));
      expected.push_back({{"id", created[i].Json()["id"]}, {"deleted", true}});
    } else {
      expected.push_back(created[i].Json());
    }
  }
  ASSERT_TRUE(server().Signal(SIGKILL)) << "the server was no longer running";
  ASSERT_TRUE(server().WaitForExit(seconds(10))) << "the server outlived kill -9 for 10 s";

  ASSERT_TRUE(RestartServer());
  int lost = 0;
  for (const json& user : expected) {
    const Exchange fetched = api().Get(UserPath(user));
    if (user.contains("deleted")) {
      EXPECT_HTTP(HasStatus(fetched, 404));
    } else {
      EXPECT_HTTP(HasStatus(fetched, 200));
      EXPECT_HTTP(HasJson(fetched, "", user));
    }
    lost += fetched.status != (user.contains("deleted") ? 404 : 200);
  }
  EXPECT_EQ(lost, 0) << lost << " of " << expected.size()
                     << " acknowledged changes were lost after kill -9 and a restart";
}

TEST_F(PersistenceTest, DatabaseKeepsEmailsUniqueAcrossRestart) {
  const Exchange first = CreateUser();
  const Exchange second = CreateUser();
  ASSERT_HTTP(HasStatus(first, 201));
  ASSERT_HTTP(HasStatus(second, 201));
  ASSERT_TRUE(RestartServer());
  const std::string email = first.Json()["email"];
  const Exchange duplicate = CreateUser({{"email", Upper(email)}});
  EXPECT_HTTP(HasProblem(duplicate, 409));
  EXPECT_HTTP(HasJson(duplicate, "/type", "/problems/email-taken"));
  EXPECT_HTTP(HasProblem(api().Put(UserPath(second.Json()), {{"email", email}}), 409));
  EXPECT_TRUE(Unchanged(api(), second.Json()));
}

TEST_F(PersistenceTest, WithoutDbUsersLastOnlyAsLongAsTheProcess) {
  for (const StartOptions& memory : {StartOptions{}, StartOptions{{"--db", ":memory:"}, {}}}) {
    SCOPED_TRACE(DescribeOptions(memory).empty() ? "no --db" : DescribeOptions(memory));
    ASSERT_TRUE(RestartServer(memory));
    EXPECT_HTTP(HasJson(api().Get("/health"), "/storage", "memory"));
    const Exchange created = CreateUser();
    ASSERT_HTTP(HasStatus(created, 201));
    ASSERT_TRUE(RestartServer(memory));
    EXPECT_HTTP(HasStatus(api().Get(UserPath(created.Json())), 404));
  }
  EXPECT_FALSE(std::filesystem::exists(server().workdir() + "/:memory:"))
      << "--db :memory: must not create a file named ':memory:'";
}

TEST_F(PersistenceTest, UnusableDatabaseExitsWithCode1) {
  const std::string workdir = server().workdir();
  std::filesystem::create_directory(workdir + "/a-directory");
  std::ofstream(workdir + "/not-a-database.db") << std::string(4096, 'x');
  for (const char* path : {"no-such-directory/users.db", "a-directory", "not-a-database.db"}) {
    const std::vector<std::string> args{"--port", "0", "--db", path};
    const ServerProcess::Outcome run = RunProgramToExit(args, workdir);
    EXPECT_EQ(run.exit, "exited with code 1")
        << "a database that cannot be opened or used is a startup failure, exit code 1"
        << DescribeRun(args, run);
    EXPECT_FALSE(run.err.empty()) << "it should say why on stderr" << DescribeRun(args, run);
  }
}

// --- DocsTest: /openapi.json, /docs and a browser ---------------------------------

using DocsTest = AcceptanceTest;

TEST_F(DocsTest, OpenApiJsonDescribesTheUserRoutes) {
  const Exchange answer = api().Get("/openapi.json");
  ASSERT_HTTP(HasStatus(answer, 200));
  EXPECT_HTTP(HasMediaType(answer, "application/json"));
  const json spec = answer.Json();
  ASSERT_HTTP(Holds(answer, spec.is_object(), "a JSON object"));
  EXPECT_HTTP(Holds(answer, spec.value("openapi", json()).is_string() &&
                                StartsWith(spec["openapi"].get<std::string>(), "3.1"),
                    "\"openapi\" is a string starting with \"3.1\""));
  const json paths = spec.value("paths", json::object());
  const std::map<std::string, std::vector<std::string>> operations = {
      {"/users", {"get", "post"}}, {"/users/{id}", {"get", "put", "patch", "delete"}}};
  for (const auto& [path, methods] : operations) {
    for (const std::string& method : methods) {
      EXPECT_HTTP(Holds(answer, paths.contains(path) && paths[path].contains(method),
                        "paths[\"" + path + "\"]." + method + " is described"));
    }
  }
}

TEST_F(DocsTest, DocsIsAnHtmlPageWithItsAssetsServedHere) {
  const Exchange page = api().Get("/docs");
  ASSERT_HTTP(Holds(page, page.ok() && page.status == 200,
                    "200 with the Swagger UI page (a 503 means swagger-ui-dist is missing: run "
                    "./scripts/setup)"));
  EXPECT_HTTP(HasMediaType(page, "text/html"));
  // Every script, style and image the page loads is served by this server,
  // at the path a browser resolves it to.
  static const std::regex kBase(R"re(<base\b[^>]*\bhref\s*=\s*["']([^"']+)["'])re");
  static const std::regex kAsset(
      R"re(<(?:script|link|img)\b[^>]*\b(?:src|href)\s*=\s*["']([^"']+)["'])re");
  std::smatch base_match;
  const std::string base =
      std::regex_search(page.body, base_match, kBase) ? base_match[1].str() : "/docs";
  const std::string directory = base.substr(0, base.rfind('/') + 1);
  int assets = 0;
  for (auto it = std::sregex_iterator(page.body.begin(), page.body.end(), kAsset);
       it != std::sregex_iterator(); ++it) {
    std::string target = (*it)[1];
    if (StartsWith(target, "data:")) continue;
    EXPECT_HTTP(Holds(page, target.find("//") == std::string::npos,
                      "the page loads nothing from another host, but names " + target));
    if (target.find("//") != std::string::npos) continue;
    if (StartsWith(target, "./")) target = target.substr(2);
    // Asked for as a browser does. A server that compresses on the fly at
    // brotli's best setting spends seconds of a worker on a 1.7 MB script.
    const auto started = std::chrono::steady_clock::now();
    const Exchange asset = api().Send("GET", target[0] == '/' ? target : directory + target,
                                      {{"Accept-Encoding", "gzip, deflate, br"}});
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    EXPECT_HTTP(HasStatus(asset, 200));
    EXPECT_HTTP(Holds(asset, took.count() <= 2000,
                      target + " answered within 2000 ms (took " + std::to_string(took.count()) +
                          " ms)"));
    ++assets;
  }
  EXPECT_HTTP(Holds(page, assets > 0, "the page names its scripts and styles"));
}

TEST_F(DocsTest, DocsFilesStayInTheirDirectory) {
  ASSERT_HTTP(HasStatus(api().Get("/docs/swagger-ui-bundle.js"), 200))
      << "GET /docs/FILE serves the files of swagger-ui-dist (run ./scripts/setup if it is "
         "missing)";
  for (const char* path : {"/docs/../CMakeLists.txt", "/docs/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                           "/docs/..%2f..%2f..%2f..%2fetc%2fpasswd", "/docs/no-such-file.js"}) {
    const Exchange answer = api().SendRaw(std::string("GET ") + path +
                                          " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    EXPECT_HTTP(HasProblem(answer, 404));
    EXPECT_HTTP(Holds(answer, answer.body.find("root:") == std::string::npos,
                      "no file from outside the docs directory"));
  }
}

TEST_F(DocsTest, DocsWithoutSwaggerFilesAnswer503) {
  REQUIRE_OWN_SERVER("starts the server with --docs-dir");
  const std::string empty = server().workdir() + "/empty-docs";
  std::filesystem::create_directory(empty);
  ASSERT_TRUE(RestartServer({{"--docs-dir", empty}, {}}));
  const Exchange docs = api().Get("/docs");
  EXPECT_HTTP(HasProblem(docs, 503));
  EXPECT_HTTP(HasJson(docs, "/type", "/problems/service-unavailable"));
  EXPECT_HTTP(Holds(docs, docs.Json().value("detail", "").find("swagger-ui-dist") != std::string::npos,
                    "a detail that names swagger-ui-dist"));
  EXPECT_HTTP(HasStatus(api().Get("/openapi.json"), 200));
}

constexpr const char* kChromium = "/usr/bin/chromium";

// A directory removed at the end of the scope.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "user-api-browser-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs headless Chromium on `url` with `extra` flags, killed after 60 s.
ServerProcess::Outcome RunChromium(const std::string& url, const std::string& profile,
                                   const std::string& extra, std::string& command) {
  std::vector<std::string> args = {"--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-quic",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--user-data-dir=" + profile,
                                   "--window-size=1280,1000",
                                   "--virtual-time-budget=15000",
                                   extra,
                                   url};
  command = kChromium;
  for (const std::string& arg : args) command += " '" + arg + "'";
  return ServerProcess::Run(kChromium, args, profile, {}, seconds(60));
}

// The rendered page as text, without the zero-width spaces and <wbr> tags
// that Swagger UI puts into long paths.
std::string Flattened(std::string dom) {
  dom = ReplaceAll(dom, "\u200b", "");
  return ReplaceAll(dom, "<wbr>", "");
}

TEST_F(DocsTest, RendersInChromiumAndKeepsAScreenshot) {
  ASSERT_TRUE(std::filesystem::exists(kChromium))
      << kChromium << " is missing: run ./scripts/setup, which installs Debian's chromium "
      << "package for this browser test";
  const Exchange page = api().Get("/docs");
  ASSERT_HTTP(Holds(page, page.ok() && page.status == 200,
                    "200 with the Swagger UI page (a 503 means swagger-ui-dist is missing: run "
                    "./scripts/setup)"));

  const char* artifacts_env = std::getenv("USER_API_ARTIFACTS_DIR");
  const std::filesystem::path artifacts = artifacts_env && *artifacts_env
                                              ? std::filesystem::path(artifacts_env)
                                              : std::filesystem::current_path();
  std::filesystem::create_directories(artifacts);
  const std::filesystem::path screenshot = std::filesystem::absolute(artifacts / "docs-screenshot.png");
  std::error_code ignored;
  std::filesystem::remove(screenshot, ignored);

  // Both runs at once: each takes seconds.
  const TempDir dom_profile;
  const TempDir shot_profile;
  ASSERT_FALSE(dom_profile.path().empty() || shot_profile.path().empty())
      << "could not create temporary profile directories";
  const std::string url = api().base_url() + "/docs";
  ServerProcess::Outcome dom;
  ServerProcess::Outcome shot;
  std::string dom_command;
  std::string shot_command;
  std::thread dom_run(
      [&] { dom = RunChromium(url, dom_profile.path(), "--dump-dom", dom_command); });
  std::thread shot_run([&] {
    shot = RunChromium(url, shot_profile.path(), "--screenshot=" + screenshot.string(),
                       shot_command);
  });
  dom_run.join();
  shot_run.join();

  const std::string rendered = Flattened(dom.out);
  auto explain = [](const std::string& command, const ServerProcess::Outcome& run) {
    return "\n  command: " + command + "\n  exit: " + (run.exit.empty() ? "timed out" : run.exit) +
           "\n  stdout (start): " + run.out.substr(0, 1500) + "\n  stderr (last lines):\n" +
           LastLines(run.err, 15);
  };
  EXPECT_EQ(dom.exit, "exited with code 0") << explain(dom_command, dom);
  EXPECT_NE(rendered.find("/users/{id}"), std::string::npos)
      << "the rendered DOM of /docs should list the operations on /users/{id}"
      << explain(dom_command, dom);
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    EXPECT_NE(rendered.find(std::string(">") + method + "<"), std::string::npos)
        << "the rendered DOM of /docs should show an operation labelled " << method
        << explain(dom_command, dom);
  }

  EXPECT_EQ(shot.exit, "exited with code 0") << explain(shot_command, shot);
  const auto size = std::filesystem::exists(screenshot) ? std::filesystem::file_size(screenshot) : 0;
  std::string signature(8, '\0');
  std::ifstream(screenshot, std::ios::binary).read(signature.data(), 8);
  EXPECT_TRUE(size > 20000 && signature == "\x89PNG\r\n\x1a\n")
      << "Chromium should save a PNG screenshot of the rendered page at " << screenshot
      << "; it has " << size << " bytes (a blank page has a few thousand)"
      << explain(shot_command, shot);
}

// --- ShutdownTest ---------------------------------------------------------------

class ShutdownTest : public AcceptanceTest, public testing::WithParamInterface<int> {};

TEST_P(ShutdownTest, ExitsZeroWithAFinalLogLine) {
  REQUIRE_OWN_SERVER("sends a signal to the server");
  ASSERT_HTTP(HasStatus(CreateUser(), 201));
  const std::size_t logged = server().Stderr().size();
  ASSERT_TRUE(server().Signal(GetParam()));
  const std::optional<std::string> exit = server().WaitForExit(seconds(5));
  ASSERT_TRUE(exit) << "the server did not exit within 5 s of " << sigabbrev_np(GetParam())
                    << " with no request in flight\n  stderr:\n"
                    << LastLines(server().Stderr(), 10);
  EXPECT_EQ(*exit, "exited with code 0")
      << "after SIG" << sigabbrev_np(GetParam())
      << " the server should shut down gracefully and exit with code 0\n  stderr:\n"
      << LastLines(server().Stderr(), 10);
  const std::string after = server().Stderr().substr(logged);
  const std::string last = LastLines(after, 1);
  const json line = json::parse(last, nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(line.is_object() && IsTimestamp(line.value("time", json())) &&
              line.value("level", json()).is_string() && line.value("msg", json()).is_string())
      << "the server should write a final JSON log line (time, level, msg) before it exits; "
         "what it wrote after the signal:\n"
      << after;
}

INSTANTIATE_TEST_SUITE_P(Signals, ShutdownTest, testing::Values(SIGTERM, SIGINT),
                         [](const testing::TestParamInfo<int>& param_info) {
                           return std::string("SIG") + sigabbrev_np(param_info.param);
                         });

// Creates run on eight threads while SIGTERM arrives. Each create either
// completes (201) or is refused cleanly (no connection, or a 503), and every
// acknowledged user is in the database after a restart.
TEST_F(ShutdownTest, RequestsInFlightCompleteOrAreRefusedCleanly) {
  REQUIRE_OWN_SERVER("sends SIGTERM to the server and restarts it with --db");
  const StartOptions with_db{{"--db", "users.db"}, {}};
  ASSERT_TRUE(RestartServer(with_db));
  constexpr int kThreads = 8;
  constexpr int kMaxPerThread = 300;
  std::atomic<int> acknowledged{0};
  std::mutex mutex;
  std::vector<Exchange> created;  // Guarded by mutex.
  std::vector<Exchange> unclean;  // Guarded by mutex.
  const ApiClient client = api();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kMaxPerThread; ++i) {
        Exchange answer = client.Post(
            "/users", {{"name", "In Flight"}, {"email", UniqueEmail("flight")}, {"age", 1}});
        std::lock_guard lock(mutex);
        if (answer.ok() && answer.status == 201) {
          created.push_back(std::move(answer));
          ++acknowledged;
          continue;
        }
        if (answer.ok() && answer.status != 503) unclean.push_back(std::move(answer));
        return;  // Refused: the server is going away.
      }
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (acknowledged < 40 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_TRUE(server().Signal(SIGTERM));
  const std::optional<std::string> exit = server().WaitForExit(seconds(15));
  for (std::thread& thread : threads) thread.join();
  ASSERT_TRUE(exit) << "the server did not exit within 15 s of SIGTERM (in-flight requests get "
                       "at most 10 s)";
  EXPECT_EQ(*exit, "exited with code 0")
      << "after SIGTERM the server should shut down gracefully and exit with code 0\n  stderr:\n"
      << LastLines(server().Stderr(), 10);
  for (const Exchange& answer : unclean) {
    ADD_FAILURE() << "a create during shutdown must complete (201) or be refused cleanly (no "
                     "connection, or 503), not this:\n"
                  << Describe(answer);
  }
  EXPECT_GE(created.size(), 40u) << "the creates should have been running when SIGTERM came";

  ASSERT_TRUE(RestartServer(with_db));
  int lost = 0;
  for (const Exchange& answer : created) {
    const Exchange fetched = api().Get(UserPath(answer.Json()));
    if (!fetched.ok() || fetched.status != 200 || fetched.Json() != answer.Json()) {
      if (++lost <= 3) ADD_FAILURE() << "an acknowledged create is lost:\n" << Describe(fetched);
    }
  }
  EXPECT_EQ(lost, 0) << lost << " of " << created.size()
                     << " acknowledged creates are missing after shutdown and restart";
}

// An idle keep-alive connection must not hold the shutdown for long.
TEST_F(ShutdownTest, IdleKeepAliveConnectionDoesNotBlockShutdown) {
  REQUIRE_OWN_SERVER("sends SIGTERM to the server");
  httplib::Client idle(api().base_url());
  idle.set_keep_alive(true);
  idle.set_connection_timeout(5);
  idle.set_read_timeout(5);
  const httplib::Result result = idle.Get("/health");
  ASSERT_TRUE(result) << "GET /health on a keep-alive connection: "
                      << httplib::to_string(result.error());
  ASSERT_TRUE(server().Signal(SIGTERM));
  const std::optional<std::string> exit = server().WaitForExit(seconds(12));
  ASSERT_TRUE(exit) << "the server did not exit within 12 s of SIGTERM while a client held an "
                       "idle keep-alive connection\n  stderr:\n"
                    << LastLines(server().Stderr(), 10);
  EXPECT_EQ(*exit, "exited with code 0")
      << "after SIGTERM the server should shut down gracefully and exit with code 0";
}

}  // namespace
}  // namespace acceptance
