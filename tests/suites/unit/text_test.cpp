// Unit tests of the text helpers every stage shares (domain/text.hpp).
#include "domain/text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace user_api {
namespace {

TEST(TextTest, AsciiLowerLeavesEveryOtherByte) {
  EXPECT_EQ(AsciiLower("AZaz09@[`{"), "azaz09@[`{");
  EXPECT_EQ(AsciiLower("\xC3\x89"), "\xC3\x89");  // É stays: not ASCII.
}

TEST(TextTest, TrimTakesOnlyTheGivenCharactersFromBothEnds) {
  EXPECT_EQ(Trim(" \t\n\v\f\rAda Lovelace\r\n"), "Ada Lovelace");
  EXPECT_EQ(Trim(" \t "), "");
  EXPECT_EQ(Trim("\vx\v", " \t"), "\vx\v");
}

TEST(TextTest, Utf8AsRfc3629HasIt) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));  // a é € 😀
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));                       // U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));                      // Past U+10FFFF.
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));                          // A surrogate.
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));                              // Overlong.
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));                              // Truncated.
  EXPECT_FALSE(IsValidUtf8("\x80"));                                  // A lone continuation.
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(TextTest, NextCodePointLeavesThePositionOnFailure) {
  std::size_t pos = 1;
  EXPECT_EQ(NextCodePoint("a\xC3\xA9", pos), char32_t{0xE9});
  EXPECT_EQ(pos, 3u);
  pos = 1;
  EXPECT_EQ(NextCodePoint("a\xC3", pos), std::nullopt);
  EXPECT_EQ(pos, 1u);
}

TEST(TextTest, CodePointsAndControlCharacters) {
  EXPECT_EQ(CodePointCount("a\xC3\xA9\xF0\x9F\x98\x80"), 3u);
  EXPECT_TRUE(HasControlCharacter("a\x1F"));
  EXPECT_TRUE(HasControlCharacter("\x7F"));
  EXPECT_TRUE(HasControlCharacter("\xC2\x9F"));   // U+009F, C1.
  EXPECT_FALSE(HasControlCharacter("\xC2\xA0"));  // U+00A0, the first after C1.
  EXPECT_FALSE(HasControlCharacter(" ~"));
  EXPECT_TRUE(HasControlCharacter("a\xFF"));  // Not UTF-8: fails closed.
}

TEST(TextTest, HexDigits) {
  std::string out;
  AppendHex(out, 0xABCDEF, 8);
  EXPECT_EQ(out, "00abcdef");
  out.clear();
  AppendHex(out, 0x2F, 2, /*uppercase=*/true);
  EXPECT_EQ(out, "2F");
  EXPECT_EQ(HexDigitValue('f'), 15);
  EXPECT_EQ(HexDigitValue('F'), 15);
  EXPECT_EQ(HexDigitValue('9'), 9);
  EXPECT_EQ(HexDigitValue('g'), -1);
}

}  // namespace
}  // namespace user_api
