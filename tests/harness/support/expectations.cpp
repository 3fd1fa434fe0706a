#include "expectations.hpp"

namespace acceptance {
namespace {

testing::AssertionResult Failure(const Exchange& exchange, const std::string& expected,
                                 const std::string& actual) {
  return testing::AssertionFailure() << "\n  expected: " << expected << "\n  actual:   " << actual
                                     << "\n"
                                     << Describe(exchange);
}

std::string ActualStatus(const Exchange& exchange) {
  return exchange.ok() ? "status " + std::to_string(exchange.status)
                       : "no response (" + exchange.error + ")";
}

}  // namespace

testing::AssertionResult HasStatus(const Exchange& exchange, int status) {
  if (exchange.ok() && exchange.status == status) return testing::AssertionSuccess();
  return Failure(exchange, "status " + std::to_string(status), ActualStatus(exchange));
}

testing::AssertionResult HasHeader(const Exchange& exchange, const std::string& name,
                                   const std::string& value) {
  const std::string expected = "header " + name + ": " + value;
  if (!exchange.ok()) return Failure(exchange, expected, ActualStatus(exchange));
  if (!exchange.headers.count(name)) return Failure(exchange, expected, "no " + name + " header");
  const std::string actual = exchange.Header(name);
  if (actual == value) return testing::AssertionSuccess();
  return Failure(exchange, expected, name + ": " + actual);
}

testing::AssertionResult HasMediaType(const Exchange& exchange, const std::string& media_type) {
  const std::string expected = "Content-Type " + media_type;
  if (!exchange.ok()) return Failure(exchange, expected, ActualStatus(exchange));
  const std::string header = exchange.Header("Content-Type");
  std::string actual = header.substr(0, header.find(';'));
  while (!actual.empty() && actual.back() == ' ') actual.pop_back();
  if (actual == media_type) return testing::AssertionSuccess();
  return Failure(exchange, expected,
                 header.empty() ? "no Content-Type header" : "Content-Type " + header);
}

testing::AssertionResult HasJson(const Exchange& exchange, const std::string& pointer,
                                 const nlohmann::json& expected) {
  const std::string where = pointer.empty() ? "the body" : "body" + pointer;
  const std::string expectation = where + " == " + expected.dump();
  if (!exchange.ok()) return Failure(exchange, expectation, ActualStatus(exchange));
  const nlohmann::json body = exchange.Json();
  if (body.is_discarded()) return Failure(exchange, expectation, "the body is not JSON");
  const nlohmann::json::json_pointer path(pointer);
  if (!body.contains(path)) return Failure(exchange, expectation, where + " is missing");
  const nlohmann::json& actual = body.at(path);
  if (actual == expected) return testing::AssertionSuccess();
  return Failure(exchange, expectation, where + " == " + actual.dump());
}

testing::AssertionResult HasProblem(const Exchange& exchange, int status) {
  if (auto result = HasStatus(exchange, status); !result) return result;
  if (auto result = HasMediaType(exchange, "application/problem+json"); !result) return result;
  const nlohmann::json body = exchange.Json();
  const bool shaped = body.is_object() && body.value("type", nlohmann::json()).is_string() &&
                      body.value("title", nlohmann::json()).is_string() &&
                      body.value("detail", nlohmann::json()).is_string();
  if (!shaped) {
    return Failure(exchange, "a problem document with string type, title and detail",
                   "a body without them");
  }
  return HasJson(exchange, "/status", status);
}

testing::AssertionResult HasErrorFields(const Exchange& exchange,
                                        const std::vector<std::string>& fields) {
  const std::string expected = "body.errors names the fields " + nlohmann::json(fields).dump();
  const nlohmann::json body = exchange.Json();
  if (!body.is_object() || !body.contains("errors") || !body["errors"].is_array()) {
    return Failure(exchange, expected, "no errors array in the body");
  }
  std::vector<std::string> actual;
  for (const nlohmann::json& entry : body["errors"]) {
    actual.push_back(entry.is_object() ? entry.value("field", std::string("(no field)"))
                                       : "(not an object)");
  }
  if (actual == fields) return testing::AssertionSuccess();
  return Failure(exchange, expected, "fields " + nlohmann::json(actual).dump());
}

testing::AssertionResult HasNoContentRange(const Exchange& exchange) {
  return Holds(exchange, exchange.headers.find("Content-Range") == exchange.headers.end(),
               "no Content-Range header: a Range header is ignored (cpp-httplib 0.11 applies "
               "it to any answer, errors included, unless the pre-routing handler drops it: "
               "see the starter's IgnoreRangeHeader)");
}

testing::AssertionResult Holds(const Exchange& exchange, bool condition,
                               const std::string& expectation) {
  if (condition) return testing::AssertionSuccess();
  return Failure(exchange, expectation, "not so");
}

}  // namespace acceptance
