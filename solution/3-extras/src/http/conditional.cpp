#include "http/conditional.hpp"

#include <cstdint>
#include <sstream>

#include "domain/text.hpp"
#include "http/user_representation.hpp"

namespace user_api {

std::string EntityTag(const User& user) { return EntityTagOf(UserJson(user)); }

std::string EntityTagOf(const std::string& representation) {
  // FNV-1a over the representation: fast, stable, and only compared for
  // equality, so a cryptographic hash would buy nothing here.
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : representation) {
    hash = (hash ^ c) * 1099511628211ULL;
  }
  std::string tag = "\"";
  AppendHex(tag, hash, 16);
  tag += '"';
  return tag;
}

bool TagListMatches(const std::string& header, const std::string& tag, bool weak) {
  std::istringstream list(header);
  for (std::string item; std::getline(list, item, ',');) {
    item = std::string(Trim(item, " \t"));
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
