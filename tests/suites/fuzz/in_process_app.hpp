// Stage 3 served in process, without sockets: the bytes of a connection go
// through httplib's own request processing (Server::process_request: the
// request line and headers, the pre-routing checks, the body, the route
// handlers, the exception, error and post-routing handlers, the response)
// over an in-memory httplib::Stream, to a server that stage 3's own App
// (app.hpp) installs, as main.cpp does, on a fresh in-memory store. Used by
// request_fuzz.cpp and by the unit tests of what fuzzing found
// (tests/suites/unit).
//
// httplib 0.11 has no public call that serves a request without a socket,
// but process_request, which Server calls for each request read from a
// connection, is protected: a subclass may call it, with any Stream. So
// everything from the request line to the written response is httplib's
// and the application's own code; only the socket loop is this file's, and
// it follows httplib's (process_server_socket_core).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fuzz {

struct InProcessSettings {
  std::string api_key;  // "" means none.
  int rate_limit = 0;   // Requests a second per client; 0 means none.
};

// One request of a connection and its answer.
struct Exchange {
  std::string request;  // The bytes httplib read for it.
  bool parsed = false;  // httplib read the request line and headers.
  std::string method;   // As httplib parsed them, when parsed.
  std::string path;
  std::string response;               // The bytes written, interim 1xx included.
  std::vector<std::string> log_lines;  // What the server logged meanwhile.
};

// Not safe to use from several threads at once: while it serves, the
// process's `stderr` points at a capture of the server's log (glibc's
// stderr is an ordinary variable; descriptor 2 is left alone).
class InProcessApp {
 public:
  explicit InProcessApp(const InProcessSettings& settings);
  ~InProcessApp();
  InProcessApp(const InProcessApp&) = delete;
  InProcessApp& operator=(const InProcessApp&) = delete;

  // Starts over, as a new app would: an empty store whose ids start at 1,
  // no metrics, no rate-limit buckets, these settings. Much cheaper than a
  // new app.
  void Reset(const InProcessSettings& settings);

  // Serves the bytes a client sent on one keep-alive connection, request
  // after request, each read from where the one before stopped, as httplib
  // does; at most `max_requests`, the last of them told to close. Stops
  // when the bytes run out or a request closes the connection.
  std::vector<Exchange> ServeConnection(std::string_view bytes, std::size_t max_requests);

  // GET /metrics as the app renders it now.
  std::string RenderMetrics() const;

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace fuzz
