// The rows of the suites' parameterised tables: how a row is named in the
// test listing, and printed with the ids of the rules it checks, which
// kit/spec_coverage reads (spec_rules.hpp).
//
// A file brings the printer into the namespace of its rows, where gtest
// looks for it:
//
//   namespace {
//   using acceptance::PrintTo;
//   struct BadBody { const char* name; ...; const char* rules; };
//   INSTANTIATE_TEST_SUITE_P(Bodies, BadBodyTest, testing::Values(...),
//                            CaseName<BadBody>);
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace acceptance {

// A row that sends one request: its method, and its path with the query.
struct RouteCase {
  const char* name;
  std::string method;
  std::string path;
  const char* rules;  // Ids separated by spaces.
};

// Prints a row that has a `name` and `rules` as "Name [ID ID]".
template <typename Case>
  requires requires(const Case& row) {
    row.name;
    row.rules;
  }
void PrintTo(const Case& row, std::ostream* out) {
  *out << row.name << " [" << row.rules << "]";
}

// The test name of a row, for INSTANTIATE_TEST_SUITE_P: its `name`.
template <typename Case>
std::string CaseName(const testing::TestParamInfo<Case>& param_info) {
  return param_info.param.name;
}

}  // namespace acceptance
