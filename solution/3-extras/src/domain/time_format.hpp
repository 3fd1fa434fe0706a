// How the API writes times.
#pragma once

#include <string>

#include "domain/user.hpp"

namespace user_api {

// RFC 3339 in UTC with milliseconds, e.g. 2026-11-26T12:53:51.123Z.
std::string FormatTimestamp(Timestamp time);

}  // namespace user_api
