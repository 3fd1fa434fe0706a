// Unit tests of the validation rules of a body, apart from HTTP: built
// against stage 2 and against stage 3, whose rules are the same.
#include "service/user_validator.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "failing_fields.hpp"
#include "domain/api_error.hpp"

namespace user_api {
namespace {

using nlohmann::json;

// The fields a create body fails on, in order; empty when it is valid.
std::vector<std::string> FailingFields(const json& body) {
  return FailingFieldsOf([&] { ValidateNewUser(body); });
}

json Valid() { return {{"name", "Ada"}, {"email", "ada@example.test"}, {"age", 36}}; }

json With(const char* field, json value) {
  json body = Valid();
  body[field] = std::move(value);
  return body;
}

TEST(UserValidatorTest, AcceptsAValidBodyAndNormalisesIt) {
  const NewUser user = ValidateNewUser(
      {{"name", " \tAda Lovelace\n"}, {"email", " Ada@Example.TEST "}, {"age", nullptr}});
  EXPECT_EQ(user.name, "Ada Lovelace");
  EXPECT_EQ(user.email, "ada@example.test");
  EXPECT_FALSE(user.age.has_value());
}

TEST(UserValidatorTest, CountsNameLengthInCodePoints) {
  std::string name;
  for (int i = 0; i < 100; ++i) name += "\u00e9";  // Two bytes each.
  EXPECT_TRUE(FailingFields(With("name", name)).empty());
  EXPECT_EQ(FailingFields(With("name", name + "e")), std::vector<std::string>{"name"});
}

struct RuleCase {
  const char* name;
  json body;
  std::vector<std::string> fields;
};

void PrintTo(const RuleCase& value, std::ostream* out) { *out << value.name; }

class UserValidatorRuleTest : public testing::TestWithParam<RuleCase> {};

TEST_P(UserValidatorRuleTest, ReportsEveryFailingField) {
  EXPECT_EQ(FailingFields(GetParam().body), GetParam().fields);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, UserValidatorRuleTest,
    testing::Values(
        RuleCase{"Valid", Valid(), {}},
        RuleCase{"NotAnObject", json::array({1}), {""}},
        RuleCase{"NameMissing", {{"email", "a@b.c"}}, {"name"}},
        RuleCase{"NameBlank", With("name", "   "), {"name"}},
        RuleCase{"NameControl", With("name", "A\x01"), {"name"}},
        RuleCase{"NameC1Control", With("name", "A\u0085"), {"name"}},
        RuleCase{"NameNotString", With("name", 7), {"name"}},
        RuleCase{"EmailShortDomainOk", With("email", "a@b.c"), {}},
        RuleCase{"EmailNoAt", With("email", "ab.c"), {"email"}},
        RuleCase{"EmailTwoAts", With("email", "a@b@c.d"), {"email"}},
        RuleCase{"EmailOneLabel", With("email", "a@localhost"), {"email"}},
        RuleCase{"EmailEmptyLabel", With("email", "a@b..c"), {"email"}},
        RuleCase{"EmailHyphenEdge", With("email", "a@b-.c"), {"email"}},
        RuleCase{"EmailTrailingDot", With("email", "a@b.c."), {"email"}},
        RuleCase{"EmailLocal64Ok", With("email", std::string(64, 'a') + "@b.c"), {}},
        RuleCase{"EmailLocal65", With("email", std::string(65, 'a') + "@b.c"), {"email"}},
        RuleCase{"EmailSpace", With("email", "a b@c.d"), {"email"}},
        RuleCase{"AgeBounds", With("age", 150), {}},
        RuleCase{"AgeNegative", With("age", -1), {"age"}},
        RuleCase{"AgeTooOld", With("age", 151), {"age"}},
        RuleCase{"AgeBool", With("age", true), {"age"}},
        RuleCase{"AgeFloat", With("age", 30.0), {"age"}},
        RuleCase{"AgeString", With("age", "30"), {"age"}},
        RuleCase{"AgeHuge", With("age", 9223372036854775808ULL), {"age"}},
        RuleCase{"ServerField", With("id", 1), {"id"}},
        RuleCase{"AllWrongInContractOrder",
                 {{"zeta", 1}, {"age", 200}, {"email", "x"}, {"name", ""}, {"alpha", 2}},
                 {"name", "email", "age", "alpha", "zeta"}}),
    [](const testing::TestParamInfo<RuleCase>& param_info) { return param_info.param.name; });

TEST(UserValidatorTest, PatchKeepsAbsentFieldsAndClearsNullAge) {
  const UserPatch empty = ValidateUserPatch(json::object());
  EXPECT_TRUE(empty.empty());
  const UserPatch clear = ValidateUserPatch({{"age", nullptr}});
  ASSERT_TRUE(clear.age.has_value());
  EXPECT_FALSE(clear.age->has_value());
  EXPECT_FALSE(clear.name.has_value());
}

TEST(UserValidatorTest, PatchRefusesNullNameAndEmail) {
  try {
    ValidateUserPatch({{"name", nullptr}, {"email", nullptr}});
    FAIL() << "a patch that clears name and email should be refused";
  } catch (const ApiError& error) {
    ASSERT_EQ(error.field_errors().size(), 2u);
    EXPECT_EQ(error.field_errors()[0].field, "name");
    EXPECT_EQ(error.field_errors()[1].field, "email");
  }
}

}  // namespace
}  // namespace user_api
