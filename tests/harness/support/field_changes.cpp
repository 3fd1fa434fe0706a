#include "field_changes.hpp"

namespace acceptance {

void PrintTo(const FieldChange& value, std::ostream* out) { *out << value.name; }

const std::vector<FieldChange>& FieldChanges() {
  static const std::vector<FieldChange> kChanges = {
      {"Name", {{"name", "After"}}},
      {"Email", {{"email", "replaced-by-a-unique-one"}}},
      {"Age", {{"age", 21}}},
      {"AgeNullClearsAge", {{"age", nullptr}}},
      {"AllFields", {{"name", "All"}, {"email", ""}, {"age", 99}}},
  };
  return kChanges;
}

std::string FieldChangeName(const testing::TestParamInfo<FieldChange>& param_info) {
  return param_info.param.name;
}

void FieldChangeTest::ChangesOnlyTheNamedFields(const std::string& method,
                                                const std::string& tag) const {
  const Exchange created = CreateUser({{"name", "Before"}, {"age", 20}});
  ASSERT_HTTP(HasStatus(created, 201));
  nlohmann::json change = GetParam().change;
  if (change.contains("email")) change["email"] = UniqueEmail(tag);
  nlohmann::json expected = created.Json();
  expected.update(change);

  const Exchange changed = method == "PATCH" ? api().Patch(UserPath(expected), change)
                                             : api().Put(UserPath(expected), change);
  ASSERT_HTTP(HasStatus(changed, 200));
  EXPECT_HTTP(HasMediaType(changed, "application/json"));
  for (const char* field : {"id", "name", "email", "age", "created_at"}) {
    EXPECT_HTTP(HasJson(changed, std::string("/") + field, expected[field]));
  }
  const Exchange fetched = api().Get(UserPath(expected));
  ASSERT_HTTP(HasStatus(fetched, 200));
  EXPECT_HTTP(HasJson(fetched, "", changed.Json()));
}

}  // namespace acceptance
