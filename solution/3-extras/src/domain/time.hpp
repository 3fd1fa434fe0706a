// Times as the API keeps and writes them: to the millisecond, in UTC.
// Pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "domain/user.hpp"

namespace user_api {

// The current time, rounded down to the millisecond: the precision that
// responses show and stores keep, so a user reads back as it was written.
Timestamp NowToTheMillisecond();

// Milliseconds since the Unix epoch, rounded down; how stores keep times.
std::int64_t ToUnixMillis(Timestamp time);
Timestamp FromUnixMillis(std::int64_t millis);

// RFC 3339 in UTC with milliseconds, e.g. 2026-11-26T12:53:51.123Z.
std::string FormatTimestamp(Timestamp time);

}  // namespace user_api
