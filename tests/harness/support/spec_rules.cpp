#include "spec_rules.hpp"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace acceptance {
namespace {

using Registry = std::map<std::pair<std::string, std::string>, std::vector<std::string>>;

// Filled during static initialisation, from every suite's translation units.
Registry& Rules() {
  static Registry rules;
  return rules;
}

void AppendIds(std::string_view text, std::vector<std::string>& ids) {
  std::istringstream words{std::string(text)};
  for (std::string id; words >> id;) ids.push_back(id);
}

// "Rules/ErrorsCreateTest" -> "ErrorsCreateTest", "AnswersAsSpecified/X" ->
// "AnswersAsSpecified": the names the macros registered, without the
// instantiation prefix and the case suffix of a parameterised test.
std::string FixtureOf(std::string suite) {
  const auto slash = suite.rfind('/');
  return slash == std::string::npos ? suite : suite.substr(slash + 1);
}
std::string TestOf(std::string name) { return name.substr(0, name.find('/')); }

// The ids at the end of a case's printed value, "Name [ID ID]", if any.
void AppendCaseIds(const char* value_param, std::vector<std::string>& ids) {
  if (value_param == nullptr) return;
  const std::string value = value_param;
  const auto close = value.rfind(']');
  const auto open = value.rfind('[');
  if (open == std::string::npos || close == std::string::npos || close < open) return;
  if (value.find_first_not_of(" \"'", close + 1) != std::string::npos) return;
  AppendIds(std::string_view(value).substr(open + 1, close - open - 1), ids);
}

}  // namespace

bool RegisterSpecRules(std::string_view fixture, std::string_view test,
                       std::initializer_list<std::string_view> rules) {
  std::vector<std::string>& ids = Rules()[{std::string(fixture), std::string(test)}];
  for (std::string_view text : rules) AppendIds(text, ids);
  return true;
}

bool WriteSpecRules(const std::string& path) {
  std::ofstream out(path);
  const testing::UnitTest& unit = *testing::UnitTest::GetInstance();
  for (int s = 0; s < unit.total_test_suite_count(); ++s) {
    const testing::TestSuite& suite = *unit.GetTestSuite(s);
    for (int t = 0; t < suite.total_test_count(); ++t) {
      const testing::TestInfo& info = *suite.GetTestInfo(t);
      std::vector<std::string> ids;
      const auto found = Rules().find({FixtureOf(info.test_suite_name()), TestOf(info.name())});
      if (found != Rules().end()) ids = found->second;
      AppendCaseIds(info.value_param(), ids);
      out << nlohmann::json{{"test", std::string(info.test_suite_name()) + "." + info.name()},
                            {"rules", ids}}
                 .dump()
          << '\n';
    }
  }
  out.close();
  return static_cast<bool>(out);
}

}  // namespace acceptance
