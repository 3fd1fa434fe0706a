// Assertions over an Exchange. Each failure message carries the whole
// exchange (see Describe), so a reader sees what was sent, what came back,
// what was expected and how to reproduce it.
//
//   ASSERT_HTTP(HasStatus(created, 201));
//   EXPECT_HTTP(HasJson(created, "/name", "Ada"));
//
// EXPECT_HTTP and ASSERT_HTTP work like EXPECT_TRUE and ASSERT_TRUE but
// print only the check's own message, not the C++ expression.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "exchange.hpp"

#define EXPECT_HTTP(check) GTEST_ASSERT_(check, GTEST_NONFATAL_FAILURE_)
#define ASSERT_HTTP(check) GTEST_ASSERT_(check, GTEST_FATAL_FAILURE_)

namespace acceptance {

// The response arrived with this status.
testing::AssertionResult HasStatus(const Exchange& exchange, int status);

// The response has this header with exactly this value.
testing::AssertionResult HasHeader(const Exchange& exchange, const std::string& name,
                                   const std::string& value);

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
