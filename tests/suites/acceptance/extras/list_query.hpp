// The fixture of the list-query extras, pagination and search: a population
// of users with a tag of their own, and a table case that queries GET /users
// and checks the page, X-Total-Count and Link against it.
//
// In a case's query and Link, $T stands for the population's tag and $TU
// for the same tag in capitals.
#pragma once

#include <cstdint>
#include <initializer_list>
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
  std::string name;
  const char* rules;  // The ids of guide/api-spec.md the case checks.
  std::string query;  // After "/users?", with placeholders.
  int status;
  std::vector<int> page;            // 200: the kPeople listed, by index.
  int total;                        // 200: X-Total-Count.
  std::string link;                 // 200: the exact Link header, "" for none.
  std::vector<std::string> fields;  // 422: the parameters named in errors.
  std::string path = "/users";      // The path the query is sent to.
};

// The case's name and its rules: "LimitZero [PAGE-3 QUERY-2]".
void PrintTo(const QueryCase& value, std::ostream* out);

// The test name of a case, for INSTANTIATE_TEST_SUITE_P: its `name`.
std::string QueryCaseName(const testing::TestParamInfo<QueryCase>& param_info);

// A 200 that lists these kPeople. `total` defaults to the page's size.
QueryCase Listed(std::string name, const char* rules, std::string query, std::vector<int> page,
                 std::string link = "", int total = -1);

// A 422 validation-failed that names these parameters.
QueryCase Refused(std::string name, const char* rules, std::string query,
                  std::vector<std::string> fields);

// The case sent to /users/ instead of /users, named with "OnTrailingSlash".
QueryCase OnTrailingSlash(QueryCase c);

// The 422 cases of an integer parameter (`parameter`, named `title` in the
// case names) written in a form QUERY-1 does not allow: empty, signed,
// spaced, a fraction, an exponent, hexadecimal, words, too many digits.
std::vector<QueryCase> MalformedIntegers(const std::string& parameter, const std::string& title);

// The 422 cases of a text parameter whose decoded value is not UTF-8.
std::vector<QueryCase> NotUtf8(const std::string& parameter, const std::string& title);

// The cases of `tables`, one after the other.
std::vector<QueryCase> Concat(std::initializer_list<std::vector<QueryCase>> tables);

// The 200 cases of `cases`, which read the store (the 422s do not).
std::vector<QueryCase> ListedOnly(const std::vector<QueryCase>& cases);

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

  // Sends the case's query about `population` and checks the answer.
  void ExpectAnswer(const Population& population, const QueryCase& c) const;

  // Checks that the page, X-Total-Count and Link follow a delete and the
  // updates that move users into and out of the filters.
  void ListsFollowChanges() const;
};

// `Fixture` on a server that keeps its users in SQLite (--db users.db),
// where the filters and pages may be computed by SQL; skipped by URL.
template <class Fixture>
class OnSqlite : public Fixture {
 protected:
  StartOptions ServerOptions() const override { return {{"--db", "users.db"}, {}}; }
};

}  // namespace acceptance
