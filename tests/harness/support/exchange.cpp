#include "exchange.hpp"

#include <sstream>

#include "reproduce_command.hpp"

namespace acceptance {
namespace {

constexpr std::size_t kMaxBodyShown = 2000;

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

}  // namespace

std::string Exchange::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

nlohmann::json Exchange::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
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
  if (!exchange.ok()) out << "  response: none: " << exchange.error << "\n";
  if (exchange.status != 0) {
    // A failed exchange can still hold what came: a late or broken answer.
    out << (exchange.ok() ? "  response: " : "  received: ") << exchange.status << "\n";
    for (const auto& [name, value] : exchange.headers) {
      out << "            " << name << ": " << value << "\n";
    }
    out << "            body: " << Shown(exchange.body) << "\n";
  }
  out << "  reproduce: " << ReproduceCommand(exchange) << "\n";
  if (exchange.server_output) {
    const std::string output = exchange.server_output();
    out << "  server stderr (last lines):\n"
        << (output.empty() ? "            (nothing)\n" : Indented(output, "            "));
  }
  return out.str();
}

}  // namespace acceptance
