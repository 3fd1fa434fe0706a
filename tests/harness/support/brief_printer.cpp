#include "brief_printer.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "failure_reason.hpp"

namespace acceptance {
namespace {

// "crud_test.cpp:78: REASON", or the reason alone when GoogleTest knows no
// place.
std::string PlacedReason(const testing::TestPartResult& result) {
  std::string place;
  if (result.file_name() != nullptr) {
    place = std::filesystem::path(result.file_name()).filename().string();
    if (result.line_number() > 0) place += ":" + std::to_string(result.line_number());
    place += ": ";
  }
  return place + FailureReason(result.message());
}

}  // namespace

void BriefPrinter::OnTestStart(const testing::TestInfo&) {
  in_test_ = true;
  failure_.clear();
  skip_reason_.clear();
}

void BriefPrinter::OnTestPartResult(const testing::TestPartResult& result) {
  if (result.skipped()) {
    if (skip_reason_.empty()) skip_reason_ = FailureReason(result.message());
    return;
  }
  if (!result.failed()) return;
  // A failure outside any test (a suite's set-up, say) has no test line
  // to follow.
  if (!in_test_) {
    std::cout << "failure outside a test: " << PlacedReason(result) << std::endl;
    return;
  }
  if (failure_.empty()) failure_ = PlacedReason(result);
}

void BriefPrinter::OnTestEnd(const testing::TestInfo& test) {
  in_test_ = false;
  const testing::TestResult& result = *test.result();
  const bool alone = testing::UnitTest::GetInstance()->test_to_run_count() == 1;
  const std::string name = std::string(test.test_suite_name()) + "." + test.name();
  if (result.Failed()) {
    std::cout << "    " << (alone ? "" : name + ": ") << failure_ << std::endl;
  } else if (result.Skipped()) {
    std::cout << "[  SKIPPED ] " << (alone ? "" : name + ": ") << skip_reason_ << std::endl;
  }
}

void BriefPrinter::OnTestIterationEnd(const testing::UnitTest& unit_test, int) {
  if (unit_test.test_to_run_count() <= 1) return;
  std::cout << unit_test.failed_test_count() << " of " << unit_test.test_to_run_count()
            << " tests failed, " << unit_test.skipped_test_count() << " skipped" << std::endl;
}

void UseBriefOutputIfAsked() {
  const char* output = std::getenv("USER_API_OUTPUT");
  if (output == nullptr || std::string_view(output) != "brief") return;
  testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
  delete listeners.Release(listeners.default_result_printer());
  listeners.Append(new BriefPrinter);
}

}  // namespace acceptance
