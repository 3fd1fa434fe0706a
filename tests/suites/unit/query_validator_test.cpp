// Unit tests of stage 3's rules for the query of GET /users, apart from
// HTTP: every numeric limit at limit - 1, limit and limit + 1, and the
// order in which failures are listed.
#include "service/query_validator.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/user_limits.hpp"
#include "failing_fields.hpp"

namespace user_api {
namespace {

QueryParameter Sent(std::string value) { return {std::move(value), ""}; }

std::vector<std::string> FailingParameters(const UserQueryParameters& parameters) {
  return FailingFieldsOf([&] { ValidateUserQuery(parameters); });
}

TEST(QueryValidatorTest, NothingSentGivesTheDefaults) {
  const UserQuery query = ValidateUserQuery({});
  EXPECT_EQ(query.limit, kDefaultPageSize);
  EXPECT_EQ(query.offset, 0u);
  EXPECT_FALSE(query.q || query.email || query.min_age || query.max_age);
}

struct LimitCase {
  const char* name;
  UserQueryParameters parameters;
  std::vector<std::string> failing;
};

void PrintTo(const LimitCase& value, std::ostream* out) { *out << value.name; }

class QueryValidatorLimitTest : public testing::TestWithParam<LimitCase> {};

TEST_P(QueryValidatorLimitTest, AcceptsInsideAndRefusesOutside) {
  EXPECT_EQ(FailingParameters(GetParam().parameters), GetParam().failing);
}

UserQueryParameters Limit(std::uint64_t n) { return {.limit = Sent(std::to_string(n))}; }
UserQueryParameters Offset(std::string n) { return {.offset = Sent(std::move(n))}; }
UserQueryParameters MinAge(int n) { return {.min_age = Sent(std::to_string(n))}; }
UserQueryParameters MaxAge(int n) { return {.max_age = Sent(std::to_string(n))}; }

INSTANTIATE_TEST_SUITE_P(
    Limits, QueryValidatorLimitTest,
    testing::Values(
        LimitCase{"LimitZero", Limit(0), {"limit"}},
        LimitCase{"LimitOne", Limit(1), {}},
        LimitCase{"LimitTwo", Limit(2), {}},
        LimitCase{"LimitBelowMax", Limit(kMaxPageSize - 1), {}},
        LimitCase{"LimitAtMax", Limit(kMaxPageSize), {}},
        LimitCase{"LimitAboveMax", Limit(kMaxPageSize + 1), {"limit"}},
        LimitCase{"OffsetZero", Offset("0"), {}},
        LimitCase{"OffsetAtMax", Offset(std::to_string(kMaxOffset)), {}},
        LimitCase{"OffsetAboveMax", Offset(std::to_string(kMaxOffset + 1)), {"offset"}},
        LimitCase{"OffsetPastUint64", Offset("18446744073709551616"), {"offset"}},
        LimitCase{"OffsetNegative", Offset("-1"), {"offset"}},
        LimitCase{"OffsetWithPlus", Offset("+1"), {"offset"}},
        LimitCase{"OffsetEmpty", Offset(""), {"offset"}},
        LimitCase{"OffsetWithSpace", Offset("1 "), {"offset"}},
        LimitCase{"MinAgeAtMin", MinAge(kMinAge), {}},
        LimitCase{"MinAgeAboveMin", MinAge(kMinAge + 1), {}},
        LimitCase{"MaxAgeBelowMax", MaxAge(kMaxAge - 1), {}},
        LimitCase{"MaxAgeAtMax", MaxAge(kMaxAge), {}},
        LimitCase{"MaxAgeAboveMax", MaxAge(kMaxAge + 1), {"max_age"}},
        LimitCase{"MinAgeAboveMax", MinAge(kMaxAge + 1), {"min_age"}}),
    [](const testing::TestParamInfo<LimitCase>& param) { return param.param.name; });

TEST(QueryValidatorTest, MinAgeMayEqualMaxAgeButNotExceedIt) {
  EXPECT_TRUE(FailingParameters({.min_age = Sent("30"), .max_age = Sent("30")}).empty());
  EXPECT_TRUE(FailingParameters({.min_age = Sent("29"), .max_age = Sent("30")}).empty());
  EXPECT_EQ(FailingParameters({.min_age = Sent("31"), .max_age = Sent("30")}),
            std::vector<std::string>{"min_age"});
}

TEST(QueryValidatorTest, ListsEveryFailureInTheContractsOrder) {
  const UserQueryParameters all_bad{.limit = Sent("0"),
                                    .offset = Sent("x"),
                                    .q = {std::nullopt, "must be valid UTF-8"},
                                    .email = {std::nullopt, "must be given at most once"},
                                    .min_age = Sent("151"),
                                    .max_age = Sent("-1")};
  EXPECT_EQ(FailingParameters(all_bad),
            (std::vector<std::string>{"limit", "offset", "q", "email", "min_age", "max_age"}));
}

TEST(QueryValidatorTest, AParametersOwnProblemIsItsMessage) {
  try {
    ValidateUserQuery({.limit = {std::nullopt, "must be given at most once"}});
    FAIL() << "a repeated limit was accepted";
  } catch (const ApiError& error) {
    ASSERT_EQ(error.field_errors().size(), 1u);
    EXPECT_EQ(error.field_errors()[0].message, "must be given at most once");
  }
}

TEST(QueryValidatorTest, TextFiltersPassAsSent) {
  const UserQuery query = ValidateUserQuery({.q = Sent(" Ada "), .email = Sent("A@B.example")});
  EXPECT_EQ(query.q, " Ada ");
  EXPECT_EQ(query.email, "A@B.example");
}

TEST(QueryValidatorTest, RangeMessagesQuoteTheLimits) {
  try {
    ValidateUserQuery(Limit(0));
    FAIL() << "limit=0 was accepted";
  } catch (const ApiError& error) {
    ASSERT_EQ(error.field_errors().size(), 1u);
    EXPECT_EQ(error.field_errors()[0].message,
              "must be an integer from 1 to " + std::to_string(kMaxPageSize));
  }
}

}  // namespace
}  // namespace user_api
