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

SPEC_TEST_F(CrudModelTest, RandomSequencesFollowTheStage1Rules,
            "USER-1 USER-2 USER-3 USER-4 USER-5 CONV-13 CREATE-1 CREATE-2 CREATE-4",
            "CREATE-5 CREATE-6 CREATE-7 CREATE-8 CREATE-9 GET-1 GET-2",
            "UPDATE-1 UPDATE-2 UPDATE-3 UPDATE-5 UPDATE-6 UPDATE-9 UPDATE-13 DELETE-1 DELETE-2 DELETE-3") { model::CheckAgainstModel(api(), 1); }

}  // namespace
}  // namespace acceptance
