#include "domain/time.hpp"

#include <chrono>
#include <cstdio>

namespace user_api {
namespace {

// Writes `value` as exactly `width` decimal digits ending before `end`.
void PutDigits(char* end, unsigned value, int width) {
  for (int i = 0; i < width; ++i, value /= 10) *--end = static_cast<char>('0' + value % 10);
}

}  // namespace

Timestamp NowToTheMillisecond() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::int64_t ToUnixMillis(Timestamp time) {
  return std::chrono::floor<std::chrono::milliseconds>(time).time_since_epoch().count();
}

Timestamp FromUnixMillis(std::int64_t millis) { return Timestamp(std::chrono::milliseconds(millis)); }

// Every response carries two of these and every log line one, so the digits
// are placed by hand: snprintf cost more than the rest of a create.
std::string FormatTimestamp(Timestamp time) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(time);
  const auto day = floor<days>(ms);
  const year_month_day date{day};
  const hh_mm_ss clock{ms - day};
  const int year = int(date.year());
  if (year < 0 || year > 9999) {  // Not from this era's clock; print it all the same.
    char text[48];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", year,
                  unsigned(date.month()), unsigned(date.day()), int(clock.hours().count()),
                  int(clock.minutes().count()), int(clock.seconds().count()),
                  int(clock.subseconds().count()));
    return text;
  }
  std::string text = "0000-00-00T00:00:00.000Z";
  PutDigits(&text[4], static_cast<unsigned>(year), 4);
  PutDigits(&text[7], unsigned(date.month()), 2);
  PutDigits(&text[10], unsigned(date.day()), 2);
  PutDigits(&text[13], static_cast<unsigned>(clock.hours().count()), 2);
  PutDigits(&text[16], static_cast<unsigned>(clock.minutes().count()), 2);
  PutDigits(&text[19], static_cast<unsigned>(clock.seconds().count()), 2);
  PutDigits(&text[23], static_cast<unsigned>(clock.subseconds().count()), 3);
  return text;
}

}  // namespace user_api
