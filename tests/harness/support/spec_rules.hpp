// Which rules of guide/api-spec.md each acceptance test checks.
//
// Every rule of the spec has an id ([PAGE-4]); every acceptance test names
// the ids it checks, and kit/spec_coverage (tests/tools/spec_coverage) fails
// when a rule that a stage must implement has no test run against that
// stage, or when a test names an id the spec does not have.
//
//   SPEC_TEST_F(UsersCrudTest, CreateSetsLocation, "CREATE-2") { ... }
//   SPEC_TEST_P(ErrorsCreateTest, AnswersAsSpecified, "ERR-5") { ... }
//
// are TEST_F and TEST_P that also record their ids. A parameterised test's
// cases add their own: when a case's printed value (its PrintTo, which
// gtest shows as "GetParam() = ...") ends in "[ID ID ...]", those ids count
// for that case too, so each row of a table says which rule it checks:
//
//   void PrintTo(const CreateCase& c, std::ostream* out) {
//     *out << c.name << " [" << c.rules << "]";
//   }
//
// With USER_API_LIST_RULES=FILE in its environment, a suite contacts no
// server and runs no test: it writes one JSON object per test to FILE,
// {"test":"Prefix/Suite.Name/Case","rules":["ID",...]} (the name as
// --gtest_filter takes it), and exits with code 0.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace acceptance {

// Records that the tests of `fixture`.`test` (every case, for TEST_P) check
// `rules`. Each element holds one id or several separated by spaces. Returns
// true, so that a namespace-scope constant can hold the call.
bool RegisterSpecRules(std::string_view fixture, std::string_view test,
                       std::initializer_list<std::string_view> rules);

// Writes every registered test's ids to `path`, as USER_API_LIST_RULES
// describes; false when the file cannot be written. Call after
// testing::InitGoogleTest, which registers the parameterised tests.
bool WriteSpecRules(const std::string& path);

}  // namespace acceptance

#define KIT_SPEC_RULES_(fixture, test, ...)                                       \
  [[maybe_unused]] static const bool kit_spec_rules_##fixture##_##test##_ =      \
      ::acceptance::RegisterSpecRules(#fixture, #test, {__VA_ARGS__})

#define SPEC_TEST(suite, test, ...)    \
  KIT_SPEC_RULES_(suite, test, __VA_ARGS__); \
  TEST(suite, test)
#define SPEC_TEST_F(fixture, test, ...)    \
  KIT_SPEC_RULES_(fixture, test, __VA_ARGS__); \
  TEST_F(fixture, test)
#define SPEC_TEST_P(fixture, test, ...)    \
  KIT_SPEC_RULES_(fixture, test, __VA_ARGS__); \
  TEST_P(fixture, test)
