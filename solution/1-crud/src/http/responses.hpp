// Writing response bodies: JSON documents and RFC 9457 problem+json errors.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string_view>

namespace user_api {

// Sets the status and a JSON body (Content-Type: application/json).
void WriteJson(httplib::Response& res, int status, const nlohmann::ordered_json& body);

// Sets the status and a problem+json body {"type","title","status","detail"}.
// `type` (/problems/<slug>) and `title` come from the table in
// responses.cpp, which knows the statuses of stage 1; any other status gets
// "about:blank" and "Error" until its problem type is added there.
void WriteProblem(httplib::Response& res, int status, std::string_view detail);

}  // namespace user_api
