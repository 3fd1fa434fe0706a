#include "http/list_query.hpp"

#include <charconv>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>
#include <vector>

#include "service/api_error.hpp"

namespace user_api {
namespace {

constexpr std::uint64_t kMaxOffset = std::numeric_limits<std::int64_t>::max();

// UTF-8 as RFC 3629 has it: besides well-formed sequences, the shortest
// form only, no surrogates (U+D800 to U+DFFF) and nothing past U+10FFFF,
// as the JSON parser holds bodies to.
bool IsValidUtf8(const std::string& text) {
  constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};  // By length.
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const int length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3
                                     : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    char32_t point = length == 1 ? lead : lead & (0x7F >> length);
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      point = (point << 6) | (next & 0x3F);
    }
    if (point < kSmallest[length] || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF)) {
      return false;
    }
    i += static_cast<std::size_t>(length);
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// How many times each parameter name occurs in the raw query string.
// httplib 0.11 drops a repeated name=value pair before the handler sees it,
// so repeats are counted here, on the target as sent.
std::map<std::string, int> CountNames(const std::string& target) {
  std::map<std::string, int> counts;
  const auto question = target.find('?');
  if (question == std::string::npos) return counts;
  std::istringstream pairs(target.substr(question + 1));
  for (std::string pair; std::getline(pairs, pair, '&');) {
    const std::string name = pair.substr(0, pair.find('='));
    std::string decoded;
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (name[i] == '%' && i + 2 < name.size() && HexValue(name[i + 1]) >= 0 &&
          HexValue(name[i + 2]) >= 0) {
        decoded += static_cast<char>(HexValue(name[i + 1]) * 16 + HexValue(name[i + 2]));
        i += 2;
      } else {
        decoded += name[i] == '+' ? ' ' : name[i];
      }
    }
    ++counts[decoded];
  }
  return counts;
}

// Reads each parameter at most once, collecting the failures in order.
class QueryReader {
 public:
  explicit QueryReader(const httplib::Request& req) : req_(req), raw_counts_(CountNames(req.target)) {}

  std::optional<std::string> Text(const char* name) {
    const std::optional<std::string> value = Single(name);
    if (value && !IsValidUtf8(*value)) return Fail(name, "must be valid UTF-8");
    return value;
  }

  std::optional<std::uint64_t> Integer(const char* name, std::uint64_t min, std::uint64_t max) {
    const std::optional<std::string> value = Single(name);
    if (!value) return std::nullopt;
    std::uint64_t number = 0;
    const char* end = value->data() + value->size();
    auto [ptr, ec] = std::from_chars(value->data(), end, number);
    const bool digits_only = !value->empty() && value->find_first_not_of("0123456789") == std::string::npos;
    if (!digits_only || ec != std::errc() || ptr != end || number < min || number > max) {
      return Fail(name, "must be an integer from " + std::to_string(min) + " to " +
                            std::to_string(max));
    }
    return number;
  }

  void AddError(const char* name, std::string message) {
    errors_.push_back({name, std::move(message)});
  }

  void ThrowIfInvalid() const {
    if (!errors_.empty()) {
      throw ApiError(ErrorCode::kValidationFailed, "the query has invalid parameters", errors_);
    }
  }

 private:
  std::optional<std::string> Single(const char* name) {
    const std::size_t count = req_.get_param_value_count(name);
    if (count == 0) return std::nullopt;
    if (count > 1 || raw_counts_[name] > 1) return Fail(name, "must be given at most once");
    return req_.get_param_value(name);
  }

  std::nullopt_t Fail(const char* name, std::string message) {
    AddError(name, std::move(message));
    return std::nullopt;
  }

  const httplib::Request& req_;
  std::map<std::string, int> raw_counts_;
  std::vector<FieldError> errors_;
};

// Every byte but the unreserved ones as %XX, uppercase.
std::string PercentEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", c);
      out += escaped;
    }
  }
  return out;
}

std::string PageUrl(const UserQuery& query, std::uint64_t offset) {
  std::string url = "/users?limit=" + std::to_string(query.limit) + "&offset=" + std::to_string(offset);
  if (query.q) url += "&q=" + PercentEncode(*query.q);
  if (query.email) url += "&email=" + PercentEncode(*query.email);
  if (query.min_age) url += "&min_age=" + std::to_string(*query.min_age);
  if (query.max_age) url += "&max_age=" + std::to_string(*query.max_age);
  return url;
}

}  // namespace

UserQuery ParseUserQuery(const httplib::Request& req) {
  QueryReader reader(req);
  UserQuery query;
  query.limit = reader.Integer("limit", 1, kMaxPageSize).value_or(kDefaultPageSize);
  query.offset = reader.Integer("offset", 0, kMaxOffset).value_or(0);
  query.q = reader.Text("q");
  query.email = reader.Text("email");
  const auto min_age = reader.Integer("min_age", 0, 150);
  const auto max_age = reader.Integer("max_age", 0, 150);
  if (min_age) query.min_age = static_cast<int>(*min_age);
  if (max_age) query.max_age = static_cast<int>(*max_age);
  if (min_age && max_age && *min_age > *max_age) {
    reader.AddError("min_age", "must not be greater than max_age");
  }
  reader.ThrowIfInvalid();
  return query;
}

std::string PageLinks(const UserQuery& query, std::uint64_t total) {
  std::string links;
  if (query.offset + query.limit < total) {
    links = "<" + PageUrl(query, query.offset + query.limit) + ">; rel=\"next\"";
  }
  if (query.offset > 0) {
    const std::uint64_t previous = query.offset > query.limit ? query.offset - query.limit : 0;
    links += (links.empty() ? "" : ", ") + std::string("<") + PageUrl(query, previous) +
             ">; rel=\"prev\"";
  }
  return links;
}

}  // namespace user_api
