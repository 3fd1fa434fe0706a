#include "list_query.hpp"

#include "text.hpp"

namespace acceptance {

using nlohmann::json;

const std::vector<Person> kPeople = {
    {"Alice $T (Zo\u00eb & co.) 1+1/2", "alice-$T@example.test", 20},
    {"Bob $T", "bob-$T@example.test", 30},
    {"Carol $T", "carol-$T@example.test", nullptr},
    {"Dave $T", "dave-$T@example.test", 40},
    {"Eve", "eve-$T@example.test", 30},
};

std::string Population::Fill(const std::string& text) const {
  return ReplaceAll(ReplaceAll(text, "$TU", Upper(tag)), "$T", tag);
}

void PrintTo(const QueryCase& value, std::ostream* out) { *out << value.name; }

std::string QueryCaseName(const testing::TestParamInfo<QueryCase>& param_info) {
  return param_info.param.name;
}

QueryCase Listed(const char* name, std::string query, std::vector<int> page, std::string link,
                 int total) {
  const int size = static_cast<int>(page.size());
  return {name, std::move(query), 200, std::move(page), total < 0 ? size : total, std::move(link),
          {}};
}

QueryCase Refused(const char* name, std::string query, std::vector<std::string> fields) {
  return {name, std::move(query), 422, {}, 0, "", std::move(fields)};
}

std::vector<std::int64_t> IdsOf(const json& users) {
  std::vector<std::int64_t> ids;
  if (!users.is_array()) return ids;
  for (const json& user : users) {
    ids.push_back(user.is_object() && user.contains("id") && user["id"].is_number_integer()
                      ? user["id"].get<std::int64_t>()
                      : 0);
  }
  return ids;
}

std::string Join(const std::vector<std::int64_t>& ids) {
  std::string text = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) text += (i ? "," : "") + std::to_string(ids[i]);
  return text + "]";
}

void ListQueryTest::CreatePopulation(Population& population) const {
  population.tag = UniqueTag("q");
  for (const Person& person : kPeople) {
    const Exchange created =
        api().Post("/users", {{"name", population.Fill(person.name)},
                              {"email", population.Fill(person.email)},
                              {"age", person.age}});
    ASSERT_HTTP(HasStatus(created, 201));
    population.users.push_back(created.Json());
  }
}

void ListQueryTest::RunCase(const QueryCase& c) const {
  Population population;
  if (c.status == 200) {
    ASSERT_NO_FATAL_FAILURE(CreatePopulation(population));
  }
  const Exchange answer = api().Get("/users?" + population.Fill(c.query));
  if (c.status != 200) {
    EXPECT_HTTP(HasProblem(answer, c.status));
    EXPECT_HTTP(HasJson(answer, "/type", "/problems/validation-failed"));
    EXPECT_HTTP(HasErrorFields(answer, c.fields));
    return;
  }
  ASSERT_HTTP(HasStatus(answer, 200));
  EXPECT_HTTP(HasMediaType(answer, "application/json"));
  std::vector<std::int64_t> expected;
  for (int index : c.page) {
    expected.push_back(population.users[static_cast<std::size_t>(index)]["id"].get<std::int64_t>());
  }
  const std::vector<std::int64_t> listed = IdsOf(answer.Json());
  EXPECT_HTTP(Holds(answer, answer.Json().is_array() && listed == expected,
                    "a page with exactly the users " + Join(expected) + " in this order, got " +
                        Join(listed)));
  EXPECT_HTTP(HasHeader(answer, "X-Total-Count", std::to_string(c.total)));
  if (c.link.empty()) {
    EXPECT_HTTP(Holds(answer, answer.headers.count("Link") == 0, "no Link header"));
  } else {
    EXPECT_HTTP(HasHeader(answer, "Link", population.Fill(c.link)));
  }
}

}  // namespace acceptance
