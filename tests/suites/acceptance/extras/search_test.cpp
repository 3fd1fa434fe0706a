// Stage 3 acceptance suite, search (ctest label `extras-search`): the q,
// email, min_age and max_age filters of GET /users, alone, together and
// with pagination, as guide/api-spec.md specifies them. The table's cases
// query a population of users of their own (list_query.hpp).
#include <cstdint>
#include <string>
#include <vector>

#include "list_query.hpp"
#include "text.hpp"

namespace acceptance {
namespace {

class SearchTest : public ListQueryTest {};
class SqliteSearchTest : public OnSqlite<SearchTest> {};

// Six bad parameters at once, sent in the reverse order: one entry each, in
// the spec's order of the parameters, whatever the order of the query.
using ErrorsOrderSearchTest = AcceptanceTest;

SPEC_TEST_F(ErrorsOrderSearchTest, EveryBadParameterIsListedInTheSpecsOrder,
            "ERR-11 ERR-12 QUERY-6") {
  const Exchange refused =
      api().Get("/users?max_age=151&min_age=x&email=%FF&q=%C0%80&offset=-1&limit=0");
  EXPECT_HTTP(HasProblem(refused, 422));
  EXPECT_HTTP(HasErrorFields(refused, {"limit", "offset", "q", "email", "min_age", "max_age"}));
}

// The population's ages are 20, 30, null, 40 and 30 (kPeople).
const std::vector<QueryCase>& FilterCases() {
  static const std::vector<QueryCase> cases = Concat({
      {
          Listed("QMatchesNameOrEmail", "FILTER-1", "q=$T", {0, 1, 2, 3, 4}),
          Listed("QIgnoresAsciiCase", "FILTER-1", "q=$TU", {0, 1, 2, 3, 4}),
          Listed("QMatchesASubstringOfTheName", "FILTER-1 CONV-12", "q=alice+$T", {0}),
          Listed("QMatchesASubstringOfTheEmail", "FILTER-1 CONV-12", "q=eve-$T%40example", {4}),
          Listed("QWithPercentEncodedSpaceAndOtherCase", "FILTER-1 CONV-12", "q=ALICE%20$TU", {0}),
          Listed("QWithNonAsciiLetter", "FILTER-1", "q=$T+(zo%C3%AB", {0}),
          Listed("QWithNonAsciiLetterAndOtherAsciiCase", "FILTER-1", "q=$TU+(ZO%C3%AB", {0}),
          // Ë is ë in capitals, which only a Unicode case folding matches.
          Listed("QFoldsOnlyAsciiLetters", "FILTER-1", "q=$T+(zo%C3%8B", {}),
          Listed("QTakesPercentAndUnderscoreLiterally", "FILTER-1", "q=$T%25", {}),
          Listed("QTakesUnderscoreLiterally", "FILTER-1", "q=b_b-$T", {}),
          Listed("QTakesAPlusSignLiterally", "FILTER-1 CONV-12", "q=$T+(Zo%C3%AB+%26+co.)+1%2B1",
                 {0}),
          Listed("EmptyQKeepsEveryone", "FILTER-2 FILTER-7", "q=&email=bob-$T%40example.test", {1}),
          Listed("EmailMatchesExactlyIgnoringCase", "FILTER-3", "email=BOB-$TU%40Example.TEST",
                 {1}),
          Listed("EmailIsNotASubstringMatch", "FILTER-3 FILTER-4", "email=bob-$T", {}),
          Listed("EmailIsNotAPrefixMatch", "FILTER-3", "email=bob-$T%40example.tes", {}),
          Listed("EmailIsNotTrimmed", "FILTER-4 CONV-12", "email=+bob-$T%40example.test", {}),
          Listed("EmailThatIsNoEmailMatchesNobody", "FILTER-4", "email=$T", {}),
          Listed("EmailTakesPercentLiterally", "FILTER-3", "email=bob-$T%25example.test", {}),
          Listed("MinAgeIsInclusive", "FILTER-5", "q=$T&min_age=30", {1, 3, 4}),
          Listed("MaxAgeIsInclusive", "FILTER-6", "q=$T&max_age=30", {0, 1, 4}),
          Listed("MinAgeEqualToMaxAge", "FILTER-5 FILTER-6 FILTER-7 QUERY-3",
                 "q=$T&min_age=30&max_age=30", {1, 4}),
          Listed("MinAge0EqualToMaxAge0", "QUERY-3", "q=$T&min_age=0&max_age=0", {}),
          Listed("MinAge150EqualToMaxAge150", "QUERY-3", "q=$T&min_age=150&max_age=150", {}),
          Listed("NullAgeNeverPassesMinAge0", "FILTER-5 FILTER-9", "q=$T&min_age=0", {0, 1, 3, 4}),
          Listed("MinAge1", "FILTER-5", "q=$T&min_age=1", {0, 1, 3, 4}),
          Listed("MinAge149", "FILTER-5", "q=$T&min_age=149", {}),
          Listed("MinAge150", "FILTER-5", "q=$T&min_age=150", {}),
          Listed("MaxAge0", "FILTER-6", "q=$T&max_age=0", {}),
          Listed("MaxAge1", "FILTER-6", "q=$T&max_age=1", {}),
          Listed("MaxAge149", "FILTER-6 FILTER-9", "q=$T&max_age=149", {0, 1, 3, 4}),
          Listed("NullAgeNeverPassesMaxAge150", "FILTER-6 FILTER-9", "q=$T&max_age=150",
                 {0, 1, 3, 4}),
          Listed("AgeWithLeadingZeros", "QUERY-1 FILTER-5", "q=$T&min_age=040", {3}),
          Listed("MaxAgeWithLeadingZeros", "QUERY-1 FILTER-6", "q=$T&max_age=0020", {0}),
          Listed("UnknownParameterIsIgnored", "CONV-11", "q=$T&sort=name", {0, 1, 2, 3, 4}),
          Listed("UnknownParameterWithABadValueIsIgnored", "CONV-11", "q=$T&page=%FF&size=-1",
                 {0, 1, 2, 3, 4}),
          Listed("RepeatedUnknownParameterIsIgnored", "CONV-11", "q=$T&tag=a&tag=b",
                 {0, 1, 2, 3, 4}),
          // Names are case-sensitive: LIMIT is not limit.
          Listed("ParameterNameInOtherCaseIsUnknown", "CONV-11", "q=$T&LIMIT=0&Min_Age=999",
                 {0, 1, 2, 3, 4}),
          Listed("AllFiltersCombine", "FILTER-7", "q=$T&email=bob-$T%40example.test&min_age=31",
                 {}),
          Listed("AllFiltersCombineToOne", "FILTER-7",
                 "q=bob&email=bob-$T%40example.test&min_age=30&max_age=30", {1}),
          Listed("QAndAgeCombine", "FILTER-7", "q=$T&min_age=25&max_age=35", {1, 4}),
          Listed("FiltersCombineWithPaginationFirstPage", "FILTER-8 PAGE-5 LINK-6",
                 "max_age=30&q=$T&limit=2", {0, 1},
                 R"(</users?limit=2&offset=2&q=$T&max_age=30>; rel="next")", 3),
          Listed("FiltersCombineWithPaginationLastPage", "FILTER-8 PAGE-5 LINK-6",
                 "q=$T&max_age=30&limit=2&offset=2", {4},
                 R"(</users?limit=2&offset=0&q=$T&max_age=30>; rel="prev")", 3),
          OnTrailingSlash(Listed(
              "FiltersCombineWithPagination", "FILTER-8 PAGE-5 LINK-7",
              "q=$T&min_age=30&limit=1&offset=1", {3},
              R"(</users?limit=1&offset=2&q=$T&min_age=30>; rel="next", </users?limit=1&offset=0&q=$T&min_age=30>; rel="prev")",
              3)),
          Refused("MinAgeAboveMaxAgeIsReportedOnMinAge", "QUERY-3 QUERY-7 QUERY-6",
                  "min_age=41&max_age=40", {"min_age"}),
          Refused("MinAge1AboveMaxAge0", "QUERY-3 QUERY-7", "min_age=1&max_age=0", {"min_age"}),
          Refused("MinAge150AboveMaxAge149", "QUERY-3 QUERY-7", "min_age=150&max_age=149",
                  {"min_age"}),
          Refused("MinAge151", "FILTER-5 QUERY-2 QUERY-6", "min_age=151", {"min_age"}),
          Refused("MaxAge151", "FILTER-6 QUERY-2 QUERY-6", "max_age=151", {"max_age"}),
          Refused("MinAge151WithLeadingZeros", "FILTER-5 QUERY-2", "min_age=0151", {"min_age"}),
          Refused("MinAge151AboveMaxAge150", "QUERY-2 QUERY-6", "min_age=151&max_age=150",
                  {"min_age"}),
          Refused("QRepeated", "QUERY-4 QUERY-6", "q=a&q=b", {"q"}),
          Refused("QRepeatedEmpty", "QUERY-4", "q=&q=", {"q"}),
          Refused("EmailRepeated", "QUERY-4 QUERY-6", "email=a%40b.c&email=a%40b.c", {"email"}),
          Refused("MinAgeRepeated", "QUERY-4 QUERY-6", "min_age=1&min_age=1", {"min_age"}),
          Refused("MaxAgeRepeated", "QUERY-4 QUERY-6", "max_age=1&max_age=2", {"max_age"}),
          Refused("EveryParameterWrongInSpecOrder", "QUERY-2 QUERY-5 QUERY-6",
                  "max_age=x&min_age=x&email=%FF&q=%FF&offset=-1&limit=0",
                  {"limit", "offset", "q", "email", "min_age", "max_age"}),
          Refused("EveryParameterRepeatedInSpecOrder", "QUERY-4 QUERY-6",
                  "max_age=1&min_age=1&email=a&q=a&offset=1&limit=1&"
                  "max_age=1&min_age=1&email=a&q=a&offset=1&limit=1",
                  {"limit", "offset", "q", "email", "min_age", "max_age"}),
          OnTrailingSlash(
              Refused("MinAgeAboveMaxAge", "QUERY-3", "min_age=2&max_age=1", {"min_age"})),
      },
      MalformedIntegers("min_age", "MinAge"),
      MalformedIntegers("max_age", "MaxAge"),
      NotUtf8("q", "Q"),
      NotUtf8("email", "Email"),
  });
  return cases;
}

// Each case cites its own rules.
TEST_P(SearchTest, AnswersAsSpecified) { RunCase(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Filters, SearchTest, testing::ValuesIn(FilterCases()), QueryCaseName);

TEST_P(SqliteSearchTest, AnswersAsSpecified) { RunCase(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Filters, SqliteSearchTest, testing::ValuesIn(ListedOnly(FilterCases())),
                         QueryCaseName);

// Users aged 0, 1, 149 and 150: the age filters keep the ends of the range.
void ExpectAgeFiltersAtTheEndsOfTheRange(const ApiClient& api, const std::string& tag) {
  std::vector<std::int64_t> ids;
  for (int age : {0, 1, 149, 150}) {
    const Exchange created =
        api.Post("/users", {{"name", "Aged " + tag}, {"email", UniqueEmail("aged")}, {"age", age}});
    ASSERT_HTTP(HasStatus(created, 201));
    ids.push_back(IdOf(created));
  }
  const struct {
    const char* filter;
    std::vector<std::int64_t> expected;
  } cases[] = {
      {"min_age=0", ids},
      {"min_age=1", {ids[1], ids[2], ids[3]}},
      {"min_age=149", {ids[2], ids[3]}},
      {"min_age=150", {ids[3]}},
      {"max_age=0", {ids[0]}},
      {"max_age=1", {ids[0], ids[1]}},
      {"max_age=149", {ids[0], ids[1], ids[2]}},
      {"max_age=150", ids},
      {"min_age=0&max_age=0", {ids[0]}},
      {"min_age=150&max_age=150", {ids[3]}},
      {"min_age=1&max_age=149", {ids[1], ids[2]}},
  };
  for (const auto& c : cases) {
    const Exchange answer = api.Get("/users?q=" + tag + "&" + c.filter);
    ASSERT_HTTP(HasStatus(answer, 200));
    const std::vector<std::int64_t> listed = IdsOf(answer.Json());
    EXPECT_HTTP(Holds(answer, listed == c.expected,
                      std::string("with ") + c.filter + " the users " + Join(c.expected) +
                          ", got " + Join(listed)));
    EXPECT_HTTP(HasHeader(answer, "X-Total-Count", std::to_string(c.expected.size())));
  }
}

SPEC_TEST_F(SearchTest, AgeFiltersKeepTheEndsOfTheRange, "FILTER-5 FILTER-6") {
  ExpectAgeFiltersAtTheEndsOfTheRange(api(), UniqueTag("aged"));
}

SPEC_TEST_F(SqliteSearchTest, AgeFiltersKeepTheEndsOfTheRange, "FILTER-5 FILTER-6") {
  ExpectAgeFiltersAtTheEndsOfTheRange(api(), UniqueTag("aged"));
}

// A stored non-ASCII letter matches only in its own case, while the ASCII
// letters around it match in any.
void ExpectOnlyAsciiLettersFold(const ApiClient& api, const std::string& tag) {
  const Exchange created = api.Post(
      "/users", {{"name", "Zo\u00eb " + tag}, {"email", "zo\u00eb-" + tag + "@example.test"}});
  ASSERT_HTTP(HasStatus(created, 201));
  const std::vector<std::int64_t> one = {IdOf(created)};
  const std::string upper = Upper(tag);
  const struct {
    std::string query;
    std::vector<std::int64_t> expected;
  } cases[] = {
      {"email=ZO%C3%AB-" + upper + "%40EXAMPLE.test", one},
      {"email=zo%C3%8B-" + tag + "%40example.test", {}},
      {"email=ZO%C3%8B-" + upper + "%40example.test", {}},
      {"q=ZO%C3%AB-" + upper, one},
      {"q=zo%C3%8B-" + tag, {}},
      {"q=%C3%8B+" + tag, {}},
  };
  for (const auto& c : cases) {
    const Exchange answer = api.Get("/users?" + c.query);
    ASSERT_HTTP(HasStatus(answer, 200));
    const std::vector<std::int64_t> listed = IdsOf(answer.Json());
    EXPECT_HTTP(
        Holds(answer, listed == c.expected,
              "the users " + Join(c.expected) + " (only A-Z and a-z fold), got " + Join(listed)));
  }
}

SPEC_TEST_F(SearchTest, OnlyAsciiLettersFoldInQAndEmail, "FILTER-1 FILTER-3") {
  ExpectOnlyAsciiLettersFold(api(), UniqueTag("fold"));
}

SPEC_TEST_F(SqliteSearchTest, OnlyAsciiLettersFoldInQAndEmail, "FILTER-1 FILTER-3") {
  ExpectOnlyAsciiLettersFold(api(), UniqueTag("fold"));
}

SPEC_TEST_F(SearchTest, TotalsAndLinksFollowChanges,
            "PAGE-5 LINK-2 LINK-3 FILTER-1 FILTER-3 FILTER-5 FILTER-6 FILTER-9") {
  ListsFollowChanges();
}

SPEC_TEST_F(SqliteSearchTest, TotalsAndLinksFollowChanges,
            "PAGE-5 LINK-2 LINK-3 FILTER-1 FILTER-3 FILTER-5 FILTER-6 FILTER-9") {
  ListsFollowChanges();
}

}  // namespace
}  // namespace acceptance
