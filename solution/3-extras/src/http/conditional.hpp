// Entity tags and the If-Match / If-None-Match headers (guide/api-spec.md,
// "Conditional requests").
#pragma once

#include <string>

#include "domain/user.hpp"

namespace user_api {

// A strong tag of the user's JSON representation: equal representations
// have equal tags, so the no-op update `{}` keeps it.
std::string EntityTag(const User& user);

// The same tag, from the representation already serialised with UserJson.
std::string EntityTagOf(const std::string& representation);

// True when `header` (a comma-separated list of tags, or "*") names `tag`.
// With `weak`, W/"x" matches "x" (If-None-Match); without it, a weak tag
// never matches (If-Match).
bool TagListMatches(const std::string& header, const std::string& tag, bool weak);

}  // namespace user_api
