#include "concurrent_requests.hpp"

namespace acceptance {

std::map<int, int> CountStatuses(const std::vector<Exchange>& answers) {
  std::map<int, int> counts;
  for (const Exchange& answer : answers) ++counts[answer.ok() ? answer.status : 0];
  return counts;
}

std::string Describe(const std::map<int, int>& counts) {
  std::string text;
  for (const auto& [status, count] : counts) {
    text += (text.empty() ? "" : ", ") + std::to_string(count) + " x " +
            (status ? std::to_string(status) : "no response");
  }
  return text;
}

}  // namespace acceptance
