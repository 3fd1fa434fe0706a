// The changes of a user's fields that PUT (the crud suite) and PATCH (the
// extras suite's MethodsTest) must apply alike: one table of cases and one
// check, run by each suite with its method.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "acceptance_test.hpp"
#include "table_rows.hpp"

namespace acceptance {

// One change sent to a user, named for the test listing, with the ids of
// the rules it checks beyond those its test names (table_rows.hpp prints it).
struct FieldChange {
  const char* name;
  nlohmann::json change;  // An "email" is replaced by a unique address.
  const char* rules;
};

// Each field alone, age null (which clears it), and every field at once.
const std::vector<FieldChange>& FieldChanges();

class FieldChangeTest : public AcceptanceTest, public testing::WithParamInterface<FieldChange> {
 protected:
  // Creates a user, sends it the case's change with `method` (PUT or PATCH)
  // and checks the answer: 200, JSON, the named fields changed and the
  // others and created_at kept; a GET then reads what the answer holds.
  // `tag` starts the unique email of a change that has one.
  void ChangesOnlyTheNamedFields(const std::string& method, const std::string& tag) const;
};

}  // namespace acceptance
