#include "reproduce_command.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <map>
#include <optional>
#include <regex>
#include <utility>
#include <vector>

#include "text.hpp"

namespace acceptance {
namespace {

// How long a line sent through bash waits for the answer: the server may
// keep the connection open after it.
constexpr int kAnswerWaitSeconds = 5;
// A unit of up to this many bytes repeated into kShortestLoop bytes or more
// is printed by a printf loop rather than spelled out.
constexpr std::size_t kLongestLoopUnit = 4;
constexpr std::size_t kShortestLoop = 64;
// From 1 MiB on, curl 7.88 sends "Expect: 100-continue" and waits for it.
constexpr std::size_t kLargestCurlBody = 1024 * 1024 - 1;
// curl sends a chunked body smaller than its upload buffer (64 KiB) as one
// chunk; a larger one is left to bash.
constexpr std::size_t kLargestCurlChunk = 16 * 1024;
// A request head longer than this would make a curl line too long to read;
// bash's printf, which prints long repeats as loops, takes it instead.
constexpr std::size_t kLongestCurlHead = 16 * 1024;
// A body longer than this is piped into curl rather than spelled out.
constexpr std::size_t kLongestInlineBody = 2000;
// The headers curl writes on its own unless told to leave them out
// (-H 'Name:').
constexpr const char* kHeadersCurlAdds[] = {"User-Agent", "Accept"};

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

// The length of the valid UTF-8 sequence of two to four bytes at `at`, or 0.
std::size_t Utf8SequenceAt(const std::string& text, std::size_t at) {
  const auto byte = [&](std::size_t i) {
    return i < text.size() ? static_cast<unsigned char>(text[i]) : 0u;
  };
  const unsigned lead = byte(at);
  std::size_t length = 0;
  unsigned low = 0x80, high = 0xBF;  // The range of the second byte.
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // No overlong forms.
    if (lead == 0xED) high = 0x9F;  // No surrogates.
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;  // Nothing above U+10FFFF.
  } else {
    return 0;
  }
  if (byte(at + 1) < low || byte(at + 1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(at + i) < 0x80 || byte(at + i) > 0xBF) return 0;
  }
  return length;
}

bool IsPrintableAscii(char c) { return c >= 0x20 && c <= 0x7E; }

// Text a terminal pastes unchanged: printable ASCII and valid UTF-8.
bool IsPastable(const std::string& text) {
  for (std::size_t at = 0; at < text.size();) {
    if (IsPrintableAscii(text[at])) {
      ++at;
    } else if (const std::size_t length = Utf8SequenceAt(text, at); length > 0) {
      at += length;
    } else {
      return false;
    }
  }
  return true;
}

// printf(1) format text that prints `bytes` exactly: printable ASCII and
// valid UTF-8 as they are, everything else escaped.
std::string PrintfFormat(const std::string& bytes) {
  std::string out;
  for (std::size_t at = 0; at < bytes.size();) {
    const char c = bytes[at];
    if (const std::size_t length = Utf8SequenceAt(bytes, at); length > 0) {
      out.append(bytes, at, length);
      at += length;
      continue;
    }
    if (c == '%') {
      out += "%%";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (IsPrintableAscii(c)) {
      out += c;
    } else {
      char octal[5];
      std::snprintf(octal, sizeof octal, "\\%03o", static_cast<unsigned char>(c));
      out += octal;
    }
    ++at;
  }
  return out;
}

// A stretch of bytes: `unit` once, or repeated `count` times.
struct Stretch {
  std::string unit;
  std::size_t count = 1;
};

// `bytes` cut into literal stretches and long repeats of a short unit.
std::vector<Stretch> Stretches(const std::string& bytes) {
  std::vector<Stretch> stretches;
  std::string literal;
  for (std::size_t at = 0; at < bytes.size();) {
    std::size_t best_unit = 0;
    std::size_t best_count = 0;
    for (std::size_t unit = 1; unit <= kLongestLoopUnit && at + unit <= bytes.size(); ++unit) {
      std::size_t count = 1;
      while (at + (count + 1) * unit <= bytes.size() &&
             bytes.compare(at + count * unit, unit, bytes, at, unit) == 0) {
        ++count;
      }
      if (count * unit >= kShortestLoop && count * unit > best_count * best_unit) {
        best_unit = unit;
        best_count = count;
      }
    }
    if (best_unit == 0) {
      literal += bytes[at++];
      continue;
    }
    if (!literal.empty()) stretches.push_back({std::exchange(literal, ""), 1});
    stretches.push_back({bytes.substr(at, best_unit), best_count});
    at += best_unit * best_count;
  }
  if (!literal.empty() || stretches.empty()) stretches.push_back({literal, 1});
  return stretches;
}

// A printf command with `format`; "--" keeps a leading '-' from reading as
// an option.
std::string Printf(const std::string& format) {
  return std::string("printf ") + (format.starts_with("-") ? "-- " : "") + ShellQuote(format);
}

// A shell command that prints `bytes` exactly, with printf loops for long
// repeats (brace expansion: bash or zsh).
std::string PrintCommand(const std::string& bytes) {
  std::vector<std::string> commands;
  for (const Stretch& stretch : Stretches(bytes)) {
    const std::string format = PrintfFormat(stretch.unit);
    commands.push_back(stretch.count == 1 ? Printf(format)
                                          : Printf(format + "%.0s") + " {1.." +
                                                std::to_string(stretch.count) + "}");
  }
  if (commands.size() == 1) return commands.front();
  std::string group = "{";
  for (const std::string& command : commands) group += " " + command + ";";
  return group + " }";
}

// True when `text` holds a repeat long enough to print as a loop.
bool HasLoop(const std::string& text) {
  const std::vector<Stretch> stretches = Stretches(text);
  return stretches.size() > 1 || stretches.front().count > 1;
}

// Text curl passes through unchanged and a terminal pastes unchanged, short
// enough to read.
bool IsPlainArgument(const std::string& text) {
  return std::all_of(text.begin(), text.end(), IsPrintableAscii) && !HasLoop(text);
}

// The parts of a request that curl's options set.
struct CurlRequest {
  std::string method;
  std::string target;                // The path and query, as sent.
  std::vector<std::string> headers;  // The -H options, in order.
  std::optional<std::string> data;   // The body given to curl, which frames it.
};

bool IsToken(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// The body of a chunked request as curl frames `data` given with
// -H 'Transfer-Encoding: chunked': one chunk, then the last one.
std::string CurlChunked(const std::string& data) {
  if (data.empty()) return "0\r\n\r\n";
  char size[32];
  std::snprintf(size, sizeof size, "%zx", data.size());
  return size + ("\r\n" + data + "\r\n0\r\n\r\n");
}

// `raw` as options of curl 7.88 that make it send exactly these bytes, or
// nothing when no options do: a malformed request line, a version other
// than HTTP/1.1, a body the headers do not frame as curl would, a Host
// header that is not first, or header lines that are malformed, empty or
// too long to read.
std::optional<CurlRequest> AsCurlRequest(const std::string& raw) {
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || head_end > kLongestCurlHead) return std::nullopt;
  std::vector<std::string> lines;
  for (std::size_t at = 0; at <= head_end;) {
    const std::size_t end = raw.find("\r\n", at);
    lines.push_back(raw.substr(at, end - at));
    at = end + 2;
  }
  const std::string& request_line = lines.front();
  const std::size_t first_space = request_line.find(' ');
  const std::size_t last_space = request_line.rfind(' ');
  if (first_space == std::string::npos || first_space == last_space ||
      request_line.substr(last_space + 1) != "HTTP/1.1") {
    return std::nullopt;
  }
  CurlRequest request;
  request.method = request_line.substr(0, first_space);
  request.target = request_line.substr(first_space + 1, last_space - first_space - 1);
  if (!std::all_of(request.method.begin(), request.method.end(),
                   [](char c) { return c >= 'A' && c <= 'Z'; }) ||
      request.method.empty() || !request.target.starts_with("/") ||
      !IsPlainArgument(request.target)) {
    return std::nullopt;
  }

  std::map<std::string, std::vector<std::string>> values;  // By lowercase name.
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos || !IsToken(line.substr(0, colon)) || !IsPlainArgument(line)) {
      return std::nullopt;
    }
    std::string value = line.substr(colon + 1);
    value.erase(0, std::min(value.find_first_not_of(' '), value.size()));
    // curl reads "Name:" as "leave the header out"; it adds Host first.
    if (value.empty() || line.back() == ' ') return std::nullopt;
    const std::string name = Lower(line.substr(0, colon));
    if (name == "expect" || (name == "host" && i != 1)) return std::nullopt;
    values[name].push_back(value);
    request.headers.push_back(line);
  }
  for (const char* name : {"content-length", "transfer-encoding", "content-type"}) {
    if (values[name].size() > 1) return std::nullopt;
  }
  if (values["host"].empty()) return std::nullopt;

  const std::string body = raw.substr(head_end + 4);
  // curl frames the body itself when Transfer-Encoding names chunked: one
  // chunk, then the last.
  const std::string encoding =
      values["transfer-encoding"].empty() ? "" : Lower(values["transfer-encoding"].front());
  if (encoding.find("chunked") != std::string::npos) {
    if (encoding != "chunked" || !values["content-length"].empty()) return std::nullopt;
    std::size_t size = 0;
    const std::size_t size_end = body.find("\r\n");
    if (size_end == std::string::npos ||
        std::from_chars(body.data(), body.data() + size_end, size, 16).ptr !=
            body.data() + size_end ||
        size > kLargestCurlChunk) {
      return std::nullopt;
    }
    request.data = body.substr(size_end + 2, size);
    if (CurlChunked(*request.data) != body) return std::nullopt;
  } else if (!body.empty()) {
    // A body is sent with the Content-Length that frames it.
    if (values["content-length"].empty() ||
        values["content-length"].front() != std::to_string(body.size()) ||
        body.size() > kLargestCurlBody) {
      return std::nullopt;
    }
    request.data = body;
  }
  // Without a body, curl sends the headers as they are, Content-Length too.

  for (const std::string name : kHeadersCurlAdds) {
    if (values[Lower(name)].empty()) request.headers.push_back(name + ":");
  }
  if (request.data && values["content-type"].empty()) request.headers.push_back("Content-Type:");
  return request;
}

// The request of ApiClient::Send as curl options: the same request, but
// for the headers curl adds on its own.
CurlRequest AsCurlRequest(const Exchange& exchange) {
  CurlRequest request{exchange.method, exchange.path, {}, std::nullopt};
  for (const auto& [name, value] : exchange.request_headers) {
    // "Name;" is curl's spelling of a header with an empty value.
    request.headers.push_back(value.empty() ? name + ";" : name + ": " + value);
  }
  const bool always_framed =
      exchange.method == "POST" || exchange.method == "PUT" || exchange.method == "PATCH";
  if (!exchange.request_body.empty()) {
    request.data = exchange.request_body;
    if (!exchange.request_headers.count("Content-Type")) request.headers.push_back("Content-Type:");
  } else if (always_framed && !exchange.request_headers.count("Content-Length")) {
    request.headers.push_back("Content-Length: 0");
  }
  return request;
}

// True when curl sends `target`, the end of a URL, unchanged: nothing it
// would encode, glob or resolve (a "." or ".." segment).
bool SurvivesCurlUrl(const std::string& target) {
  static const std::regex kSafe(R"(/[A-Za-z0-9\-._~%/?=&+,:;@!$*'()]*)");
  if (!std::regex_match(target, kSafe)) return false;
  const std::string path = target.substr(0, target.find('?')) + "/";
  return path.find("/./") == std::string::npos && path.find("/../") == std::string::npos;
}

std::string CurlCommand(const Exchange& exchange, const CurlRequest& request) {
  std::string command = "curl -i ";
  command += request.method == "HEAD" ? "--head" : "-X " + request.method;
  if (SurvivesCurlUrl(request.target)) {
    command += " " + ShellQuote(exchange.base_url + request.target);
  } else {
    command += " " + ShellQuote(exchange.base_url) + " --request-target " +
               ShellQuote(request.target);
  }
  if (!exchange.source_address.empty()) command += " --interface " + exchange.source_address;
  for (const std::string& header : request.headers) command += " -H " + ShellQuote(header);
  if (!request.data) return command;
  if (request.data->size() <= kLongestInlineBody && IsPastable(*request.data) &&
      !HasLoop(*request.data)) {
    return command + " --data-raw " + ShellQuote(*request.data);
  }
  return PrintCommand(*request.data) + " | " + command + " --data-binary @-";
}

// `raw` written by printf into a connection bash opens, then the answer.
std::string BashTcpCommand(const Exchange& exchange) {
  const std::string host_port = exchange.base_url.substr(exchange.base_url.find("://") + 3);
  const std::size_t colon = host_port.rfind(':');
  std::string host = host_port.substr(0, colon);
  if (host.starts_with("[") && host.ends_with("]")) host = host.substr(1, host.size() - 2);
  std::string command = PrintCommand(exchange.raw_request) + " | bash -c " +
                        ShellQuote("exec 3<>/dev/tcp/" + host + "/" + host_port.substr(colon + 1) +
                                   "; cat >&3; timeout " + std::to_string(kAnswerWaitSeconds) +
                                   " cat <&3; true");
  if (!exchange.source_address.empty()) {
    command += "  # the test sent it from " + exchange.source_address +
               ", which bash cannot choose";
  }
  return command;
}

}  // namespace

std::string ReproduceCommand(const Exchange& exchange) {
  if (exchange.raw_request.empty()) return CurlCommand(exchange, AsCurlRequest(exchange));
  const std::optional<CurlRequest> request = AsCurlRequest(exchange.raw_request);
  return request ? CurlCommand(exchange, *request) : BashTcpCommand(exchange);
}

}  // namespace acceptance
