// A temporary directory for one test, removed with everything in it: shared
// by the unit tests (a store's files) and the acceptance suites (a browser's
// profile).
#pragma once

#include <stdlib.h>  // mkdtemp

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace test_support {

// A directory of its own under the system's temporary directory, removed with
// everything in it when the object goes out of scope. `prefix` starts its
// name. Throws std::runtime_error when it cannot be created.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "user_api_test") {
    std::string pattern = std::filesystem::temp_directory_path() / (prefix + ".XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("cannot create a temporary directory " + pattern + ": " +
                               std::strerror(errno));
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace test_support
