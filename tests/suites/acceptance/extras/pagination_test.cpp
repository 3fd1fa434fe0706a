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
    QueryCaseName);

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

}  // namespace
}  // namespace acceptance
