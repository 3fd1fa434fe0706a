#include "http/user_json.hpp"

#include <algorithm>

#include "domain/time_format.hpp"
#include "service/api_error.hpp"

namespace user_api {
namespace {

// The deepest nesting of arrays and objects in `text`, counting only
// brackets outside strings; stops early once past `limit`.
int NestingDepth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size() && deepest <= limit; ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // Skips the escaped character, which may be a quote.
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

// Appends `text` as a JSON string. The text is valid UTF-8 (it was parsed
// from JSON), so only quotes, backslashes and control characters change.
void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
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
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
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

nlohmann::json ParseJsonBody(std::string_view body) {
  if (NestingDepth(body, kMaxJsonDepth) > kMaxJsonDepth) {
    throw ApiError(ErrorCode::kInvalidJson, "the body nests arrays and objects deeper than " +
                                                std::to_string(kMaxJsonDepth));
  }
  nlohmann::json doc = nlohmann::json::parse(body, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw ApiError(ErrorCode::kInvalidJson, "the body is not valid JSON");
  return doc;
}

}  // namespace user_api
