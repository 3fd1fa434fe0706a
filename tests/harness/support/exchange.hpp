// One HTTP request sent by a test and what came back, with everything a
// failure message needs to explain it.
#pragma once

#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace acceptance {

struct Exchange {
  // The request.
  std::string base_url;
  std::string method;
  std::string path;
  httplib::Headers request_headers;
  std::string request_body;
  // The bytes sent, for a request written by hand (see ApiClient::SendRaw).
  std::string raw_request;
  // The local address the request was sent from, or "" when the system
  // chose it (see ApiClient::FromSourceAddress).
  std::string source_address;

  // The response; `error` is non-empty when none came back, or none that
  // counts (see ApiClient::SendRaw), and status (then non-zero), headers
  // and body may still hold what did.
  std::string error;
  int status = 0;
  httplib::Headers headers;
  std::string body;
  // The connection ended before the whole body its Content-Length announced
  // (then `error` says so, and `status` holds the status line's).
  bool cut_short = false;

  // The tail of the server's stderr, read when a message is written.
  std::function<std::string()> server_output;

  bool ok() const { return error.empty(); }
  // The value of a response header, or "" when absent.
  std::string Header(const std::string& name) const;
  // The body parsed as JSON; a discarded value when it is not JSON.
  nlohmann::json Json() const;
};

// A multi-line account of the exchange: request, response, the command that
// reproduces it and the server's output.
std::string Describe(const Exchange& exchange);

}  // namespace acceptance
