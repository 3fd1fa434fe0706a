// The fixture of the list-query extras, pagination and search: a population
// of users with a tag of their own, and a table case that queries GET /users
// and checks the page, X-Total-Count and Link against it.
//
// In a case's query and Link, $T stands for the population's tag and $TU
// for the same tag in capitals.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "acceptance_test.hpp"

namespace acceptance {

// One user of a Population; $T stands for the population's tag.
struct Person {
  const char* name;
  const char* email;
  nlohmann::json age;
};

// Five users that all carry one unique tag, in their name or their email, so
// that `q=$T` finds them and nobody else. Alice's name has characters that a
// Link must percent-encode; Carol has no age; Eve has the tag in her email
// only.
extern const std::vector<Person> kPeople;

struct Population {
  std::string tag;
  std::vector<nlohmann::json> users;  // As created, in kPeople order (ascending ids).

  // `text` with the placeholders filled in.
  std::string Fill(const std::string& text) const;
};

// A query on GET /users and what it must answer.
struct QueryCase {
  const char* name;
  std::string query;  // After "/users?", with placeholders.
  int status;
  std::vector<int> page;            // 200: the kPeople listed, by index.
  int total;                        // 200: X-Total-Count.
  std::string link;                 // 200: the exact Link header, "" for none.
  std::vector<std::string> fields;  // 422: the parameters named in errors.
};

void PrintTo(const QueryCase& value, std::ostream* out);

// The test name of a case, for INSTANTIATE_TEST_SUITE_P: its `name`.
std::string QueryCaseName(const testing::TestParamInfo<QueryCase>& param_info);

// A 200 that lists these kPeople. `total` defaults to the page's size.
QueryCase Listed(const char* name, std::string query, std::vector<int> page,
                 std::string link = "", int total = -1);

// A 422 validation-failed that names these parameters.
QueryCase Refused(const char* name, std::string query, std::vector<std::string> fields);

// The ids of a JSON array of users, in order; 0 for an entry without one.
std::vector<std::int64_t> IdsOf(const nlohmann::json& users);

// The ids as a JSON array, for messages: "[3,4,5]".
std::string Join(const std::vector<std::int64_t>& ids);

class ListQueryTest : public AcceptanceTest, public testing::WithParamInterface<QueryCase> {
 protected:
  // Creates the kPeople with a new tag. Fails the test (fatally, so use
  // ASSERT_NO_FATAL_FAILURE) when a create is refused.
  void CreatePopulation(Population& population) const;

  // Sends the case's query and checks the answer against the case.
  void RunCase(const QueryCase& c) const;
};

}  // namespace acceptance
