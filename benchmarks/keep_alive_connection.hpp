// One keep-alive HTTP/1.1 connection that sends requests written in full by
// the caller and reads just what a measurement needs from each response:
// its status and its body, framed by Content-Length.
//
// The load benchmark measures servers through it rather than through
// httplib::Client, whose per-request work (header maps, URL handling,
// locks) is CPU that the server under test would have on a two-core
// machine: through httplib::Client the harness read 0.83x what wrk reads on
// the same server. Not a general client: no chunked bodies, no redirects,
// no TLS.
#pragma once

#include <chrono>
#include <string>

namespace bench {

class KeepAliveConnection {
 public:
  // `base_url` is http://HOST:PORT; nothing is connected until Send.
  explicit KeepAliveConnection(std::string base_url);
  ~KeepAliveConnection();
  KeepAliveConnection(const KeepAliveConnection&) = delete;
  KeepAliveConnection& operator=(const KeepAliveConnection&) = delete;

  // A request's bytes for this connection's server: METHOD PATH, a Host
  // header, and the JSON body with its type and length when it is not "".
  std::string Request(const std::string& method, const std::string& path,
                      const std::string& json_body = "") const;

  // Sends `request` (as made by Request) and reads the response into
  // `body`. Returns its status, or 0 when the connection failed or the
  // response could not be read (then the connection is closed, and the
  // next Send opens a new one). Reconnects first when the server closed
  // the connection after the previous response (Connection: close), or
  // while it was idle for a second or more (a keep-alive timeout).
  int Send(const std::string& request, std::string& body);

 private:
  bool Connect();
  void Close();
  // Closes the connection when the server has closed its end.
  void CloseIfEndedByServer();

  std::string host_;
  std::string port_;
  int fd_ = -1;
  std::string buffer_;  // Bytes read past the previous response.
  std::chrono::steady_clock::time_point last_used_;
};

}  // namespace bench
