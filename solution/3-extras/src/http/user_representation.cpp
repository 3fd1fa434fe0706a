#include "http/user_representation.hpp"

#include <string_view>

#include "domain/text.hpp"
#include "domain/time.hpp"

namespace user_api {
namespace {

// Appends `text` as a JSON string. The text is valid UTF-8 (it was parsed
// from JSON), so only quotes, backslashes and control characters change.
void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u";
          AppendHex(out, static_cast<unsigned char>(c), 4);
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

void AppendUserJson(std::string& out, const User& user) {
  out += "{\"id\":";
  out += std::to_string(user.id);
  out += ",\"name\":";
  AppendJsonString(out, user.name);
  out += ",\"email\":";
  AppendJsonString(out, user.email);
  out += ",\"age\":";
  out += user.age ? std::to_string(*user.age) : "null";
  out += ",\"created_at\":\"";
  out += FormatTimestamp(user.created_at);
  out += "\",\"updated_at\":\"";
  out += FormatTimestamp(user.updated_at);
  out += "\"}";
}

std::string UserJson(const User& user) {
  std::string out;
  out.reserve(160 + user.name.size() + user.email.size());
  AppendUserJson(out, user);
  return out;
}

std::string UserListJson(const std::vector<User>& users) {
  std::string out = "[";
  for (const User& user : users) {
    if (out.size() > 1) out += ',';
    AppendUserJson(out, user);
  }
  out += ']';
  return out;
}

}  // namespace user_api
