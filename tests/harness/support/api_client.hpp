// Sends the requests of a test to the server under test. Each request uses
// a new connection, so a test sees every response on its own, and the
// response is read byte for byte: header values arrive as the server wrote
// them (httplib 0.11's client would percent-decode them).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "exchange.hpp"

namespace acceptance {

// Every user the server lists, gathered across pages.
struct UserListing {
  bool complete = false;          // False when a page failed; see `last`.
  nlohmann::json users = nlohmann::json::array();
  Exchange last;                  // The last page requested.
};

// What a test expects of the users a listing gathered; see ListAllUsers.
using ListingExpectation = std::function<bool(const nlohmann::json& users)>;
// True when every one of `ids` is listed.
ListingExpectation ListsEveryId(std::vector<std::int64_t> ids);
// True when a listed user has this exact email.
ListingExpectation ListsEmail(std::string email);

// Safe to use from several threads at once.
class ApiClient {
 public:
  // `base_url` is scheme://host:port with no path; `server_output` supplies
  // the tail of the server's stderr for failure messages (may be empty).
  ApiClient(std::string base_url, std::function<std::string()> server_output);

  // A client for the same server that adds `headers` to every request (for
  // example Authorization), unless the request sets a header of that name.
  ApiClient WithHeaders(const httplib::Headers& headers) const;

  // A client for the same server whose connections come from the local
  // address `address` (a numeric IP such as 127.0.0.2: Linux routes all of
  // 127.0.0.0/8 to the loopback interface), so that the server sees another
  // client. When the address cannot be bound, Exchange::error says so.
  ApiClient FromSourceAddress(const std::string& address) const;

  // Sends a request and records it. `path` (with its query) is sent exactly
  // as given, so percent-encode it yourself. Host, Connection: close and
  // Content-Length (for a body, and always on POST, PUT and PATCH) are added
  // unless `headers` has them. Never throws; a transport failure is reported
  // in Exchange::error.
  Exchange Send(const std::string& method, const std::string& path,
                const httplib::Headers& headers = {}, const std::string& body = "") const;

  // Sends `raw`, a whole request written by hand, on a new connection and
  // reads one response. For requests an HTTP client will not send: no
  // Content-Length, a chunked body, a malformed Content-Type. Never throws.
  // The server must answer from what `raw` holds: when it has neither
  // answered nor closed the connection 1 s after the whole of `raw` was
  // sent (it waits for a body that a request without Content-Length does
  // not have, or for the body of a Content-Length it must refuse), the
  // client ends its input (shuts down its sending side) and the exchange
  // fails; Exchange::error says so and what the server did then, and
  // status, headers and body hold any answer that came after.
  Exchange SendRaw(const std::string& raw) const;

  Exchange Get(const std::string& path) const { return Send("GET", path); }
  Exchange Delete(const std::string& path) const { return Send("DELETE", path); }
  // Sends `body` as JSON with Content-Type: application/json, and `headers`.
  Exchange Post(const std::string& path, const nlohmann::json& body,
                const httplib::Headers& headers = {}) const;
  Exchange Put(const std::string& path, const nlohmann::json& body,
               const httplib::Headers& headers = {}) const;
  Exchange Patch(const std::string& path, const nlohmann::json& body,
                 const httplib::Headers& headers = {}) const;

  // GETs `path` and follows rel="next" Link headers, so that the listing is
  // whole even against a server that pages its results.
  // With `expected`, walks the pages again, at most twice more, while
  // `expected` is false of the users gathered, and adds each user that a
  // later walk shows and no earlier one did, in id order. On a server that
  // other tests use at the same time, a delete during a walk moves every
  // later user back by one, so a walk by offset can step over a user
  // [PAGE-4]: a user the server keeps shows up in a later walk, a lost one
  // in none.
  UserListing ListAllUsers(const std::string& path = "/users",
                           const ListingExpectation& expected = nullptr) const;

  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
  std::function<std::string()> server_output_;
  httplib::Headers default_headers_;  // See WithHeaders.
  std::string source_address_;        // See FromSourceAddress; "" for any.
};

// The target of the rel="next" link in a Link header, or "" when none.
std::string NextLink(const std::string& link_header);

}  // namespace acceptance
