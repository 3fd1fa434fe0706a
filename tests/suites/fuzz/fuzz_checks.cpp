#include "fuzz_checks.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "http/responses.hpp"

namespace fuzz {
namespace {

using nlohmann::json;

constexpr std::string_view kWhitespace = " \t\n\v\f\r";

bool IsControl(char32_t point) { return point <= 0x1F || (point >= 0x7F && point <= 0x9F); }

bool HasControl(const std::vector<char32_t>& points) {
  for (char32_t point : points) {
    if (IsControl(point)) return true;
  }
  return false;
}

bool IsTrimmed(std::string_view text) {
  return text.empty() || (kWhitespace.find(text.front()) == std::string_view::npos &&
                          kWhitespace.find(text.back()) == std::string_view::npos);
}

bool IsDomainLabel(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  for (char c : label) {
    // Stored lowercased, so no A-Z.
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// RFC 3339 in UTC with milliseconds: 2026-11-26T12:53:51.123Z.
bool IsTimestamp(std::string_view text) {
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return false;
  }
  return true;
}

}  // namespace

void Fail(const char* file, int line, const char* condition, const std::string& detail) {
  // Straight to descriptor 2: the request target points `stderr` at a log
  // capture while it serves.
  dprintf(STDERR_FILENO, "%s:%d: invariant broken: %s\n  %s\n", file, line, condition,
          detail.c_str());
  std::abort();
}

std::string Printable(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    }
  }
  return out;
}

std::optional<std::vector<char32_t>> DecodeUtf8(std::string_view text) {
  std::vector<char32_t> points;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    int length = 0;
    char32_t point = 0;
    char32_t smallest = 0;
    if (lead < 0x80) {
      length = 1, point = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2, point = lead & 0x1F, smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, point = lead & 0x0F, smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, point = lead & 0x07, smallest = 0x10000;
    } else {
      return std::nullopt;
    }
    if (i + static_cast<std::size_t>(length) > text.size()) return std::nullopt;
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
      if ((next & 0xC0) != 0x80) return std::nullopt;
      point = (point << 6) | (next & 0x3F);
    }
    if (point < smallest || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF)) {
      return std::nullopt;
    }
    points.push_back(point);
    i += static_cast<std::size_t>(length);
  }
  return points;
}

void CheckStoredName(const std::string& name) {
  const auto points = DecodeUtf8(name);
  FUZZ_CHECK(points, "name is not UTF-8: " + Printable(name));
  FUZZ_CHECK(IsTrimmed(name), "name is not trimmed: " + Printable(name));
  FUZZ_CHECK(points->size() >= 1 && points->size() <= 100,
             "name of " + std::to_string(points->size()) + " characters: " + Printable(name));
  FUZZ_CHECK(!HasControl(*points), "name with a control character: " + Printable(name));
}

void CheckStoredEmail(const std::string& email) {
  const auto points = DecodeUtf8(email);
  FUZZ_CHECK(points, "email is not UTF-8: " + Printable(email));
  FUZZ_CHECK(IsTrimmed(email), "email is not trimmed: " + Printable(email));
  FUZZ_CHECK(points->size() <= 254, "email over 254 characters: " + Printable(email));
  const auto at = email.find('@');
  FUZZ_CHECK(at != std::string::npos && email.find('@', at + 1) == std::string::npos,
             "email without exactly one '@': " + Printable(email));
  const auto local = DecodeUtf8(std::string_view(email).substr(0, at));
  FUZZ_CHECK(local && local->size() >= 1 && local->size() <= 64 && !HasControl(*local) &&
                 email.substr(0, at).find(' ') == std::string::npos,
             "email with a bad local part: " + Printable(email));
  std::string_view domain = std::string_view(email).substr(at + 1);
  int labels = 0;
  for (std::size_t start = 0;;) {
    const auto dot = domain.find('.', start);
    const auto label = domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
    FUZZ_CHECK(IsDomainLabel(label), "email with a bad domain label: " + Printable(email));
    ++labels;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  FUZZ_CHECK(labels >= 2, "email with a one-label domain: " + Printable(email));
  for (char c : email) {
    FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "email not lowercased: " + Printable(email));
  }
}

void CheckStoredAge(std::optional<int> age) {
  FUZZ_CHECK(!age || (*age >= 0 && *age <= 150), "age " + std::to_string(*age));
}

void CheckUserJson(const json& user) {
  FUZZ_CHECK(user.is_object() && user.size() == 6, "not a user: " + user.dump());
  FUZZ_CHECK(user.contains("id") && user["id"].is_number_integer() && user["id"].get<std::int64_t>() > 0,
             "a user without a positive id: " + user.dump());
  FUZZ_CHECK(user.contains("name") && user["name"].is_string(), "no name: " + user.dump());
  CheckStoredName(user["name"]);
  FUZZ_CHECK(user.contains("email") && user["email"].is_string(), "no email: " + user.dump());
  CheckStoredEmail(user["email"]);
  FUZZ_CHECK(user.contains("age") && (user["age"].is_null() || user["age"].is_number_integer()),
             "no age: " + user.dump());
  if (!user["age"].is_null()) CheckStoredAge(user["age"].get<int>());
  for (const char* time : {"created_at", "updated_at"}) {
    FUZZ_CHECK(user.contains(time) && user[time].is_string() &&
                   IsTimestamp(user[time].get<std::string>()),
               std::string("bad ") + time + ": " + user.dump());
  }
}

void CheckProblemJson(const json& problem, int status) {
  FUZZ_CHECK(problem.is_object(), "a problem that is not an object: " + problem.dump());
  for (const char* member : {"type", "title", "detail"}) {
    FUZZ_CHECK(problem.contains(member) && problem[member].is_string(),
               std::string("a problem without ") + member + ": " + problem.dump());
  }
  FUZZ_CHECK(problem.contains("status") && problem["status"] == status,
             "a problem whose status is not " + std::to_string(status) + ": " + problem.dump());
  if (status == 422) {
    FUZZ_CHECK(problem.contains("errors") && problem["errors"].is_array() &&
                   !problem["errors"].empty(),
               "a 422 without errors: " + problem.dump());
    for (const json& error : problem["errors"]) {
      FUZZ_CHECK(error.is_object() && error.contains("field") && error["field"].is_string() &&
                     error.contains("message") && error["message"].is_string(),
                 "a bad entry in errors: " + problem.dump());
    }
  }
}

void CheckProblemResponse(const user_api::ApiError& error, int status) {
  httplib::Response res;
  user_api::WriteProblem(res, error);
  FUZZ_CHECK(res.status == status,
             "status " + std::to_string(res.status) + ", wanted " + std::to_string(status));
  FUZZ_CHECK(res.get_header_value("Content-Type") == "application/problem+json",
             "Content-Type " + res.get_header_value("Content-Type"));
  const json problem = json::parse(res.body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!problem.is_discarded(), "a problem that is not JSON: " + Printable(res.body));
  CheckProblemJson(problem, status);
  if (status == 422) {
    FUZZ_CHECK(problem["errors"].size() == error.field_errors().size(),
               "errors lost in " + problem.dump());
  }
}

}  // namespace fuzz
