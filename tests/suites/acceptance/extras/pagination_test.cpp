// Stage 3 acceptance suite, pagination (ctest label `extras-pagination`):
// limit and offset on GET /users, X-Total-Count and the Link header, as
// guide/api-spec.md specifies them. The table's cases query a population of
// users of their own (list_query.hpp).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "concurrent_requests.hpp"
#include "list_query.hpp"
#include "text.hpp"

namespace acceptance {
namespace {

class PaginationTest : public ListQueryTest {};
class SqlitePaginationTest : public OnSqlite<PaginationTest> {};

const std::string kLargestOffset = "9223372036854775807";

const std::vector<QueryCase>& PageCases() {
  static const std::vector<QueryCase> cases = Concat({
      {
          Listed("EveryMatchWhenOnePageHoldsThem", "PAGE-1 PAGE-5 LINK-1", "q=$T", {0, 1, 2, 3, 4}),
          Listed("LimitOfOne", "PAGE-3 PAGE-5 LINK-2 LINK-4 LINK-6", "q=$T&limit=1", {0},
                 R"(</users?limit=1&offset=1&q=$T>; rel="next")", 5),
          Listed("LimitOfTwo", "PAGE-3 PAGE-5 LINK-2", "q=$T&limit=2", {0, 1},
                 R"(</users?limit=2&offset=2&q=$T>; rel="next")", 5),
          Listed("LimitOf999", "PAGE-3", "q=$T&limit=999", {0, 1, 2, 3, 4}),
          Listed("LimitOf1000", "PAGE-3", "q=$T&limit=1000", {0, 1, 2, 3, 4}),
          Listed("LimitEqualToTheTotalHasNoNext", "LINK-1 LINK-2", "q=$T&limit=5", {0, 1, 2, 3, 4}),
          Listed("LimitOneBelowTheTotalHasNext", "LINK-2", "q=$T&limit=4", {0, 1, 2, 3},
                 R"(</users?limit=4&offset=4&q=$T>; rel="next")", 5),
          Listed("LimitWithLeadingZerosIsPlainInLinks", "QUERY-1 PAGE-3 LINK-6", "q=$T&limit=002",
                 {0, 1}, R"(</users?limit=2&offset=2&q=$T>; rel="next")", 5),
          Listed("LimitPercentEncoded", "CONV-12 PAGE-3", "q=$T&limit=%32", {0, 1},
                 R"(</users?limit=2&offset=2&q=$T>; rel="next")", 5),
          Listed("LimitWithPercentEncodedName", "CONV-12 PAGE-3", "q=$T&%6Cimit=2", {0, 1},
                 R"(</users?limit=2&offset=2&q=$T>; rel="next")", 5),
          Listed("OffsetZeroHasNoPrev", "PAGE-4 LINK-3", "q=$T&offset=0", {0, 1, 2, 3, 4}),
          Listed("OffsetWithLeadingZeros", "QUERY-1 PAGE-4 LINK-3", "q=$T&offset=03", {3, 4},
                 R"(</users?limit=100&offset=0&q=$T>; rel="prev")", 5),
          Listed(
              "MiddlePageHasNextThenPrev", "PAGE-1 PAGE-4 PAGE-5 LINK-2 LINK-3 LINK-4 LINK-5",
              "q=$T&limit=2&offset=2", {2, 3},
              R"(</users?limit=2&offset=4&q=$T>; rel="next", </users?limit=2&offset=0&q=$T>; rel="prev")",
              5),
          Listed("LastPageHasOnlyPrev", "LINK-1 LINK-2 LINK-3 LINK-4", "q=$T&limit=2&offset=4", {4},
                 R"(</users?limit=2&offset=2&q=$T>; rel="prev")", 5),
          Listed(
              "PrevOffsetStopsAtZero", "LINK-3", "q=$T&limit=3&offset=1", {1, 2, 3},
              R"(</users?limit=3&offset=4&q=$T>; rel="next", </users?limit=3&offset=0&q=$T>; rel="prev")",
              5),
          Listed("OffsetAtTheEndGivesEmptyPage", "PAGE-6 LINK-3", "q=$T&limit=2&offset=5", {},
                 R"(</users?limit=2&offset=3&q=$T>; rel="prev")", 5),
          Listed("OffsetPastTheEndGivesEmptyPageWithDefaultsInPrev", "PAGE-5 PAGE-6 LINK-3 LINK-6",
                 "q=$T&offset=50", {}, R"(</users?limit=100&offset=0&q=$T>; rel="prev")", 5),
          Listed("LargestOffset", "PAGE-4 PAGE-6 LINK-2 LINK-3", "q=$T&offset=" + kLargestOffset,
                 {}, R"(</users?limit=100&offset=9223372036854775707&q=$T>; rel="prev")", 5),
          Listed("LargestOffsetWithLargestLimit", "PAGE-4 PAGE-6 LINK-2 LINK-3",
                 "q=$T&limit=1000&offset=" + kLargestOffset, {},
                 R"(</users?limit=1000&offset=9223372036854774807&q=$T>; rel="prev")", 5),
          Listed("NothingMatchesHasNoLink", "PAGE-5 LINK-1", "q=$T-none", {}),
          Listed(
              "LinkKeepsFiltersInSpecOrderAndLetterCase", "LINK-6 LINK-8 LINK-9 LINK-10 FILTER-3",
              "max_age=150&min_age=0&email=ALICE-$TU%40example.test&q=$T&offset=1&limit=1", {},
              R"(</users?limit=1&offset=0&q=$T&email=ALICE-$TU%40example.test&min_age=0&max_age=150>; rel="prev")",
              1),
          Listed("LinkWritesAgesInPlainDecimal", "LINK-6 LINK-9",
                 "max_age=0150&min_age=007&q=$T&limit=1", {0},
                 R"(</users?limit=1&offset=1&q=$T&min_age=7&max_age=150>; rel="next")", 4),
          Listed("LinkEchoesAnEmptyQ", "LINK-6 FILTER-2", "q=&email=bob-$T%40example.test&offset=1",
                 {}, R"(</users?limit=100&offset=0&q=&email=bob-$T%40example.test>; rel="prev")",
                 1),
          Listed(
              "LinkPercentEncodesEveryReservedByte", "LINK-8",
              "q=$T%20%28Zo%C3%AB%20%26%20co.%29%201%2B1%2F2&offset=1", {},
              R"(</users?limit=100&offset=0&q=$T%20%28Zo%C3%AB%20%26%20co.%29%201%2B1%2F2>; rel="prev")",
              1),
          // Matches nobody: the link is written all the same.
          Listed(
              "LinkEncodesPercentAtAndKeepsUnreservedBytes", "LINK-8 LINK-10 PAGE-6",
              "q=$T%25%40%21%2A%27%3D%3F%23%5B%5D-._~%c3%ab%7F%09&offset=1", {},
              R"(</users?limit=100&offset=0&q=$T%25%40%21%2A%27%3D%3F%23%5B%5D-._~%C3%AB%7F%09>; rel="prev")",
              0),
          Listed("LinkReencodesTheDecodedValue", "CONV-12 LINK-8", "q=%41lice+$T&offset=1", {},
                 R"(</users?limit=100&offset=0&q=Alice%20$T>; rel="prev")", 1),
          Listed("UnknownParametersAreNotEchoed", "CONV-11 LINK-6", "sort=id&q=$T&limit=4&page=2",
                 {0, 1, 2, 3}, R"(</users?limit=4&offset=4&q=$T>; rel="next")", 5),
          OnTrailingSlash(Listed(
              "MiddlePage", "PAGE-5 LINK-5 LINK-7", "q=$T&limit=2&offset=2", {2, 3},
              R"(</users?limit=2&offset=4&q=$T>; rel="next", </users?limit=2&offset=0&q=$T>; rel="prev")",
              5)),
          OnTrailingSlash(Listed("OffsetPastTheEnd", "PAGE-5 PAGE-6 LINK-7", "q=$T&offset=5", {},
                                 R"(</users?limit=100&offset=0&q=$T>; rel="prev")", 5)),
          Refused("LimitZero", "PAGE-3 QUERY-2 QUERY-6", "limit=0", {"limit"}),
          Refused("Limit1001", "PAGE-3 QUERY-2 QUERY-6", "limit=1001", {"limit"}),
          Refused("LimitZeroWithLeadingZeros", "PAGE-3 QUERY-2", "limit=000", {"limit"}),
          Refused("Limit1001WithLeadingZeros", "PAGE-3 QUERY-2", "limit=01001", {"limit"}),
          Refused("OffsetTwoToThe63", "PAGE-4 QUERY-2 QUERY-6", "offset=9223372036854775808",
                  {"offset"}),
          Refused("OffsetTwoToThe64", "PAGE-4 QUERY-2", "offset=18446744073709551616", {"offset"}),
          Refused("LimitRepeated", "QUERY-4 QUERY-6", "limit=5&limit=5", {"limit"}),
          Refused("LimitRepeatedWithOtherValues", "QUERY-4", "q=$T&limit=1&limit=2", {"limit"}),
          Refused("LimitRepeatedOnceEncoded", "QUERY-4 CONV-12", "q=$T&limit=1&%6Cimit=2",
                  {"limit"}),
          Refused("OffsetRepeated", "QUERY-4 QUERY-6", "offset=0&offset=0", {"offset"}),
          Refused("LimitAndOffsetBothWrongInSpecOrder", "QUERY-2 QUERY-6", "offset=x&limit=0",
                  {"limit", "offset"}),
          OnTrailingSlash(Refused("LimitZero", "QUERY-2", "limit=0", {"limit"})),
      },
      MalformedIntegers("limit", "Limit"),
      MalformedIntegers("offset", "Offset"),
  });
  return cases;
}

// Each case cites its own rules.
TEST_P(PaginationTest, AnswersAsSpecified) { RunCase(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Pages, PaginationTest, testing::ValuesIn(PageCases()), QueryCaseName);

TEST_P(SqlitePaginationTest, AnswersAsSpecified) { RunCase(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Pages, SqlitePaginationTest, testing::ValuesIn(ListedOnly(PageCases())),
                         QueryCaseName);

// Follows rel="next" from the first page and checks each page on the way.
SPEC_TEST_F(PaginationTest, WalkingNextLinksReturnsEveryMatchingUserOnce, "PAGE-1 PAGE-5 LINK-2") {
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
    ASSERT_PLAIN(page < 10) << "the next links should end after 3 pages; they did not end after "
                               "10, the last was " << next;
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
  EXPECT_PLAIN(seen == created) << "walking the pages of q=" << tag
                                << " should list each of its 7 users exactly once, in id order: "
                                << nlohmann::json(created).dump() << "; it listed "
                                << nlohmann::json(seen).dump();
  const std::vector<std::size_t> expected_sizes{3, 3, 1};
  EXPECT_PLAIN(sizes == expected_sizes) << "with limit=3 the pages should hold "
                                        << nlohmann::json(expected_sizes).dump() << " users; they held "
                                        << nlohmann::json(sizes).dump();
}

SPEC_TEST_F(PaginationTest, DefaultPageIsTheFirst100WithANextLink, "PAGE-2 PAGE-3 PAGE-5 LINK-6") {
  // More than 100 users exist once these are created, whatever was there.
  const std::vector<Exchange> created = AllAtOnce(101, [&](int) { return CreateUser(); });
  for (const Exchange& user : created) ASSERT_HTTP(HasStatus(user, 201));
  const Exchange answer = api().Get("/users");
  ASSERT_HTTP(HasStatus(answer, 200));
  EXPECT_HTTP(Holds(answer, answer.Json().is_array() && answer.Json().size() == 100,
                    "exactly 100 users on the first page without parameters"));
  const std::string total = answer.Header("X-Total-Count");
  EXPECT_HTTP(Holds(answer,
                    !total.empty() && std::all_of(total.begin(), total.end(), ::isdigit) &&
                        std::stoll(total) >= 101,
                    "X-Total-Count of at least 101, in decimal"));
  EXPECT_HTTP(HasHeader(answer, "Link", R"(</users?limit=100&offset=100>; rel="next")"));
}

SPEC_TEST_F(PaginationTest, LinkNeverHasATrailingSlash, "LINK-7") {
  const std::string tag = UniqueTag("slash");
  for (int i = 0; i < 2; ++i) {
    ASSERT_HTTP(HasStatus(CreateUser({{"name", "Slash " + tag}}), 201));
  }
  const Exchange answer = api().Get("/users/?q=" + tag + "&limit=1");
  ASSERT_HTTP(HasStatus(answer, 200));
  EXPECT_HTTP(HasHeader(answer, "Link", "</users?limit=1&offset=1&q=" + tag + ">; rel=\"next\""));
}

// A body over 65536 bytes is refused before the query is read, even on GET,
// which otherwise ignores its body.
SPEC_TEST_F(PaginationTest, OversizedBodyComesBeforeABadQuery, "PREC-11") {
  const std::string query = "/users?limit=0&offset=-1";
  const Exchange at_limit = api().Send("GET", query, {}, std::string(65536, ' '));
  EXPECT_HTTP(HasProblem(at_limit, 422));
  EXPECT_HTTP(HasErrorFields(at_limit, {"limit", "offset"}));
  EXPECT_HTTP(HasProblem(api().Send("GET", query, {}, std::string(65537, ' ')), 413));
  EXPECT_HTTP(HasProblem(api().Send("GET", "/users/?limit=0", {}, std::string(65537, ' ')), 413));
}

}  // namespace
}  // namespace acceptance
