// String helpers for the suites: placeholders in tables, letter case,
// prefixes, and the tail of a program's output for failure messages.
#pragma once

#include <cstddef>
#include <string>

namespace acceptance {

// `text` with every `from` replaced by `to`, left to right; a replacement
// is never searched again.
std::string ReplaceAll(std::string text, const std::string& from, const std::string& to);

// `text` with the ASCII letters in capitals; other bytes are kept.
std::string Upper(std::string text);

// `text` with the ASCII letters in lowercase; other bytes are kept.
std::string Lower(std::string text);

bool StartsWith(const std::string& text, const std::string& prefix);

// The last `count` lines of `text` (a final newline ends the last line,
// it does not start another), or all of it when it has fewer.
std::string LastLines(const std::string& text, std::size_t count);

}  // namespace acceptance
