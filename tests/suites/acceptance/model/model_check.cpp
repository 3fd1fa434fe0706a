#include "model_check.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <iostream>
#include <random>
#include <sstream>

#include "model_runner.hpp"
#include "reproduce_command.hpp"
#include "shrink.hpp"
#include "target_server.hpp"

namespace acceptance::model {
namespace {

constexpr std::uint64_t kDefaultRuns = 20;
constexpr std::size_t kStepsPerSequence = 30;
constexpr int kShrinkReplays = 150;
constexpr auto kShrinkTime = std::chrono::seconds(30);

// A positive integer from the environment, `fallback` when unset; false
// (with `error`) when set to anything else.
bool NumberFromEnvironment(const char* name, std::uint64_t fallback, std::uint64_t& value,
                           std::string& error) {
  const char* text = std::getenv(name);
  value = fallback;
  if (!text || !*text) return true;
  char* end = nullptr;
  errno = 0;
  value = std::strtoull(text, &end, 10);
  if (*end != '\0' || errno != 0 || text[0] == '-' || (value == 0 && std::string(name) != "USER_API_SEED")) {
    error = std::string(name) + "=" + text + " is not a " +
            (std::string(name) == "USER_API_SEED" ? "decimal number" : "positive decimal number");
    return false;
  }
  return true;
}

std::uint64_t NewSeed() {
  std::random_device entropy;
  const auto now = static_cast<std::uint64_t>(
      std::chrono::system_clock::now().time_since_epoch().count());
  return ((static_cast<std::uint64_t>(entropy()) << 20) ^ now) % 1000000000000ULL;
}

// The command that replays `seed` with `runs` sequences in this test alone.
std::string ReplayCommand(std::uint64_t seed, std::uint64_t runs) {
  std::string command = "USER_API_SEED=" + std::to_string(seed) +
                        " USER_API_MODEL_RUNS=" + std::to_string(runs);
  if (const std::string url = SharedServerUrlFromEnvironment(); !url.empty()) {
    command += " USER_API_URL=" + url;
  } else if (const char* server = std::getenv("USER_API_SERVER")) {
    command += " USER_API_SERVER=" + std::string(server);
  }
  char exe[PATH_MAX] = {};
  const ssize_t length = readlink("/proc/self/exe", exe, sizeof exe - 1);
  const testing::TestInfo* test = testing::UnitTest::GetInstance()->current_test_info();
  command += " " + (length > 0 ? std::string(exe, static_cast<std::size_t>(length)) : "SUITE");
  if (test) command += " --gtest_filter='" + std::string(test->test_suite_name()) + "." + test->name() + "'";
  return command;
}

std::string Located(const SequenceRun& run, std::size_t steps) {
  const std::size_t index = run.failed_step;
  return index == steps ? "the listing after the last step"
                        : "step " + std::to_string(index + 1) + " of " + std::to_string(steps);
}

std::string Explained(const Mismatch& mismatch) {
  return "  check:    " + mismatch.check + "\n  expected: " + mismatch.expected +
         "\n  actual:   " + mismatch.actual + "\n";
}

// The steps of a failing run as curl commands, with the failing check
// after the request that broke it.
std::string AsCurl(const SequenceRun& run) {
  std::ostringstream out;
  for (std::size_t i = 0; i < run.steps.size(); ++i) {
    out << "  # " << i + 1 << ". " << run.steps[i].description << "\n";
    for (const Exchange& exchange : run.steps[i].exchanges) out << "  " << ReproduceCommand(exchange) << "\n";
  }
  if (run.mismatch) {
    out << "  #    expected " << run.mismatch->expected << "\n  #    got " << run.mismatch->actual
        << "\n";
  }
  return out.str();
}

}  // namespace

void CheckAgainstModel(const ApiClient& api, int stage) {
  std::string error;
  std::uint64_t seed = 0;
  std::uint64_t runs = 0;
  if (!NumberFromEnvironment("USER_API_SEED", NewSeed(), seed, error) ||
      !NumberFromEnvironment("USER_API_MODEL_RUNS", kDefaultRuns, runs, error)) {
    ADD_FAILURE() << error;
    return;
  }
  std::cout << "[  MODEL   ] seed " << seed << ": " << runs << " sequences of " << kStepsPerSequence
            << " steps under the stage " << stage << " rules; replay with "
            << ReplayCommand(seed, runs) << std::endl;
  testing::Test::RecordProperty("model_seed", std::to_string(seed));

  for (std::uint64_t i = 0; i < runs; ++i) {
    const std::uint64_t sequence_seed = seed + i;
    const std::vector<Operation> ops = GenerateOperations(sequence_seed, stage, kStepsPerSequence);
    const SequenceRun run = RunSequence(api, stage, ops);
    if (!run.mismatch) continue;

    // Shrink what led to the failure: the steps up to the failing one.
    const std::vector<Operation> prefix(
        ops.begin(), ops.begin() + std::min(ops.size(), run.failed_step + 1));
    const std::string signature = run.Signature();
    SequenceRun shortest = run;
    int budget = kShrinkReplays;
    const int replays_allowed = budget;
    const auto deadline = std::chrono::steady_clock::now() + kShrinkTime;
    const std::vector<Operation> shrunk = Shrink(
        prefix,
        [&](const std::vector<Operation>& candidate) {
          if (std::chrono::steady_clock::now() > deadline) return false;
          SequenceRun replay = RunSequence(api, stage, candidate);
          if (replay.Signature() != signature) return false;
          shortest = std::move(replay);
          return true;
        },
        budget);

    const Mismatch& first = *run.mismatch;
    ADD_FAILURE()
        << "The server's answer differs from the stage " << stage
        << " model of guide/api-spec.md.\n"
        << "Seed " << seed << ", sequence " << i + 1 << " of " << runs << " (its own seed "
        << sequence_seed << "), " << Located(run, ops.size()) << ": "
        << run.steps.back().description << "\n"
        << Explained(first) << Describe(first.exchange) << "\n"
        << "Shortest failing sequence found: " << shrunk.size() << " of the "
        << prefix.size() << " steps that led to it (" << replays_allowed - budget
        << " replays, each with new users). As curl commands against " << api.base_url()
        << " (the ids are those that server gave; the emails were new there):\n"
        << AsCurl(shortest) << "\n"
        << "Replay this sequence: " << ReplayCommand(sequence_seed, 1) << "\n"
        << "Replay the whole run: " << ReplayCommand(seed, runs);
    return;
  }
}

}  // namespace acceptance::model
