// The main of every acceptance suite: GoogleTest's, plus the listing of the
// rules each test checks (USER_API_LIST_RULES, see spec_rules.hpp).
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "spec_rules.hpp"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  if (const char* path = std::getenv("USER_API_LIST_RULES"); path != nullptr && *path != '\0') {
    if (acceptance::WriteSpecRules(path)) return 0;
    std::cerr << "USER_API_LIST_RULES: cannot write " << path << '\n';
    return 1;
  }
  return RUN_ALL_TESTS();
}
