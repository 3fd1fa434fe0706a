// Runs a sequence of model operations against a server and compares every
// answer with the model: status, body, and the headers the spec requires.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "api_client.hpp"
#include "model_operations.hpp"

namespace acceptance::model {

// The first answer that broke the model.
struct Mismatch {
  std::string check;     // What was compared: "status", "header Link", "body", ...
  std::string expected;  // In words, with the rule.
  std::string actual;
  Exchange exchange;     // The request and the answer.
};

// One operation as it ran: in words, and the requests it sent.
struct StepRun {
  std::string description;
  std::vector<Exchange> exchanges;
};

struct SequenceRun {
  std::vector<StepRun> steps;         // Those run; a failing one last.
  std::optional<Mismatch> mismatch;   // Empty when every answer fit.
  std::size_t failed_step = 0;        // The index of the failing operation;
                                      // the operation count for the final listing.

  // What failed, for the shrinker to find the same failure again: the
  // kind of step and the check.
  std::string Signature() const;
};

// Runs `ops` in order under the rules of `stage`, with a tag of its own
// (UniqueTag) in every email it stores, then lists the sequence's users.
// Stops at the first answer that differs from the model. Never throws.
SequenceRun RunSequence(const ApiClient& api, int stage, const std::vector<Operation>& ops);

}  // namespace acceptance::model
