// Fuzz target: the query string of GET /users, as raw bytes (what follows
// "?" in the request target), through ParseUserQuery and PageLinks. The
// request is built as httplib 0.11 builds it: the target as sent, and the
// parameters decoded by httplib's own parse_query_text. Input: the query
// string, nothing else.
//
// Beyond crashes and sanitizer reports, it stops when
//   - ParseUserQuery throws anything but ApiError kValidationFailed naming
//     each bad parameter once, in the spec's order, or its problem
//     document is not JSON;
//   - it accepts a value out of range (limit 1 to 1000, offset up to
//     2^63 - 1, ages 0 to 150 with min_age <= max_age), or a q or email
//     that is not valid UTF-8;
//   - a Link header (for several totals) has a byte a header cannot carry,
//     or a link that does not parse back to the same query at the right
//     offset.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "fuzz_checks.hpp"
#include "http/list_query.hpp"

namespace {

using user_api::ApiError;
using user_api::UserQuery;

constexpr const char* kParameters[] = {"limit", "offset", "q", "email", "min_age", "max_age"};
constexpr std::uint64_t kMaxOffset = std::numeric_limits<std::int64_t>::max();

// The request httplib 0.11 hands to the handler of GET /users?<query>.
httplib::Request RequestFor(const std::string& query) {
  httplib::Request req;
  req.method = "GET";
  req.path = "/users";
  req.target = "/users?" + query;
  if (!query.empty()) httplib::detail::parse_query_text(query, req.params);
  return req;
}

std::string Describe(const UserQuery& query) {
  return "limit=" + std::to_string(query.limit) + " offset=" + std::to_string(query.offset) +
         " q=" + (query.q ? fuzz::Printable(*query.q) : "-") +
         " email=" + (query.email ? fuzz::Printable(*query.email) : "-") +
         " min_age=" + (query.min_age ? std::to_string(*query.min_age) : "-") +
         " max_age=" + (query.max_age ? std::to_string(*query.max_age) : "-");
}

void CheckRefusal(const ApiError& error) {
  FUZZ_CHECK(error.code() == user_api::ErrorCode::kValidationFailed,
             std::string("refused with another code: ") + error.what());
  FUZZ_CHECK(!error.field_errors().empty(), "a 422 that names no parameter");
  std::size_t next = 0;  // Each parameter at most once, in kParameters order.
  for (const user_api::FieldError& field : error.field_errors()) {
    while (next < std::size(kParameters) && field.field != kParameters[next]) ++next;
    FUZZ_CHECK(next < std::size(kParameters),
               "an error on " + fuzz::Printable(field.field) + ", repeated or out of order");
    ++next;
  }
  fuzz::CheckProblemResponse(error, 422);
}

void CheckAccepted(const UserQuery& query) {
  FUZZ_CHECK(query.limit >= 1 && query.limit <= 1000, Describe(query));
  FUZZ_CHECK(query.offset <= kMaxOffset, Describe(query));
  for (const auto& age : {query.min_age, query.max_age}) {
    FUZZ_CHECK(!age || (*age >= 0 && *age <= 150), Describe(query));
  }
  FUZZ_CHECK(!query.min_age || !query.max_age || *query.min_age <= *query.max_age,
             Describe(query));
  FUZZ_CHECK(!query.q || fuzz::DecodeUtf8(*query.q), "q is not UTF-8: " + Describe(query));
  FUZZ_CHECK(!query.email || fuzz::DecodeUtf8(*query.email),
             "email is not UTF-8: " + Describe(query));
}

// A link of the Link header parses back to `query` at `offset`.
void CheckLink(const std::string& links, const std::string& url, const UserQuery& query,
               std::uint64_t offset) {
  const std::string prefix = "/users?";
  FUZZ_CHECK(url.starts_with(prefix), "a link that is not /users: " + links);
  UserQuery again;
  try {
    again = user_api::ParseUserQuery(RequestFor(url.substr(prefix.size())));
  } catch (const ApiError& error) {
    FUZZ_CHECK(false, "a link that is refused: " + links + " (" + error.what() + ")");
  }
  FUZZ_CHECK(again.limit == query.limit && again.offset == offset && again.q == query.q &&
                 again.email == query.email && again.min_age == query.min_age &&
                 again.max_age == query.max_age,
             "the link " + fuzz::Printable(url) + " reads as " + Describe(again) + ", not " +
                 Describe(query) + " at offset " + std::to_string(offset));
}

void CheckLinks(const UserQuery& query, std::uint64_t total) {
  const std::string links = user_api::PageLinks(query, total);
  for (unsigned char c : links) {
    FUZZ_CHECK(c >= 0x20 && c < 0x7F, "a Link header with byte " + std::to_string(c) + ": " +
                                          fuzz::Printable(links));
  }
  // <next>; rel="next", <prev>; rel="prev", each when there is one; the
  // URLs hold no '<' or '>'.
  std::vector<std::string> urls;
  std::string shape;  // The header with every URL taken out.
  std::size_t at = 0;
  for (auto open = links.find('<'); open != std::string::npos; open = links.find('<', at)) {
    const auto close = links.find('>', open);
    FUZZ_CHECK(close != std::string::npos, "a malformed Link header: " + links);
    shape += links.substr(at, open + 1 - at) + ">";
    urls.push_back(links.substr(open + 1, close - open - 1));
    at = close + 1;
  }
  shape += links.substr(at);
  const bool next = query.offset + query.limit < total;
  const bool prev = query.offset > 0;
  std::string expected;
  if (next) expected += R"(<>; rel="next")";
  if (next && prev) expected += ", ";
  if (prev) expected += R"(<>; rel="prev")";
  FUZZ_CHECK(shape == expected, "Link " + links + " for a total of " + std::to_string(total) +
                                    " and " + Describe(query));
  if (next) CheckLink(links, urls.front(), query, query.offset + query.limit);
  if (prev) {
    CheckLink(links, urls.back(), query, query.offset > query.limit ? query.offset - query.limit : 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string query(reinterpret_cast<const char*>(data), size);
  UserQuery parsed;
  try {
    parsed = user_api::ParseUserQuery(RequestFor(query));
  } catch (const ApiError& error) {
    CheckRefusal(error);
    return 0;
  }
  CheckAccepted(parsed);
  // Totals around the page, up to the most users there can be (ids are
  // positive 63-bit integers).
  for (const std::uint64_t total :
       {std::uint64_t{0}, parsed.offset, parsed.offset + parsed.limit,
        parsed.offset + parsed.limit + 1, kMaxOffset}) {
    if (total <= kMaxOffset) CheckLinks(parsed, total);
  }
  return 0;
}
