// What the fuzz targets check besides crashes and sanitizer reports: the
// contract of guide/api-spec.md, written again from the spec rather than
// from the solution's code, so that a fuzz target can disagree with it.
// A broken check prints what broke and aborts, and libFuzzer keeps the
// input as a crash file.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/api_error.hpp"

namespace fuzz {

// Prints "FILE:LINE: invariant broken: CONDITION" and `detail` to the
// process's standard error (as it was at start, whatever a target does to
// `stderr` since), then aborts.
[[noreturn]] void Fail(const char* file, int line, const char* condition,
                       const std::string& detail);

// Checks `condition`; `detail` (a std::string) is built only when it fails.
#define FUZZ_CHECK(condition, detail)                                        \
  do {                                                                       \
    if (!(condition)) ::fuzz::Fail(__FILE__, __LINE__, #condition, (detail)); \
  } while (false)

// `text` with every byte outside printable ASCII as \xNN, for messages.
std::string Printable(std::string_view text);

// The code points of `text`, or nullopt when it is not valid UTF-8
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
std::optional<std::vector<char32_t>> DecodeUtf8(std::string_view text);

// Each of these checks a value as the API stores it (after trimming and,
// for the email, lowercasing) against the spec's rules.
void CheckStoredName(const std::string& name);
void CheckStoredEmail(const std::string& email);
void CheckStoredAge(std::optional<int> age);

// Checks a user as the API returns it: the six fields with valid values,
// the times as RFC 3339 with milliseconds.
void CheckUserJson(const nlohmann::json& user);

// Checks a problem+json body for `status`: type, title, status and detail,
// and a non-empty "errors" list of {field, message} for a 422.
void CheckProblemJson(const nlohmann::json& problem, int status);

// Checks the response that WriteProblem makes of `error`: the status of its
// code, Content-Type application/problem+json, a body that parses and
// passes CheckProblemJson, and "errors" with one entry per field error.
void CheckProblemResponse(const user_api::ApiError& error, int status);

}  // namespace fuzz
