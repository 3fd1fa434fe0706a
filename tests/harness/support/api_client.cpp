#include "api_client.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <regex>
#include <sstream>

namespace acceptance {
namespace {

constexpr time_t kConnectTimeoutSeconds = 5;
constexpr time_t kReadTimeoutSeconds = 15;
// How long a server may stay silent after the whole of a raw request, and
// then after the client has ended its input; see ApiClient::SendRaw.
constexpr int kRawAnswerWithinSeconds = 1;
constexpr int kMaxPages = 10000;

// Removes chunked framing from `body`; false when the framing is broken.
bool Dechunk(std::string& body) {
  std::string out;
  std::size_t at = 0;
  while (true) {
    const std::size_t line_end = body.find("\r\n", at);
    if (line_end == std::string::npos) return false;
    std::size_t size = 0;
    try {
      size = std::stoul(body.substr(at, line_end - at), nullptr, 16);
    } catch (const std::exception&) {
      return false;
    }
    at = line_end + 2;
    if (size == 0) break;
    if (at + size > body.size()) return false;
    out.append(body, at, size);
    at += size + 2;
  }
  body = std::move(out);
  return true;
}

// Reads one HTTP response from `fd` into `exchange`, header values exactly
// as sent, waiting at most `timeout` for each part of it; false on a
// timeout, a reset, a body shorter than its Content-Length or a malformed
// response (with exchange.error set).
bool ReadResponse(int fd, Exchange& exchange, timeval timeout) {
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string data;
  std::size_t header_end = std::string::npos;
  std::size_t needed = std::string::npos;
  char chunk[8192];
  while (needed == std::string::npos || data.size() < needed) {
    const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const std::string waited = timeout.tv_sec > 0 ? std::to_string(timeout.tv_sec) + " s"
                                                     : std::to_string(timeout.tv_usec / 1000) + " ms";
      exchange.error = (data.empty() ? "no response within " : "no complete response within ") +
                       waited + (data.empty() ? "" : " (received: " + data.substr(0, 200) + ")");
      return false;
    }
    if (n < 0) {
      exchange.error = std::string("reading the response: ") + strerror(errno);
      return false;
    }
    if (n == 0) break;
    data.append(chunk, static_cast<std::size_t>(n));
    if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != std::string::npos) {
      static const std::regex kLength(R"(\r\n[Cc]ontent-[Ll]ength:\s*(\d+))");
      static const std::regex kNoBody(R"(HTTP/1\.[01] (1\d\d|204|304)[^\d][\s\S]*)");
      std::smatch match;
      const std::string head = data.substr(0, header_end);
      if (std::regex_match(head, kNoBody) || exchange.method == "HEAD") {
        needed = header_end + 4;
      } else if (std::regex_search(head, match, kLength)) {
        needed = header_end + 4 + std::stoul(match[1]);
      }
    }
  }
  static const std::regex kStatusLine(R"(HTTP/1\.[01] (\d{3})[^\r]*)");
  std::smatch status;
  const std::string head = data.substr(0, header_end);
  if (header_end == std::string::npos ||
      !std::regex_search(head, status, kStatusLine, std::regex_constants::match_continuous)) {
    exchange.error = data.empty() ? "the server closed the connection without a response"
                                  : "a malformed response: " + data.substr(0, 200);
    return false;
  }
  exchange.status = std::stoi(status[1]);
  std::istringstream lines(head);
  std::string line;
  std::getline(lines, line);  // The status line.
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, std::min(value.find_first_not_of(" \t"), value.size()));
    value.erase(value.find_last_not_of(" \t") + 1);
    exchange.headers.emplace(line.substr(0, colon), value);
  }
  exchange.body = data.substr(std::min(header_end + 4, data.size()));
  if (needed != std::string::npos && data.size() < needed) {
    exchange.cut_short = true;
    exchange.error = "the connection closed after " + std::to_string(exchange.body.size()) +
                     " of the " + std::to_string(needed - header_end - 4) +
                     " body bytes its Content-Length announced";
    return false;
  }
  if (needed != std::string::npos) exchange.body.resize(needed - header_end - 4);
  if (exchange.Header("Transfer-Encoding").find("chunked") != std::string::npos &&
      !Dechunk(exchange.body)) {
    exchange.error = "a response with broken chunked framing";
    return false;
  }
  return true;
}

// Binds `fd`, a socket of `family`, to the numeric address `source` with
// any port. Returns "" or why it could not.
std::string BindSource(int fd, int family, const std::string& source) {
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo* local = nullptr;
  if (getaddrinfo(source.c_str(), nullptr, &hints, &local) != 0) {
    return source + " is not a numeric address of the server's address family";
  }
  const int bound = bind(fd, local->ai_addr, local->ai_addrlen);
  const int bind_errno = errno;
  freeaddrinfo(local);
  return bound == 0 ? "" : std::string("bind: ") + strerror(bind_errno);
}

// Reads the answer to a raw request (see ApiClient::SendRaw): a server that
// has done nothing kRawAnswerWithinSeconds after the whole request sees its input
// end, and the exchange fails, saying what the server did after that.
void ReadPromptAnswer(int fd, Exchange& exchange) {
  pollfd answer{fd, POLLIN, 0};
  int ready = 0;
  do {
    ready = poll(&answer, 1, kRawAnswerWithinSeconds * 1000);
  } while (ready < 0 && errno == EINTR);
  if (ready != 0) {  // Bytes, the end of the connection or an error: the server acted.
    ReadResponse(fd, exchange, {kReadTimeoutSeconds, 0});
    return;
  }
  shutdown(fd, SHUT_WR);
  const timeval after_end{kRawAnswerWithinSeconds, 0};
  const std::string then = ReadResponse(fd, exchange, after_end)
                               ? "it answered " + std::to_string(exchange.status)
                               : exchange.error;
  exchange.error = "no answer within " + std::to_string(kRawAnswerWithinSeconds) +
                   " s of the whole request: the server seems to wait for more of it (a request "
                   "without Content-Length has no body; a Content-Length over the limit is "
                   "refused before its body). When the client then ended its input, " + then;
}

// Sends `bytes` on a new connection to `base_url`, from
// exchange.source_address when it is set, and reads one response into
// `exchange`; `raw` for a request from ApiClient::SendRaw.
void Transmit(const std::string& base_url, const std::string& bytes, bool raw,
              Exchange& exchange) {
  std::string host_port = base_url.substr(base_url.find("://") + 3);
  const auto colon = host_port.rfind(':');
  std::string host = host_port.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* address = nullptr;
  if (getaddrinfo(host.c_str(), host_port.substr(colon + 1).c_str(), &hints, &address) != 0) {
    exchange.error = "cannot resolve " + host_port;
    return;
  }
  const int fd = socket(address->ai_family, address->ai_socktype, address->ai_protocol);
  if (fd < 0) {
    exchange.error = std::string("socket: ") + strerror(errno);
    freeaddrinfo(address);
    return;
  }
  // On Linux the send timeout also bounds connect().
  const timeval connect_timeout{kConnectTimeoutSeconds, 0};
  const timeval timeout{kReadTimeoutSeconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &connect_timeout, sizeof connect_timeout);
  const std::string bind_error =
      exchange.source_address.empty() ? ""
                                      : BindSource(fd, address->ai_family, exchange.source_address);
  if (!bind_error.empty()) {
    exchange.error = "could not send from " + exchange.source_address + ": " + bind_error;
  } else if (connect(fd, address->ai_addr, address->ai_addrlen) != 0) {
    exchange.error = std::string("connect: ") + strerror(errno);
  } else {
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    // The server may answer and stop reading before the whole request is
    // sent (a refused body); its answer is still read below.
    for (std::size_t sent = 0; sent < bytes.size();) {
      const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    if (raw) {
      ReadPromptAnswer(fd, exchange);
    } else {
      ReadResponse(fd, exchange, timeout);
    }
  }
  close(fd);
  freeaddrinfo(address);
}

}  // namespace

ApiClient::ApiClient(std::string base_url, std::function<std::string()> server_output)
    : base_url_(std::move(base_url)), server_output_(std::move(server_output)) {}

ApiClient ApiClient::WithHeaders(const httplib::Headers& headers) const {
  ApiClient client = *this;
  for (const auto& [name, value] : headers) client.default_headers_.emplace(name, value);
  return client;
}

ApiClient ApiClient::FromSourceAddress(const std::string& address) const {
  ApiClient client = *this;
  client.source_address_ = address;
  return client;
}

// Writes the request itself rather than through httplib::Client, whose
// 0.11 release percent-decodes every response header value (a Link header
// would lose its escapes) and rewrites '+' in the path.
Exchange ApiClient::Send(const std::string& method, const std::string& path,
                         const httplib::Headers& headers, const std::string& body) const {
  Exchange exchange;
  exchange.base_url = base_url_;
  exchange.method = method;
  exchange.path = path;
  exchange.request_headers = headers;
  for (const auto& [name, value] : default_headers_) {
    if (!exchange.request_headers.count(name)) exchange.request_headers.emplace(name, value);
  }
  exchange.request_body = body;
  exchange.source_address = source_address_;
  exchange.server_output = server_output_;

  std::string bytes = method + " " + path + " HTTP/1.1\r\n";
  if (!exchange.request_headers.count("Host")) {
    bytes += "Host: " + base_url_.substr(base_url_.find("://") + 3) + "\r\n";
  }
  for (const auto& [name, value] : exchange.request_headers) bytes += name + ": " + value + "\r\n";
  if (!exchange.request_headers.count("Connection")) bytes += "Connection: close\r\n";
  const bool sends_body = !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (sends_body && !exchange.request_headers.count("Content-Length")) {
    bytes += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  bytes += "\r\n" + body;
  Transmit(base_url_, bytes, /*raw=*/false, exchange);
  return exchange;
}

Exchange ApiClient::SendRaw(const std::string& raw) const {
  Exchange exchange;
  exchange.base_url = base_url_;
  exchange.raw_request = raw;
  exchange.source_address = source_address_;
  exchange.server_output = server_output_;
  const std::string request_line = raw.substr(0, raw.find("\r\n"));
  exchange.method = request_line.substr(0, request_line.find(' '));
  exchange.path = request_line.substr(exchange.method.size() + 1);
  exchange.path = exchange.path.substr(0, exchange.path.rfind(' '));
  Transmit(base_url_, raw, /*raw=*/true, exchange);
  return exchange;
}

namespace {

httplib::Headers WithJsonContentType(httplib::Headers headers) {
  if (!headers.count("Content-Type")) headers.emplace("Content-Type", "application/json");
  return headers;
}

}  // namespace

Exchange ApiClient::Post(const std::string& path, const nlohmann::json& body,
                         const httplib::Headers& headers) const {
  return Send("POST", path, WithJsonContentType(headers), body.dump());
}

Exchange ApiClient::Put(const std::string& path, const nlohmann::json& body,
                        const httplib::Headers& headers) const {
  return Send("PUT", path, WithJsonContentType(headers), body.dump());
}

Exchange ApiClient::Patch(const std::string& path, const nlohmann::json& body,
                          const httplib::Headers& headers) const {
  return Send("PATCH", path, WithJsonContentType(headers), body.dump());
}

ListingExpectation ListsEveryId(std::vector<std::int64_t> ids) {
  return [ids = std::move(ids)](const nlohmann::json& users) {
    return std::all_of(ids.begin(), ids.end(), [&](std::int64_t id) {
      return std::any_of(users.begin(), users.end(), [&](const nlohmann::json& user) {
        return user.value("id", std::int64_t{0}) == id;
      });
    });
  };
}

ListingExpectation ListsEmail(std::string email) {
  return [email = std::move(email)](const nlohmann::json& users) {
    return std::any_of(users.begin(), users.end(), [&](const nlohmann::json& user) {
      return user.value("email", "") == email;
    });
  };
}

namespace {

constexpr int kWalksWhileExpectationFails = 3;

// Inserts each user of `later` whose id `users` lacks before the first user
// of `users` with a greater id.
void AddUnseenUsers(nlohmann::json& users, const nlohmann::json& later) {
  auto id_of = [](const nlohmann::json& user) { return user.value("id", std::int64_t{0}); };
  for (const nlohmann::json& user : later) {
    const std::int64_t id = id_of(user);
    if (std::any_of(users.begin(), users.end(),
                    [&](const nlohmann::json& seen) { return id_of(seen) == id; })) {
      continue;
    }
    const auto after = std::find_if(users.begin(), users.end(),
                                    [&](const nlohmann::json& seen) { return id_of(seen) > id; });
    users.insert(after, user);
  }
}

}  // namespace

UserListing ApiClient::ListAllUsers(const std::string& path,
                                    const ListingExpectation& expected) const {
  UserListing listing;
  for (int walk = 0; walk < kWalksWhileExpectationFails; ++walk) {
    UserListing pages;
    std::string next = path;
    for (int page = 0; page < kMaxPages && !next.empty(); ++page) {
      pages.last = Get(next);
      const nlohmann::json items = pages.last.Json();
      if (!pages.last.ok() || pages.last.status != 200 || !items.is_array()) break;
      pages.users.insert(pages.users.end(), items.begin(), items.end());
      next = NextLink(pages.last.Header("Link"));
    }
    pages.complete = next.empty();
    if (walk == 0) {
      listing = std::move(pages);
    } else {
      listing.last = std::move(pages.last);
      listing.complete = pages.complete;
      AddUnseenUsers(listing.users, pages.users);
    }
    if (!listing.complete || !expected || expected(listing.users)) break;
  }
  return listing;
}

std::string NextLink(const std::string& link_header) {
  static const std::regex kNext(R"re(<([^>]*)>\s*;[^,]*rel="?next"?)re");
  std::smatch match;
  if (!std::regex_search(link_header, match, kNext)) return "";
  std::string target = match[1];
  // An absolute link is reduced to its path: the client keeps its base URL.
  if (auto scheme = target.find("://"); scheme != std::string::npos) {
    auto slash = target.find('/', scheme + 3);
    target = slash == std::string::npos ? "/" : target.substr(slash);
  }
  return target;
}

}  // namespace acceptance
