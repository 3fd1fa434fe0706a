// Stage 3 acceptance suite, model-based (ctest label `extras-model`):
// random sequences of requests compared with a model of the stage 3 rules
// (model/), which needs several extras at once: pagination and search
// (X-Total-Count, Link), PATCH, and conditional requests (ETag,
// If-None-Match, If-Match). Its label earns no points: each of those
// extras is graded by its own label, and this test finds the sequences
// that break them together. USER_API_SEED and USER_API_MODEL_RUNS: see
// model/model_check.hpp.
#include "acceptance_test.hpp"
#include "model_check.hpp"

namespace acceptance {
namespace {

using ExtrasModelTest = AcceptanceTest;

TEST_F(ExtrasModelTest, RandomSequencesFollowTheStage3Rules) { model::CheckAgainstModel(api(), 3); }

}  // namespace
}  // namespace acceptance
