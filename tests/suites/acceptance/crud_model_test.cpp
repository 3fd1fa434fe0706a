// Stage 1 acceptance suite (ctest label `crud`), model-based: random
// sequences of creates, gets, lists, updates and deletes, valid and not,
// each answer compared with a model of the stage 1 rules (model/). Uses
// only what stage 1 fixes and later stages keep, so it runs against every
// stage. USER_API_SEED and USER_API_MODEL_RUNS: see model/model_check.hpp.
#include "acceptance_test.hpp"
#include "model_check.hpp"

namespace acceptance {
namespace {

using CrudModelTest = AcceptanceTest;

TEST_F(CrudModelTest, RandomSequencesFollowTheStage1Rules) { model::CheckAgainstModel(api(), 1); }

}  // namespace
}  // namespace acceptance
