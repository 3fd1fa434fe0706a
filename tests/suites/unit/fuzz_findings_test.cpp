// What fuzzing stage 3 found (tests/suites/fuzz, scripts/fuzz), kept as ordinary
// tests: each feeds the input that broke a fuzz target to the code it broke,
// the same way the target does. The inputs are also in the targets' seed
// corpora (tests/suites/fuzz/corpus/*/finding-*).
#include <gtest/gtest.h>
#include <httplib.h>

#include <string>
#include <vector>

#include "failing_fields.hpp"
#include "http/list_query.hpp"
#include "in_process_app.hpp"
#include "domain/api_error.hpp"

namespace user_api {
namespace {

// request_fuzz: httplib 0.11 fills req.method from a request line before it
// refuses the line, so a line of junk (here a body with an email, as a
// client's leftover bytes can be) reached the request log line, which must
// never hold an email or a body, and became a metrics label, a new series
// for every new junk line.
TEST(FuzzFindingsTest, JunkRequestLineStaysOutOfTheLogAndTheMetrics) {
  fuzz::InProcessApp app({});
  const std::vector<fuzz::Exchange> exchanges = app.ServeConnection(
      "{\"email\":\"ada@example.test\"} / HTTP/1.1\r\nHost: localhost\r\n\r\n", 1);
  ASSERT_EQ(exchanges.size(), 1u);
  EXPECT_TRUE(exchanges[0].response.starts_with("HTTP/1.1 400 ")) << exchanges[0].response;
  ASSERT_EQ(exchanges[0].log_lines.size(), 1u);
  const std::string& line = exchanges[0].log_lines[0];
  EXPECT_EQ(line.find("example.test"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("method":"unknown")"), std::string::npos) << line;
  const std::string metrics = app.RenderMetrics();
  EXPECT_EQ(metrics.find("example.test"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(R"(method="unknown",route="unmatched",status="400")"), std::string::npos)
      << metrics;
}

// A request line refused for its version still has a method httplib
// serves: that one is kept.
TEST(FuzzFindingsTest, RefusedRequestLineKeepsAServedMethod) {
  fuzz::InProcessApp app({});
  const std::vector<fuzz::Exchange> exchanges =
      app.ServeConnection("HEAD /users HTTP/9.9\r\n\r\n", 1);
  ASSERT_EQ(exchanges.size(), 1u);
  ASSERT_EQ(exchanges[0].log_lines.size(), 1u);
  EXPECT_NE(exchanges[0].log_lines[0].find(R"("method":"HEAD")"), std::string::npos)
      << exchanges[0].log_lines[0];
}

// request_fuzz: stage 3 gives every body a stand-in type that httplib does
// not compress, and the post-routing handler puts the real one back
// (SetUncompressedBody). A two-part Range on GET /users once became a 416
// typed application/json with no body, then a multipart of byte ranges.
// Since CONV-18 the ranges are dropped before routing: the answer is the
// whole list, typed as the spec says, without Content-Range.
TEST(FuzzFindingsTest, TwoByteRangesGetTheWholeTypedBody) {
  fuzz::InProcessApp app({});
  const std::vector<fuzz::Exchange> ranged = app.ServeConnection(
      "GET /users HTTP/1.1\r\nHost: localhost\r\nRange: bytes=0-1,3-4\r\n\r\n", 1);
  ASSERT_EQ(ranged.size(), 1u);
  EXPECT_EQ(ranged[0].response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << ranged[0].response;
  EXPECT_NE(ranged[0].response.find("\r\nContent-Type: application/json\r\n"), std::string::npos)
      << ranged[0].response;
  EXPECT_EQ(ranged[0].response.find("Content-Range"), std::string::npos) << ranged[0].response;
  EXPECT_EQ(ranged[0].response.find("multipart"), std::string::npos) << ranged[0].response;

  // Without a Range, the real type comes back, and the stand-in's header
  // never leaves the server.
  const std::vector<fuzz::Exchange> plain =
      app.ServeConnection("GET /users HTTP/1.1\r\nHost: localhost\r\n\r\n", 1);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_NE(plain[0].response.find("\r\nContent-Type: application/json\r\n"), std::string::npos)
      << plain[0].response;
  EXPECT_EQ(plain[0].response.find("Held"), std::string::npos) << plain[0].response;
}

// The fields a query of GET /users fails on, its parameters decoded as
// httplib 0.11 decodes them; empty when it is accepted.
std::vector<std::string> FailingParameters(const std::string& query) {
  httplib::Request req;
  req.method = "GET";
  req.path = "/users";
  req.target = "/users?" + query;
  httplib::detail::parse_query_text(query, req.params);
  return FailingFieldsOf([&] { ParseUserQuery(req); });
}

// list_query_fuzz: q and email were checked for well-formed UTF-8
// sequences only, so a surrogate (here U+D800 as ED A0 80), an overlong
// form or a code point past U+10FFFF passed, where the spec asks for valid
// UTF-8 (RFC 3629, as the JSON parser holds bodies to).
TEST(FuzzFindingsTest, QueryTextMustBeValidUtf8ByRfc3629) {
  EXPECT_EQ(FailingParameters("q=z%fzu20%28Z=o%ED%A0%80%C3%AB%#0%26%20co&%29%201%2B0%2F2&offset=1"),
            std::vector<std::string>{"q"});
  for (const char* bad : {"%ED%A0%80", "%ED%BF%BF", "%C0%AF", "%C1%BF", "%E0%80%AF",
                          "%F0%80%80%AF", "%F4%90%80%80", "%F7%BF%BF%BF"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(FailingParameters(std::string("q=") + bad), std::vector<std::string>{"q"});
    EXPECT_EQ(FailingParameters(std::string("email=") + bad), std::vector<std::string>{"email"});
  }
  for (const char* good : {"%C2%80", "%DF%BF", "%E0%A0%80", "%ED%9F%BF", "%EE%80%80",
                           "%F0%90%80%80", "%F4%8F%BF%BF"}) {
    SCOPED_TRACE(good);
    EXPECT_EQ(FailingParameters(std::string("q=") + good), std::vector<std::string>{});
  }
}

}  // namespace
}  // namespace user_api
