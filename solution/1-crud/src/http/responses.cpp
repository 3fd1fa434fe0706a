#include "http/responses.hpp"

namespace user_api {
namespace {

struct ProblemKind {
  int status;
  const char* type;
  const char* title;
};

constexpr ProblemKind kProblemKinds[] = {
    {400, "/problems/invalid-json", "Bad Request"},
    {404, "/problems/not-found", "Not Found"},
    {422, "/problems/validation-failed", "Unprocessable Content"},
    {500, "/problems/internal-error", "Internal Server Error"},
    {501, "/problems/not-implemented", "Not Implemented"},
};

ProblemKind KindOf(int status) {
  for (const ProblemKind& kind : kProblemKinds) {
    if (kind.status == status) return kind;
  }
  return {status, "about:blank", "Error"};
}

}  // namespace

void WriteJson(httplib::Response& res, int status, const nlohmann::ordered_json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void WriteProblem(httplib::Response& res, int status, std::string_view detail) {
  const ProblemKind kind = KindOf(status);
  const nlohmann::ordered_json body = {
      {"type", kind.type}, {"title", kind.title}, {"status", status}, {"detail", detail}};
  res.status = status;
  res.set_content(body.dump(), "application/problem+json");
}

}  // namespace user_api
