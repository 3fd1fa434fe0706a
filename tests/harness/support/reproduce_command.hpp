// The shell command a failure message prints to send a test's request
// again.
#pragma once

#include <string>

#include "exchange.hpp"

namespace acceptance {

// A shell command line that sends the request again and prints the answer
// (status line, headers and body), for a candidate to paste into bash. It
// needs nothing but bash, curl and coreutils (printf, cat, timeout):
// - curl for a request sent by ApiClient::Send. It is the same request but
//   for what curl does on its own: it adds User-Agent and Accept, leaves
//   out Connection: close, and may put the headers in another order.
// - curl for a request written by hand (ApiClient::SendRaw) when curl sends
//   exactly its bytes, checked by tests/suites/meta/reproduce_lines_test.cpp.
// - Otherwise printf into bash's /dev/tcp: the exact bytes, then whatever
//   the server answers within 5 s. It cannot choose the local address, so
//   a request sent from another address says so in a trailing comment.
// Long runs of the same bytes are written as printf loops.
std::string ReproduceCommand(const Exchange& exchange);

}  // namespace acceptance
