// The limits of a user's fields (guide/api-spec.md, "Validation rules"):
// the one place that states them, for the rules, the query checks and the
// messages that quote them.
#pragma once

#include <cstddef>

namespace user_api {

// Name: 1 to 100 code points after trimming.
inline constexpr std::size_t kMaxNameCodePoints = 100;
// Email: at most 254 code points, a local part of 1 to 64, domain labels
// of at most 63.
inline constexpr std::size_t kMaxEmailLength = 254;
inline constexpr std::size_t kMaxEmailLocalLength = 64;
inline constexpr std::size_t kMaxDomainLabelLength = 63;
// Age: an integer from 0 to 150, or null.
inline constexpr int kMinAge = 0;
inline constexpr int kMaxAge = 150;

}  // namespace user_api
