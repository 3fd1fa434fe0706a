// Text helpers every layer shares: ASCII case and white space, UTF-8 code
// points, hexadecimal digits. Pure functions, safe from any thread; none
// depends on the C locale.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace user_api {

// The white space the API trims: space, tab, line feed, vertical tab, form
// feed and carriage return.
inline constexpr std::string_view kAsciiWhitespace = " \t\n\v\f\r";

// Lowercases the ASCII letters of `text` and leaves every other byte.
std::string AsciiLower(std::string text);

// `text` without the leading and trailing characters of `chars`.
std::string_view Trim(std::string_view text, std::string_view chars = kAsciiWhitespace);

// Decodes the code point that starts at byte `pos` of `text` and moves
// `pos` past it. Returns nullopt, leaving `pos` as it was, where `text` is
// not UTF-8 as RFC 3629 has it: a malformed or truncated sequence, an
// overlong form, a surrogate (U+D800 to U+DFFF) or a value past U+10FFFF.
std::optional<char32_t> NextCodePoint(std::string_view text, std::size_t& pos);

// True when all of `text` is UTF-8 as RFC 3629 has it (see NextCodePoint).
bool IsValidUtf8(std::string_view text);

// The number of code points in `text`, which must be valid UTF-8: every
// byte but the continuation bytes.
std::size_t CodePointCount(std::string_view text);

// True when `text` holds a C0 or C1 control character (U+0000 to U+001F,
// U+007F to U+009F), or is not valid UTF-8: it fails closed.
bool HasControlCharacter(std::string_view text);

// Appends the low `digits` hexadecimal digits of `value` to `out`, most
// significant first, lowercase unless `uppercase`.
void AppendHex(std::string& out, std::uint64_t value, int digits, bool uppercase = false);

// The value of one hexadecimal digit (either case), or -1.
int HexDigitValue(char c);

}  // namespace user_api
