// A failing test's reason on one line, for the brief output of the suites
// (USER_API_OUTPUT=brief, brief_printer.hpp) and for scripts/check.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace acceptance {

// The longest reason FailureReason returns, in bytes.
constexpr std::size_t kMaxReasonLength = 200;

// The reason in a GoogleTest failure `message` (without its file:line), on
// one line:
// - for a message with "expected:" and "actual:" lines (the harness's
//   account of an exchange), "REQUEST: expected E, actual A", or without a
//   "request:" line "expected E, actual A";
// - else its first line of its own, past GoogleTest's "Value of:",
//   "Actual:", "Expected:", "Which is:" and "Expected equality" lines;
// - else the whole message, its whitespace runs made single spaces.
// Cut to kMaxReasonLength bytes on a UTF-8 character boundary, ending in
// "...". Empty only for an empty message.
std::string FailureReason(std::string_view message);

}  // namespace acceptance
