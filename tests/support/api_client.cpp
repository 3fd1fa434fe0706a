#include "api_client.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>
#include <regex>
#include <sstream>

namespace acceptance {
namespace {

constexpr time_t kConnectTimeoutSeconds = 5;
constexpr time_t kReadTimeoutSeconds = 15;
constexpr int kMaxPages = 10000;

// Reads one HTTP response from `fd` into `exchange`; false on a timeout,
// a reset or a malformed response (with exchange.error set).
bool ReadResponse(int fd, Exchange& exchange) {
  std::string data;
  std::size_t header_end = std::string::npos;
  std::size_t needed = std::string::npos;
  char chunk[8192];
  while (needed == std::string::npos || data.size() < needed) {
    const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n < 0) {
      exchange.error = std::string("reading the response: ") + strerror(errno);
      return false;
    }
    if (n == 0) break;
    data.append(chunk, static_cast<std::size_t>(n));
    if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != std::string::npos) {
      static const std::regex kLength(R"(\r\n[Cc]ontent-[Ll]ength:\s*(\d+))");
      std::smatch match;
      const std::string head = data.substr(0, header_end);
      if (std::regex_search(head, match, kLength)) {
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
    value.erase(0, std::min(value.find_first_not_of(' '), value.size()));
    exchange.headers.emplace(line.substr(0, colon), value);
  }
  exchange.body = data.substr(std::min(header_end + 4, data.size()));
  return true;
}

}  // namespace

ApiClient::ApiClient(std::string base_url, std::function<std::string()> server_output)
    : base_url_(std::move(base_url)), server_output_(std::move(server_output)) {}

Exchange ApiClient::Send(const std::string& method, const std::string& path,
                         const httplib::Headers& headers, const std::string& body) const {
  Exchange exchange;
  exchange.base_url = base_url_;
  exchange.method = method;
  exchange.path = path;
  exchange.request_headers = headers;
  exchange.request_body = body;
  exchange.server_output = server_output_;

  httplib::Client client(base_url_);
  client.set_connection_timeout(kConnectTimeoutSeconds);
  client.set_read_timeout(kReadTimeoutSeconds);
  httplib::Request request;
  request.method = method;
  request.path = path;
  request.headers = headers;
  request.body = body;
  httplib::Result result = client.send(request);
  if (!result) {
    exchange.error = httplib::to_string(result.error());
    return exchange;
  }
  exchange.status = result->status;
  exchange.headers = result->headers;
  exchange.body = result->body;
  return exchange;
}

Exchange ApiClient::SendRaw(const std::string& raw) const {
  Exchange exchange;
  exchange.base_url = base_url_;
  exchange.raw_request = raw;
  exchange.server_output = server_output_;
  const std::string request_line = raw.substr(0, raw.find("\r\n"));
  exchange.method = request_line.substr(0, request_line.find(' '));
  exchange.path = request_line.substr(exchange.method.size() + 1);
  exchange.path = exchange.path.substr(0, exchange.path.rfind(' '));

  const std::string host_port = base_url_.substr(base_url_.find("://") + 3);
  const auto colon = host_port.rfind(':');
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* address = nullptr;
  if (getaddrinfo(host_port.substr(0, colon).c_str(), host_port.substr(colon + 1).c_str(), &hints,
                  &address) != 0) {
    exchange.error = "cannot resolve " + host_port;
    return exchange;
  }
  const int fd = socket(address->ai_family, address->ai_socktype, address->ai_protocol);
  const timeval timeout{kReadTimeoutSeconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (connect(fd, address->ai_addr, address->ai_addrlen) != 0) {
    exchange.error = std::string("connect: ") + strerror(errno);
  } else {
    // The server may answer and stop reading before the whole request is
    // sent (a refused body); its answer is still read below.
    for (std::size_t sent = 0; sent < raw.size();) {
      const ssize_t n = send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    ReadResponse(fd, exchange);
  }
  close(fd);
  freeaddrinfo(address);
  return exchange;
}

Exchange ApiClient::Post(const std::string& path, const nlohmann::json& body) const {
  return Send("POST", path, {{"Content-Type", "application/json"}}, body.dump());
}

Exchange ApiClient::Put(const std::string& path, const nlohmann::json& body) const {
  return Send("PUT", path, {{"Content-Type", "application/json"}}, body.dump());
}

UserListing ApiClient::ListAllUsers(const std::string& path) const {
  UserListing listing;
  std::string next = path;
  for (int page = 0; page < kMaxPages && !next.empty(); ++page) {
    listing.last = Get(next);
    const nlohmann::json items = listing.last.Json();
    if (!listing.last.ok() || listing.last.status != 200 || !items.is_array()) return listing;
    listing.users.insert(listing.users.end(), items.begin(), items.end());
    next = NextLink(listing.last.Header("Link"));
  }
  listing.complete = next.empty();
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
