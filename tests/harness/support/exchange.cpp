#include "exchange.hpp"

#include <sstream>

namespace acceptance {
namespace {

constexpr std::size_t kMaxBodyShown = 2000;

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

std::string Shown(const std::string& body) {
  if (body.empty()) return "(empty)";
  if (body.size() <= kMaxBodyShown) return body;
  return body.substr(0, kMaxBodyShown) + "... (" + std::to_string(body.size()) + " bytes)";
}

std::string Indented(const std::string& text, const std::string& indent) {
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) out += indent + line + "\n";
  return out;
}

// printf(1) text that prints `bytes` exactly.
std::string PrintfQuoted(const std::string& bytes) {
  std::string out;
  for (char c : bytes) {
    switch (c) {
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n"; break;
      case '%': out += "%%"; break;
      case '\\': out += "\\\\"; break;
      default: out += c;
    }
  }
  return ShellQuote(out);
}

}  // namespace

std::string Exchange::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

nlohmann::json Exchange::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string CurlCommand(const Exchange& exchange) {
  if (!exchange.raw_request.empty()) {
    // curl cannot send every malformed request, so the repro uses nc.
    const std::string host_port = exchange.base_url.substr(exchange.base_url.find("://") + 3);
    const auto colon = host_port.rfind(':');
    const std::string source =
        exchange.source_address.empty() ? "" : "-s " + exchange.source_address + " ";
    return "printf " + PrintfQuoted(exchange.raw_request) + " | nc -q 5 " + source +
           host_port.substr(0, colon) + " " + host_port.substr(colon + 1);
  }
  std::string command = "curl -i -X " + exchange.method + " " +
                        ShellQuote(exchange.base_url + exchange.path);
  if (!exchange.source_address.empty()) command += " --interface " + exchange.source_address;
  for (const auto& [name, value] : exchange.request_headers) {
    command += " -H " + ShellQuote(name + ": " + value);
  }
  if (!exchange.request_body.empty()) {
    command += " --data-raw " + ShellQuote(exchange.request_body);
  }
  return command;
}

std::string Describe(const Exchange& exchange) {
  std::ostringstream out;
  out << "  request:  " << exchange.method << " " << exchange.path;
  if (!exchange.source_address.empty()) out << " (sent from " << exchange.source_address << ")";
  out << "\n";
  for (const auto& [name, value] : exchange.request_headers) {
    out << "            " << name << ": " << value << "\n";
  }
  if (!exchange.request_body.empty()) {
    out << "            body: " << Shown(exchange.request_body) << "\n";
  }
  if (!exchange.ok()) {
    out << "  response: none: " << exchange.error << "\n";
  } else {
    out << "  response: " << exchange.status << "\n";
    for (const auto& [name, value] : exchange.headers) {
      out << "            " << name << ": " << value << "\n";
    }
    out << "            body: " << Shown(exchange.body) << "\n";
  }
  out << "  reproduce: " << CurlCommand(exchange) << "\n";
  if (exchange.server_output) {
    const std::string output = exchange.server_output();
    out << "  server stderr (last lines):\n"
        << (output.empty() ? "            (nothing)\n" : Indented(output, "            "));
  }
  return out.str();
}

}  // namespace acceptance
