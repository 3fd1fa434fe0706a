#include "http/request_context.hpp"

#include <random>

#include "domain/text.hpp"

namespace user_api {

RequestContext& CurrentRequest() {
  thread_local RequestContext context;
  return context;
}

std::string AcceptOrMakeRequestId(const std::string& sent) {
  const bool sane = !sent.empty() && sent.size() <= 128 &&
                    sent.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                           "0123456789._-") == std::string::npos;
  if (sane) return sent;
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::string id;
  AppendHex(id, random(), 16);
  AppendHex(id, random(), 16);
  return id;
}

}  // namespace user_api
