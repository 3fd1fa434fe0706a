// The report of scripts/check, read from the suites' GoogleTest JSON
// results (--gtest_output=json:):
//   check_report skipped RESULTS.json
//     prints the GoogleTest filter of the tests RESULTS.json says were
//     skipped (Suite.Test:Suite.Test...), or nothing: those a run by
//     USER_API_URL skips because they need a server of their own;
//   check_report summary SUITES RESULTS_DIR RERUN
//     prints one progress bar per stage, then the first three failing
//     tests, each with its reason on one line and the command that runs it
//     alone (RERUN, then "<suite>_suite --gtest_filter='<test>'").
//     SUITES has a line "<suite> <stage>" per public suite, in the order
//     of the stages. RESULTS_DIR/<suite>/ holds the runs of a suite: each
//     NAME.log with its NAME.json (none when the run ended without one),
//     "url" (by URL, every test) and "fresh-<i>" (shard i of a run with a
//     server per test, whose results replace the url run's), and "notes",
//     lines printed as they are. Exits 0 when every test that ran passed
//     and every run wrote its results, 1 otherwise, 2 on a misuse.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "failure_reason.hpp"

namespace check {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kBarWidth = 30;
constexpr std::size_t kFailuresShown = 3;

enum class Outcome { kPassed, kFailed, kSkipped };

struct TestResult {
  std::string name;  // Suite.Test, as --gtest_filter takes it.
  Outcome outcome = Outcome::kPassed;
  std::string reason;  // "file:line: reason" of the first failure.
};

struct SuiteResults {
  std::string suite;
  int stage = 0;
  std::vector<TestResult> tests;  // In the suite's order.
  std::vector<std::string> missing_runs;  // Runs that wrote no results.
  std::vector<std::string> notes;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "crud_test.cpp:78: REASON" from a failure's text, "FILE:LINE\nMESSAGE".
std::string PlacedReason(const std::string& failure) {
  const std::size_t newline = failure.find('\n');
  const std::string place = fs::path(failure.substr(0, newline)).filename().string();
  const std::string message = newline == std::string::npos ? "" : failure.substr(newline + 1);
  return place + ": " + acceptance::FailureReason(message);
}

// The tests of one run, in its order. Throws on a file that is not
// GoogleTest's JSON.
std::vector<TestResult> ReadRun(const fs::path& path) {
  const json report = json::parse(ReadFile(path));
  std::vector<TestResult> tests;
  for (const json& suite : report.at("testsuites")) {
    for (const json& test : suite.at("testsuite")) {
      if (test.value("status", "RUN") != "RUN") continue;  // Disabled.
      TestResult result;
      result.name = suite.at("name").get<std::string>() + "." + test.at("name").get<std::string>();
      if (test.value("result", "") == "SKIPPED") {
        result.outcome = Outcome::kSkipped;
      } else if (test.contains("failures") && !test.at("failures").empty()) {
        result.outcome = Outcome::kFailed;
        result.reason = PlacedReason(test.at("failures").at(0).value("failure", ""));
      }
      tests.push_back(std::move(result));
    }
  }
  return tests;
}

// The runs of one suite merged: the url run's order, its skipped tests
// replaced by their results with a server each. GoogleTest deals the tests
// to shards in turn, so taking one from each shard in turn restores the
// order of a suite that ran in shards only.
SuiteResults ReadSuite(const fs::path& dir, const std::string& suite, int stage) {
  SuiteResults results{suite, stage, {}, {}, {}};
  auto read = [&](const std::string& run) -> std::vector<TestResult> {
    const fs::path json_path = dir / (run + ".json");
    if (!fs::exists(json_path)) {
      results.missing_runs.push_back((dir / (run + ".log")).string());
      return {};
    }
    return ReadRun(json_path);
  };
  if (fs::exists(dir / "url.log")) results.tests = read("url");
  std::vector<std::vector<TestResult>> shards;
  for (int shard = 0; fs::exists(dir / ("fresh-" + std::to_string(shard) + ".log")); ++shard) {
    shards.push_back(read("fresh-" + std::to_string(shard)));
  }
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < results.tests.size(); ++i) index[results.tests[i].name] = i;
  for (std::size_t turn = 0;; ++turn) {
    bool any = false;
    for (std::vector<TestResult>& shard : shards) {
      if (turn >= shard.size()) continue;
      any = true;
      TestResult& test = shard[turn];
      if (const auto found = index.find(test.name); found != index.end()) {
        results.tests[found->second] = std::move(test);
      } else {
        index[test.name] = results.tests.size();
        results.tests.push_back(std::move(test));
      }
    }
    if (!any) break;
  }
  std::ifstream notes(dir / "notes");
  for (std::string line; std::getline(notes, line);) results.notes.push_back(line);
  return results;
}

int Count(const std::vector<const SuiteResults*>& suites, Outcome outcome) {
  int count = 0;
  for (const SuiteResults* suite : suites) {
    count += static_cast<int>(std::count_if(suite->tests.begin(), suite->tests.end(),
                                            [&](const TestResult& t) { return t.outcome == outcome; }));
  }
  return count;
}

std::string Bar(int passed, int total) {
  const int full = total == 0 ? 0 : passed * kBarWidth / total;
  return "[" + std::string(full, '#') + std::string(kBarWidth - full, '.') + "]";
}

int Skipped(const std::string& results_path) {
  std::string filter;
  for (const TestResult& test : ReadRun(results_path)) {
    if (test.outcome != Outcome::kSkipped) continue;
    if (!filter.empty()) filter += ':';
    filter += test.name;
  }
  std::cout << filter << '\n';
  return 0;
}

int Summary(const fs::path& suites_file, const fs::path& results_dir, const std::string& rerun) {
  std::vector<SuiteResults> suites;
  std::ifstream list(suites_file);
  std::string suite;
  for (int stage; list >> suite >> stage;) {
    suites.push_back(ReadSuite(results_dir / suite, suite, stage));
  }
  if (suites.empty()) {
    std::cerr << "check_report: " << suites_file.string() << " names no suite\n";
    return 2;
  }
  std::map<int, std::vector<const SuiteResults*>> stages;
  for (const SuiteResults& s : suites) stages[s.stage].push_back(&s);

  for (const SuiteResults& s : suites) {
    for (const std::string& note : s.notes) std::cout << note << '\n';
  }
  int failed = 0;
  int ran = 0;
  for (const auto& [stage, members] : stages) {
    const int passed = Count(members, Outcome::kPassed);
    const int failing = Count(members, Outcome::kFailed);
    const int skipped = Count(members, Outcome::kSkipped);
    failed += failing;
    ran += passed + failing;
    std::string parts;
    for (const SuiteResults* member : members) {
      if (!parts.empty()) parts += ", ";
      parts += member->suite + " " + std::to_string(Count({member}, Outcome::kPassed)) + " of " +
               std::to_string(Count({member}, Outcome::kPassed) + Count({member}, Outcome::kFailed));
    }
    if (skipped > 0) parts += " (" + std::to_string(skipped) + " skipped)";
    char counts[32];
    std::snprintf(counts, sizeof counts, "%4d of %-4d", passed, passed + failing);
    std::cout << "stage " << stage << "  " << Bar(passed, passed + failing) << ' ' << counts << "  "
              << parts << '\n';
  }

  bool incomplete = false;
  for (const SuiteResults& s : suites) {
    for (const std::string& log : s.missing_runs) {
      incomplete = true;
      std::cout << s.suite << "_suite ended without its results (crashed or was stopped): see " << log
                << '\n';
    }
  }
  if (failed == 0) {
    if (!incomplete) std::cout << "All " << ran << " tests pass.\n";
    return incomplete ? 1 : 0;
  }
  std::cout << failed << " of " << ran << " tests fail; the first "
            << std::min<std::size_t>(kFailuresShown, static_cast<std::size_t>(failed)) << ":\n";
  std::size_t shown = 0;
  for (const SuiteResults& s : suites) {
    for (const TestResult& test : s.tests) {
      if (test.outcome != Outcome::kFailed || shown == kFailuresShown) continue;
      ++shown;
      std::cout << "  " << s.suite << ": " << test.name << '\n'
                << "      " << test.reason << '\n'
                << "      in full: " << rerun << s.suite << "_suite --gtest_filter='" << test.name
                << "'\n";
    }
  }
  return 1;
}

}  // namespace
}  // namespace check

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 2 && args[0] == "skipped") return check::Skipped(args[1]);
    if (args.size() == 4 && args[0] == "summary") return check::Summary(args[1], args[2], args[3]);
  } catch (const std::exception& error) {
    std::cerr << "check_report: " << error.what() << '\n';
    return 2;
  }
  std::cerr << "usage: check_report skipped RESULTS.json\n"
               "       check_report summary SUITES RESULTS_DIR RERUN\n";
  return 2;
}
