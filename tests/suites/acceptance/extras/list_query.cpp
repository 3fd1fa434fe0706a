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

void PrintTo(const QueryCase& value, std::ostream* out) {
  *out << value.name << " [" << value.rules << "]";
}

std::string QueryCaseName(const testing::TestParamInfo<QueryCase>& param_info) {
  return param_info.param.name;
}

QueryCase Listed(std::string name, const char* rules, std::string query, std::vector<int> page,
                 std::string link, int total) {
  const int size = static_cast<int>(page.size());
  return {std::move(name), rules, std::move(query), 200, std::move(page), total < 0 ? size : total,
          std::move(link), {}};
}

QueryCase Refused(std::string name, const char* rules, std::string query,
                  std::vector<std::string> fields) {
  return {std::move(name), rules, std::move(query), 422, {}, 0, "", std::move(fields)};
}

QueryCase OnTrailingSlash(QueryCase c) {
  c.name += "OnTrailingSlash";
  c.path = "/users/";
  return c;
}

namespace {

// A form of a bad value: its name in the case names, and the value as sent.
using Form = std::pair<const char*, const char*>;

// One 422 case per form, named `title` + `infix` + the form's name.
std::vector<QueryCase> RefusedForms(const std::string& parameter, const std::string& title,
                                    const char* infix, const char* rules,
                                    const std::vector<Form>& forms) {
  std::vector<QueryCase> cases;
  for (const auto& [form, value] : forms) {
    cases.push_back(Refused(title + infix + form, rules, parameter + "=" + value, {parameter}));
  }
  return cases;
}

}  // namespace

std::vector<QueryCase> MalformedIntegers(const std::string& parameter, const std::string& title) {
  // As sent: "+" is a space, "%2B" a plus sign.
  static const std::vector<Form> kForms = {
      {"Empty", ""},
      {"Negative", "-1"},
      {"NegativeZero", "-0"},
      {"WithPlusSign", "%2B1"},
      {"WithLeadingSpace", "+1"},
      {"WithTrailingSpace", "1+"},
      {"WithSpaceInside", "1+0"},
      {"WithFraction", "1.0"},
      {"WithExponent", "1e1"},
      {"Hexadecimal", "0x1"},
      {"NotANumber", "ten"},
      {"WithTrailingLetter", "1a"},
      {"Overflowing", "99999999999999999999999"},
  };
  return RefusedForms(parameter, title, "", "QUERY-1 QUERY-2 QUERY-6", kForms);
}

std::vector<QueryCase> NotUtf8(const std::string& parameter, const std::string& title) {
  static const std::vector<Form> kForms = {
      {"InvalidByte", "%FF"},           {"LoneContinuationByte", "a%80"},
      {"TruncatedSequence", "%E2%82"},  {"BadContinuation", "%C3%28"},
      {"Overlong", "%C0%AF"},           {"Surrogate", "%ED%A0%80"},
      {"AboveU10FFFF", "%F4%90%80%80"},
  };
  return RefusedForms(parameter, title, "NotUtf8", "QUERY-5 QUERY-6", kForms);
}

std::vector<QueryCase> Concat(std::initializer_list<std::vector<QueryCase>> tables) {
  std::vector<QueryCase> all;
  for (const std::vector<QueryCase>& table : tables)
    all.insert(all.end(), table.begin(), table.end());
  return all;
}

std::vector<QueryCase> ListedOnly(const std::vector<QueryCase>& cases) {
  std::vector<QueryCase> listed;
  for (const QueryCase& c : cases) {
    if (c.status == 200) listed.push_back(c);
  }
  return listed;
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
    const Exchange created = api().Post("/users", {{"name", population.Fill(person.name)},
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
  ExpectAnswer(population, c);
}

void ListQueryTest::ExpectAnswer(const Population& population, const QueryCase& c) const {
  const Exchange answer = api().Get(c.path + "?" + population.Fill(c.query));
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
  EXPECT_HTTP(Holds(
      answer, answer.Json().is_array() && listed == expected,
      "a page with exactly the users " + Join(expected) + " in this order, got " + Join(listed)));
  EXPECT_HTTP(HasHeader(answer, "X-Total-Count", std::to_string(c.total)));
  if (c.link.empty()) {
    EXPECT_HTTP(Holds(answer, answer.headers.count("Link") == 0, "no Link header"));
  } else {
    EXPECT_HTTP(HasHeader(answer, "Link", population.Fill(c.link)));
  }
}

void ListQueryTest::ListsFollowChanges() const {
  Population population;
  ASSERT_NO_FATAL_FAILURE(CreatePopulation(population));
  const auto path = [&](int index) {
    return UserPath(population.users[static_cast<std::size_t>(index)]);
  };
  ExpectAnswer(population, Listed("Before", "", "q=$T&max_age=30", {0, 1, 4}));

  ASSERT_HTTP(HasStatus(api().Delete(path(1)), 204));  // Bob, 30, leaves.
  SCOPED_TRACE("after deleting Bob (age 30)");
  ExpectAnswer(population, Listed("", "", "q=$T&limit=2", {0, 2},
                                  R"(</users?limit=2&offset=2&q=$T>; rel="next")", 4));
  ExpectAnswer(population, Listed("", "", "q=$T&limit=2&offset=2", {3, 4},
                                  R"(</users?limit=2&offset=0&q=$T>; rel="prev")", 4));
  ExpectAnswer(population, Listed("", "", "q=$T&max_age=30", {0, 4}));

  ASSERT_HTTP(HasStatus(api().Put(path(3), {{"age", 25}}), 200));  // Dave, 40, moves in.
  SCOPED_TRACE("after updating Dave's age from 40 to 25");
  ExpectAnswer(population, Listed("", "", "q=$T&max_age=30", {0, 3, 4}));
  ExpectAnswer(population, Listed("", "", "q=$T&min_age=31", {}));

  ASSERT_HTTP(HasStatus(api().Put(path(2), {{"age", 50}}), 200));  // Carol, null, moves in.
  SCOPED_TRACE("after updating Carol's age from null to 50");
  ExpectAnswer(population, Listed("", "", "q=$T&min_age=31", {2}));

  const std::string email = UniqueEmail("eve-moved");
  ASSERT_HTTP(HasStatus(api().Put(path(4), {{"email", email}}), 200));  // Eve moves out of q.
  SCOPED_TRACE("after updating Eve's email, the only place of her tag, to " + email);
  ExpectAnswer(population, Listed("", "", "q=$T&limit=2", {0, 2},
                                  R"(</users?limit=2&offset=2&q=$T>; rel="next")", 3));
  ExpectAnswer(population, Listed("", "", "q=$T&limit=2&offset=2", {3},
                                  R"(</users?limit=2&offset=0&q=$T>; rel="prev")", 3));
  ExpectAnswer(population, Listed("", "", "email=eve-$T%40example.test", {}));
  ExpectAnswer(population, Listed("", "", "email=" + ReplaceAll(email, "@", "%40"), {4}));
}

}  // namespace acceptance
