#include "http/conditional.hpp"

#include <cstdint>
#include <sstream>

#include "http/user_json.hpp"

namespace user_api {

std::string EntityTag(const User& user) { return EntityTagOf(UserJson(user)); }

std::string EntityTagOf(const std::string& representation) {
  // FNV-1a over the representation: fast, stable, and only compared for
  // equality, so a cryptographic hash would buy nothing here.
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : representation) {
    hash = (hash ^ c) * 1099511628211ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag(18, '"');
  for (int i = 16; i >= 1; --i, hash >>= 4) tag[i] = kHex[hash & 0xF];
  return tag;
}

bool TagListMatches(const std::string& header, const std::string& tag, bool weak) {
  std::istringstream list(header);
  for (std::string item; std::getline(list, item, ',');) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item == "*") return true;
    if (item.starts_with("W/")) {
      if (!weak) continue;
      item.erase(0, 2);
    }
    if (item == tag) return true;
  }
  return false;
}

}  // namespace user_api
