// Stage 2 acceptance suite (ctest label `errors`), model-based: random
// sequences of valid and invalid requests (bad bodies, malformed ids,
// emails taken in other letter case), each answer compared with a model of
// the stage 2 rules (model/): trimming, lowercasing, 422 with its errors in
// order, 409 after the other rules, problem documents, and a refused
// request that changes nothing. USER_API_SEED and USER_API_MODEL_RUNS: see
// model/model_check.hpp.
#include "acceptance_test.hpp"
#include "model_check.hpp"

namespace acceptance {
namespace {

using ErrorsModelTest = AcceptanceTest;

SPEC_TEST_F(ErrorsModelTest, RandomSequencesFollowTheStage2Rules,
            "NAME-1 NAME-2 NAME-3 EMAIL-1 EMAIL-3 EMAIL-11 EMAIL-12 EMAIL-13 AGE-1 FIELDS-1 FIELDS-2",
            "ERR-2 ERR-3 ERR-5 ERR-8 ERR-10 ERR-15 UPDATE-7") { model::CheckAgainstModel(api(), 2); }

}  // namespace
}  // namespace acceptance
