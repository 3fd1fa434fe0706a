#include "api_client.hpp"

#include <regex>

namespace acceptance {
namespace {

constexpr time_t kConnectTimeoutSeconds = 5;
constexpr time_t kReadTimeoutSeconds = 15;
constexpr int kMaxPages = 10000;

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
