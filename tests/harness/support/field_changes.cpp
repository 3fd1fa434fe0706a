#include "field_changes.hpp"

namespace acceptance {

const std::vector<FieldChange>& FieldChanges() {
  static const std::vector<FieldChange> kChanges = {
      {"Name", {{"name", "After"}}, "UPDATE-2"},
      {"Email", {{"email", "replaced-by-a-unique-one"}}, "UPDATE-2"},
      {"Age", {{"age", 21}}, "UPDATE-2"},
      {"AgeNullClearsAge", {{"age", nullptr}}, "UPDATE-3"},
      {"AllFields", {{"name", "All"}, {"email", ""}, {"age", 99}}, "UPDATE-2"},
  };
  return kChanges;
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
