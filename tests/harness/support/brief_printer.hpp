// The brief output of a suite, which the workspace's default ctest preset
// asks for with USER_API_OUTPUT=brief: ctest already prints a line per
// test, so the suite adds only the reason of a failing test, on one line.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace acceptance {

// Prints nothing for a passing test; for a failing one, one line with the
// file:line and reason (FailureReason) of its first failure, after the
// test's name when the program runs more than one test; for a skipped one,
// "[  SKIPPED ] " and why, which ctest's gtest_discover_tests reads to
// count the test as skipped. A program that runs more than one test ends
// with a line of counts.
class BriefPrinter : public testing::EmptyTestEventListener {
 public:
  void OnTestStart(const testing::TestInfo& test) override;
  void OnTestPartResult(const testing::TestPartResult& result) override;
  void OnTestEnd(const testing::TestInfo& test) override;
  void OnTestIterationEnd(const testing::UnitTest& unit_test, int iteration) override;

 private:
  bool in_test_ = false;
  // The first failure of the current test, as printed.
  std::string failure_;
  std::string skip_reason_;
};

// When the environment variable USER_API_OUTPUT is "brief", replaces
// GoogleTest's printer with a BriefPrinter; otherwise changes nothing.
// Call after testing::InitGoogleTest.
void UseBriefOutputIfAsked();

}  // namespace acceptance
