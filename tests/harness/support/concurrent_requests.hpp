// Requests sent at the same moment from many clients, and their statuses.
#pragma once

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "exchange.hpp"

namespace acceptance {

// Runs `request(i)` for i in [0, clients) on as many threads at once and
// returns the answers in that order.
template <typename Request>
std::vector<Exchange> AllAtOnce(int clients, Request request) {
  std::vector<Exchange> answers(static_cast<std::size_t>(clients));
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] { answers[static_cast<std::size_t>(i)] = request(i); });
  }
  for (std::thread& thread : threads) thread.join();
  return answers;
}

// How many answers had each status; 0 counts those with no response.
std::map<int, int> CountStatuses(const std::vector<Exchange>& answers);

// "1 x 201, 63 x 409", for messages.
std::string Describe(const std::map<int, int>& counts);

}  // namespace acceptance
