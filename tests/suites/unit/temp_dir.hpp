// A temporary directory for a unit test, removed with everything in it.
#pragma once

#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace user_api {

// A directory of its own under the system's temporary directory, removed with
// everything in it when the object goes out of scope. `prefix` starts its name.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "user_store_test") {
    std::string pattern = std::filesystem::temp_directory_path() / (prefix + ".XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
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

}  // namespace user_api
