// Stage 3 acceptance suite, API docs (ctest label `extras-docs`):
// /openapi.json, the Swagger UI page at /docs with its files, and the page
// as headless Chromium renders it, as guide/api-spec.md specifies them.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "acceptance_test.hpp"
#include "temp_dir.hpp"
#include "text.hpp"

namespace acceptance {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using test_support::TempDir;

using DocsTest = AcceptanceTest;

SPEC_TEST_F(DocsTest, OpenApiJsonDescribesTheUserRoutes, "DOCS-1 DOCS-2") {
  const Exchange answer = api().Get("/openapi.json");
  ASSERT_HTTP(HasStatus(answer, 200));
  EXPECT_HTTP(HasMediaType(answer, "application/json"));
  const json spec = answer.Json();
  ASSERT_HTTP(Holds(answer, spec.is_object(), "a JSON object"));
  EXPECT_HTTP(Holds(answer, spec.value("openapi", json()).is_string() &&
                                StartsWith(spec["openapi"].get<std::string>(), "3.1"),
                    "\"openapi\" is a string starting with \"3.1\""));
  const json paths = spec.value("paths", json::object());
  const std::map<std::string, std::vector<std::string>> operations = {
      {"/users", {"get", "post"}}, {"/users/{id}", {"get", "put", "patch", "delete"}}};
  for (const auto& [path, methods] : operations) {
    for (const std::string& method : methods) {
      EXPECT_HTTP(Holds(answer, paths.contains(path) && paths[path].contains(method),
                        "paths[\"" + path + "\"]." + method + " is described"));
    }
  }
}

SPEC_TEST_F(DocsTest, DocsIsAnHtmlPageWithItsAssetsServedHere, "DOCS-3 DOCS-4 DOCS-5 DOCS-7") {
  const Exchange page = api().Get("/docs");
  ASSERT_HTTP(Holds(page, page.ok() && page.status == 200,
                    "200 with the Swagger UI page (a 503 means swagger-ui-dist is missing: run "
                    "./scripts/setup)"));
  EXPECT_HTTP(HasMediaType(page, "text/html"));
  // Every script, style and image the page loads is served by this server,
  // at the path a browser resolves it to.
  static const std::regex kBase(R"re(<base\b[^>]*\bhref\s*=\s*["']([^"']+)["'])re");
  static const std::regex kAsset(
      R"re(<(?:script|link|img)\b[^>]*\b(?:src|href)\s*=\s*["']([^"']+)["'])re");
  std::smatch base_match;
  const std::string base =
      std::regex_search(page.body, base_match, kBase) ? base_match[1].str() : "/docs";
  const std::string directory = base.substr(0, base.rfind('/') + 1);
  int assets = 0;
  for (auto it = std::sregex_iterator(page.body.begin(), page.body.end(), kAsset);
       it != std::sregex_iterator(); ++it) {
    std::string target = (*it)[1];
    if (StartsWith(target, "data:")) continue;
    EXPECT_HTTP(Holds(page, target.find("//") == std::string::npos,
                      "the page loads nothing from another host, but names " + target));
    if (target.find("//") != std::string::npos) continue;
    if (StartsWith(target, "./")) target = target.substr(2);
    // Asked for as a browser does. A server that compresses on the fly at
    // brotli's best setting spends seconds of a worker on a 1.7 MB script.
    const auto started = std::chrono::steady_clock::now();
    const Exchange asset = api().Send("GET", target[0] == '/' ? target : directory + target,
                                      {{"Accept-Encoding", "gzip, deflate, br"}});
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    EXPECT_HTTP(HasStatus(asset, 200));
    EXPECT_HTTP(Holds(asset, took.count() <= 2000,
                      target + " answered within 2000 ms (took " + std::to_string(took.count()) +
                          " ms)"));
    ++assets;
  }
  EXPECT_HTTP(Holds(page, assets > 0, "the page names its scripts and styles"));
}

SPEC_TEST_F(DocsTest, DocsFilesStayInTheirDirectory, "DOCS-5 DOCS-6") {
  ASSERT_HTTP(HasStatus(api().Get("/docs/swagger-ui-bundle.js"), 200))
      << "GET /docs/FILE serves the files of swagger-ui-dist (run ./scripts/setup if it is "
         "missing)";
  for (const char* path : {"/docs/../CMakeLists.txt", "/docs/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                           "/docs/..%2f..%2f..%2f..%2fetc%2fpasswd", "/docs/no-such-file.js"}) {
    const Exchange answer = api().SendRaw(std::string("GET ") + path +
                                          " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    EXPECT_HTTP(HasProblem(answer, 404));
    EXPECT_HTTP(Holds(answer, answer.body.find("root:") == std::string::npos,
                      "no file from outside the docs directory"));
  }
}

SPEC_TEST_F(DocsTest, DocsWithoutSwaggerFilesAnswer503, "DOCS-8 DOCS-9 PROB-14") {
  REQUIRE_OWN_SERVER("starts the server with --docs-dir");
  const std::string empty = server().workdir() + "/empty-docs";
  std::filesystem::create_directory(empty);
  ASSERT_PLAIN(RestartServer({{"--docs-dir", empty}, {}}));
  const Exchange docs = api().Get("/docs");
  EXPECT_HTTP(HasProblem(docs, 503));
  EXPECT_HTTP(HasJson(docs, "/type", "/problems/service-unavailable"));
  EXPECT_HTTP(Holds(docs, docs.Json().value("detail", "").find("swagger-ui-dist") != std::string::npos,
                    "a detail that names swagger-ui-dist"));
  EXPECT_HTTP(HasStatus(api().Get("/openapi.json"), 200));
}

constexpr const char* kChromium = "/usr/bin/chromium";

// Runs headless Chromium on `url` with `extra` flags, killed after 60 s.
ServerProcess::Outcome RunChromium(const std::string& url, const std::string& profile,
                                   const std::string& extra, std::string& command) {
  std::vector<std::string> args = {"--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-quic",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--user-data-dir=" + profile,
                                   "--window-size=1280,1000",
                                   "--virtual-time-budget=15000",
                                   extra,
                                   url};
  command = kChromium;
  for (const std::string& arg : args) command += " '" + arg + "'";
  return ServerProcess::Run(kChromium, args, profile, {}, seconds(60));
}

// The rendered page as text, without the zero-width spaces and <wbr> tags
// that Swagger UI puts into long paths.
std::string Flattened(std::string dom) {
  dom = ReplaceAll(dom, "\u200b", "");
  return ReplaceAll(dom, "<wbr>", "");
}

SPEC_TEST_F(DocsTest, RendersInChromiumAndKeepsAScreenshot, "DOCS-3 DOCS-7") {
  ASSERT_PLAIN(std::filesystem::exists(kChromium))
      << kChromium << " is missing: run ./scripts/setup, which installs Debian's chromium "
      << "package for this browser test";
  const Exchange page = api().Get("/docs");
  ASSERT_HTTP(Holds(page, page.ok() && page.status == 200,
                    "200 with the Swagger UI page (a 503 means swagger-ui-dist is missing: run "
                    "./scripts/setup)"));

  const char* artifacts_env = std::getenv("USER_API_ARTIFACTS_DIR");
  const std::filesystem::path artifacts = artifacts_env && *artifacts_env
                                              ? std::filesystem::path(artifacts_env)
                                              : std::filesystem::current_path();
  std::filesystem::create_directories(artifacts);
  const std::filesystem::path screenshot = std::filesystem::absolute(artifacts / "docs-screenshot.png");
  std::error_code ignored;
  std::filesystem::remove(screenshot, ignored);

  // Both runs at once: each takes seconds.
  const TempDir dom_profile("user-api-browser");
  const TempDir shot_profile("user-api-browser");
  ASSERT_PLAIN(!dom_profile.path().empty() && !shot_profile.path().empty())
      << "could not create temporary profile directories";
  const std::string url = api().base_url() + "/docs";
  ServerProcess::Outcome dom;
  ServerProcess::Outcome shot;
  std::string dom_command;
  std::string shot_command;
  std::thread dom_run([&] {
    dom = RunChromium(url, dom_profile.path().string(), "--dump-dom", dom_command);
  });
  std::thread shot_run([&] {
    shot = RunChromium(url, shot_profile.path().string(), "--screenshot=" + screenshot.string(),
                       shot_command);
  });
  dom_run.join();
  shot_run.join();

  const std::string rendered = Flattened(dom.out);
  auto explain = [](const std::string& command, const ServerProcess::Outcome& run) {
    return "\n  command: " + command + "\n  exit: " + (run.exit.empty() ? "timed out" : run.exit) +
           "\n  stdout (start): " + run.out.substr(0, 1500) + "\n  stderr (last lines):\n" +
           LastLines(run.err, 15);
  };
  EXPECT_PLAIN(dom.exit == "exited with code 0")
      << "Chromium should render /docs and exit with code 0" << explain(dom_command, dom);
  EXPECT_PLAIN(rendered.find("/users/{id}") != std::string::npos)
      << "the rendered DOM of /docs should list the operations on /users/{id}"
      << explain(dom_command, dom);
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    EXPECT_PLAIN(rendered.find(std::string(">") + method + "<") != std::string::npos)
        << "the rendered DOM of /docs should show an operation labelled " << method
        << explain(dom_command, dom);
  }

  EXPECT_PLAIN(shot.exit == "exited with code 0")
      << "Chromium should take a screenshot of /docs and exit with code 0"
      << explain(shot_command, shot);
  const auto size = std::filesystem::exists(screenshot) ? std::filesystem::file_size(screenshot) : 0;
  std::string signature(8, '\0');
  std::ifstream(screenshot, std::ios::binary).read(signature.data(), 8);
  EXPECT_PLAIN(size > 20000 && signature == "\x89PNG\r\n\x1a\n")
      << "Chromium should save a PNG screenshot of the rendered page at " << screenshot
      << "; it has " << size << " bytes (a blank page has a few thousand)"
      << explain(shot_command, shot);
}

}  // namespace
}  // namespace acceptance
