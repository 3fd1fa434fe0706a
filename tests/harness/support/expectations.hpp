// Assertions over an Exchange. Each failure message carries the whole
// exchange (see Describe), so a reader sees what was sent, what came back,
// what was expected and how to reproduce it.
//
//   ASSERT_HTTP(HasStatus(created, 201));
//   EXPECT_HTTP(HasJson(created, "/name", "Ada"));
//
// Every other condition goes through EXPECT_PLAIN or ASSERT_PLAIN, with a
// message that says in words what was expected and what came instead:
//
//   EXPECT_PLAIN(run.exit == "exited with code 2")
//       << "`" << command << "` should exit with code 2; it " << run.exit;
//
// Both work like EXPECT_TRUE and ASSERT_TRUE on a bool, anything that tests
// as one (a pointer, an optional) or an AssertionResult, but a failure
// prints only the AssertionResult's message and what is streamed in, never
// the C++ expression (`Value of:`, `Which is:`), which a candidate cannot
// act on. EXPECT_HTTP and ASSERT_HTTP are the same, named for the checks
// below.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "exchange.hpp"

#define EXPECT_PLAIN(check) GTEST_ASSERT_(::acceptance::Plain(check), GTEST_NONFATAL_FAILURE_)
#define ASSERT_PLAIN(check) GTEST_ASSERT_(::acceptance::Plain(check), GTEST_FATAL_FAILURE_)
#define EXPECT_HTTP(check) EXPECT_PLAIN(check)
#define ASSERT_HTTP(check) ASSERT_PLAIN(check)

namespace acceptance {

// What EXPECT_PLAIN and ASSERT_PLAIN test: an AssertionResult as it is, any
// other condition as a result without a message of its own.
inline testing::AssertionResult Plain(testing::AssertionResult result) { return result; }
template <typename Condition>
  requires(!std::is_same_v<Condition, testing::AssertionResult>)
testing::AssertionResult Plain(const Condition& condition) {
  return condition ? testing::AssertionSuccess() : testing::AssertionFailure();
}

// The response arrived with this status.
testing::AssertionResult HasStatus(const Exchange& exchange, int status);

// The response has this header with exactly this value.
testing::AssertionResult HasHeader(const Exchange& exchange, const std::string& name,
                                   const std::string& value);

// The response has no Content-Range header: the server ignored the
// request's Range header (CONV-18), whatever its status.
testing::AssertionResult HasNoContentRange(const Exchange& exchange);

// The response's Content-Type has this media type (parameters ignored).
testing::AssertionResult HasMediaType(const Exchange& exchange, const std::string& media_type);

// The body is JSON and the value at `pointer` (RFC 6901, "" for the whole
// body) equals `expected`.
testing::AssertionResult HasJson(const Exchange& exchange, const std::string& pointer,
                                 const nlohmann::json& expected);

// The response is an RFC 9457 problem document for this status:
// application/problem+json, with string type, title and detail, and a
// "status" member equal to the HTTP status.
testing::AssertionResult HasProblem(const Exchange& exchange, int status);

// The body's "errors" array names exactly these fields, in this order.
testing::AssertionResult HasErrorFields(const Exchange& exchange,
                                        const std::vector<std::string>& fields);

// A condition about the exchange that holds; `expectation` says in words
// what was expected, for the message.
testing::AssertionResult Holds(const Exchange& exchange, bool condition,
                               const std::string& expectation);

}  // namespace acceptance
