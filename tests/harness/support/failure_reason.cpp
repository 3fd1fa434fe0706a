#include "failure_reason.hpp"

#include <optional>
#include <vector>

namespace acceptance {
namespace {

constexpr std::string_view kSpaces = " \t\r";

std::string_view Trimmed(std::string_view text) {
  const std::size_t first = text.find_first_not_of(kSpaces);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpaces) - first + 1);
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// The rest of the first line that starts with `key` (after indentation),
// trimmed.
std::optional<std::string_view> Field(const std::vector<std::string_view>& lines,
                                      std::string_view key) {
  for (std::string_view line : lines) {
    line = Trimmed(line);
    if (line.starts_with(key)) return Trimmed(line.substr(key.size()));
  }
  return std::nullopt;
}

// A line GoogleTest writes for its own assertions, which names the C++
// expression rather than what the server did.
bool IsGoogleTestLine(std::string_view line) {
  for (std::string_view prefix : {"Value of:", "Actual:", "Expected:", "Which is:"}) {
    if (line.starts_with(prefix)) return true;
  }
  return line == "Failed";
}

std::string Collapsed(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : Trimmed(text)) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string Shortened(std::string text) {
  if (text.size() <= kMaxReasonLength) return text;
  std::size_t end = kMaxReasonLength - 3;
  // Not inside a UTF-8 sequence: continuation bytes are 10xxxxxx.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text + "...";
}

}  // namespace

std::string FailureReason(std::string_view message) {
  const std::vector<std::string_view> lines = Lines(message);
  const auto expected = Field(lines, "expected:");
  const auto actual = Field(lines, "actual:");
  if (expected && actual) {
    const auto request = Field(lines, "request:");
    std::string reason = request && !request->empty() ? std::string(*request) + ": " : "";
    return Shortened(reason + "expected " + std::string(*expected) + ", actual " +
                     std::string(*actual));
  }
  // "Expected equality of these values:" is followed by the two compared
  // expressions, indented, each with its "Which is:".
  bool in_equality = false;
  for (std::string_view line : lines) {
    const std::string_view text = Trimmed(line);
    if (text.starts_with("Expected equality of these values:")) {
      in_equality = true;
      continue;
    }
    if (in_equality && !text.empty() && line.starts_with(' ')) continue;
    in_equality = false;
    if (text.empty() || IsGoogleTestLine(text)) continue;
    return Shortened(std::string(text));
  }
  return Shortened(Collapsed(message));
}

}  // namespace acceptance
