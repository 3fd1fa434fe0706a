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

SPEC_TEST_F(ExtrasModelTest, RandomSequencesFollowTheStage3Rules,
            "PAGE-1 PAGE-2 PAGE-3 PAGE-4 PAGE-5 PAGE-6 FILTER-1 FILTER-3 FILTER-5 FILTER-6",
            "FILTER-7 FILTER-8 FILTER-9 LINK-1 LINK-2 LINK-3 LINK-4 LINK-5 LINK-6 LINK-8",
            "UPDATE-8 COND-1 COND-2 COND-3 COND-5 COND-6 COND-7 COND-10 COND-11 COND-12") { model::CheckAgainstModel(api(), 3); }

}  // namespace
}  // namespace acceptance
