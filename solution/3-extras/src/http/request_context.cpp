#include "http/request_context.hpp"

#include <random>

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
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    std::uint64_t bits = random();
    for (int i = 0; i < 16; ++i, bits >>= 4) id[half * 16 + i] = kHex[bits & 0xF];
  }
  return id;
}

}  // namespace user_api
