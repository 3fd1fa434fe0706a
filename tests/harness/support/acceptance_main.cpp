// The main of every acceptance suite: GoogleTest's, with its brief output
// when USER_API_OUTPUT=brief (brief_printer.hpp), plus the listing of the
// rules each test checks (USER_API_LIST_RULES, see spec_rules.hpp). A
// server that closes a connection while a test still writes to it makes
// that write fail, and the test report it; it never ends the suite
// (SIGPIPE is ignored).
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "brief_printer.hpp"
#include "spec_rules.hpp"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  testing::InitGoogleTest(&argc, argv);
  acceptance::UseBriefOutputIfAsked();
  if (const char* path = std::getenv("USER_API_LIST_RULES"); path != nullptr && *path != '\0') {
    if (acceptance::WriteSpecRules(path)) return 0;
    std::cerr << "USER_API_LIST_RULES: cannot write " << path << '\n';
    return 1;
  }
  return RUN_ALL_TESTS();
}
