#include "http/user_json.hpp"

#include <algorithm>

#include "domain/api_error.hpp"

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

}  // namespace

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
