#include "keep_alive_connection.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace bench {
namespace {

// A response's header block is searched for these, ignoring ASCII case.
bool StartsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char a = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] + 32) : text[i];
    if (a != prefix[i]) return false;
  }
  return true;
}

}  // namespace

KeepAliveConnection::KeepAliveConnection(std::string base_url) {
  std::string authority = base_url.substr(base_url.find("://") + 3);
  if (const auto slash = authority.find('/'); slash != std::string::npos) authority.resize(slash);
  const auto colon = authority.rfind(':');
  host_ = authority.substr(0, colon);
  port_ = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  if (host_.size() > 2 && host_.front() == '[' && host_.back() == ']') {
    host_ = host_.substr(1, host_.size() - 2);
  }
}

KeepAliveConnection::~KeepAliveConnection() { Close(); }

std::string KeepAliveConnection::Request(const std::string& method, const std::string& path,
                                         const std::string& json_body) const {
  const bool ipv6 = host_.find(':') != std::string::npos;
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: " +
                        (ipv6 ? "[" + host_ + "]" : host_) + ":" + port_ + "\r\n";
  if (!json_body.empty()) {
    request += "Content-Type: application/json\r\nContent-Length: " +
               std::to_string(json_body.size()) + "\r\n";
  }
  return request + "\r\n" + json_body;
}

bool KeepAliveConnection::Connect() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* address = nullptr;
  if (getaddrinfo(host_.c_str(), port_.c_str(), &hints, &address) != 0) return false;
  fd_ = socket(address->ai_family, address->ai_socktype, address->ai_protocol);
  if (fd_ >= 0 && connect(fd_, address->ai_addr, address->ai_addrlen) != 0) Close();
  freeaddrinfo(address);
  if (fd_ < 0) return false;
  const int on = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  const timeval timeout{30, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  return true;
}

void KeepAliveConnection::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  buffer_.clear();
}

void KeepAliveConnection::CloseIfEndedByServer() {
  char byte;
  const ssize_t n = recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) Close();
}

int KeepAliveConnection::Send(const std::string& request, std::string& body) {
  body.clear();
  const auto now = std::chrono::steady_clock::now();
  // Checked only after an idle second: a check per request would cost a
  // system call each, and a busy connection is not closed for idleness.
  if (fd_ >= 0 && now - last_used_ >= std::chrono::seconds(1)) CloseIfEndedByServer();
  last_used_ = now;
  if (fd_ < 0 && !Connect()) return 0;
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Close();
      return 0;
    }
    sent += static_cast<std::size_t>(n);
  }
  // Reads until the header block is whole, then until the body is.
  std::size_t header_end = std::string::npos;
  std::size_t needed = std::string::npos;
  int status = 0;
  bool close_after = false;
  char chunk[16384];
  while (needed == std::string::npos || buffer_.size() < needed) {
    if (header_end == std::string::npos &&
        (header_end = buffer_.find("\r\n\r\n")) != std::string::npos) {
      // "HTTP/1.1 201 Created": the status is at 9..11.
      if (buffer_.size() < 12 || buffer_.compare(0, 5, "HTTP/") != 0) break;
      status = std::atoi(buffer_.c_str() + 9);
      std::size_t length = 0;
      bool framed = false;
      for (std::size_t line = buffer_.find("\r\n") + 2; line < header_end;) {
        const std::size_t end = buffer_.find("\r\n", line);
        const std::string_view header(buffer_.data() + line, end - line);
        if (StartsWithIgnoringCase(header, "content-length:")) {
          length = std::strtoull(header.data() + 15, nullptr, 10);
          framed = true;
        } else if (StartsWithIgnoringCase(header, "connection:") &&
                   header.find("close") != std::string_view::npos) {
          close_after = true;
        }
        line = end + 2;
      }
      // 1xx, 204 and 304 have no body; any other response without a
      // Content-Length (chunked, or ended by closing) is not read here.
      const bool bodiless = status / 100 == 1 || status == 204 || status == 304;
      if (!framed && !bodiless) break;
      needed = header_end + 4 + (bodiless ? 0 : length);
      continue;
    }
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  if (needed == std::string::npos || buffer_.size() < needed) {
    Close();
    return 0;
  }
  body.assign(buffer_, header_end + 4, needed - header_end - 4);
  buffer_.erase(0, needed);
  if (close_after) Close();
  return status;
}

}  // namespace bench
