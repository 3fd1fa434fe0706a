// Stage 3 acceptance suite, search (ctest label `extras-search`): the q,
// email, min_age and max_age filters of GET /users, alone, together and
// with pagination, as guide/api-spec.md specifies them. The table's cases
// query a population of users of their own (list_query.hpp).
#include "list_query.hpp"

namespace acceptance {
namespace {

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
    QueryCaseName);

}  // namespace
}  // namespace acceptance
