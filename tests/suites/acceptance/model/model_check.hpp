// The model-based check as a test runs it: sequences of random operations,
// drawn from a seed, each compared with the model of one stage's rules
// (user_model.hpp); on a failure, the shortest failing sequence found, as
// curl commands, and the command that replays the run.
//
// Environment:
//   USER_API_SEED=N        run from seed N (sequence i has seed N + i); by
//                          default a new seed each run, printed.
//   USER_API_MODEL_RUNS=N  run N sequences instead of the default.
#pragma once

#include "api_client.hpp"

namespace acceptance::model {

// Runs the sequences against `api` under the rules of `stage` (1, 2 or 3)
// and fails the current test, once, with a report when an answer differs
// from the model. Prints the seed either way.
void CheckAgainstModel(const ApiClient& api, int stage);

}  // namespace acceptance::model
