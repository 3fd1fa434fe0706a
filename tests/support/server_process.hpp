// A server program started for one test: its own process group, a fresh
// working directory, and its output captured for failure messages.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace acceptance {

// Not thread-safe to start or stop from several threads; the output
// accessors may be called from any thread.
class ServerProcess {
 public:
  // Forks and execs `program args...` with the working directory `workdir`.
  // Variables named USER_API_* are removed from the child's environment, then
  // `env` is added. Returns nullptr and sets `error` when the fork fails.
  static std::unique_ptr<ServerProcess> Spawn(const std::string& program,
                                              const std::vector<std::string>& args,
                                              const std::string& workdir,
                                              const std::map<std::string, std::string>& env,
                                              std::string& error);
  ~ServerProcess();  // Stops the process if it still runs.

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Waits until the first line of stdout is complete, the process exits, or
  // the timeout passes. Returns the line, or nullopt for the two failures.
  std::optional<std::string> WaitForFirstLine(std::chrono::milliseconds timeout);

  // Waits up to `timeout` for the process to exit by itself. Returns its
  // exit description (see ExitDescription), or nullopt if it still runs.
  std::optional<std::string> WaitForExit(std::chrono::milliseconds timeout);

  // True once the process has exited (reaped or not yet reaped).
  bool HasExited();

  // "exited with code N" or "was killed by signal N (NAME)"; empty while it runs.
  std::string ExitDescription();

  // SIGTERM to the process group, then SIGKILL after a grace period. Returns
  // the exit description. Safe to call twice.
  std::string Stop();

  std::string Stdout() const;
  std::string Stderr() const;
  // The last `lines` lines of stderr.
  std::string StderrTail(std::size_t lines) const;

 private:
  ServerProcess() = default;
  void StartReaders(int stdout_fd, int stderr_fd);
  bool Reap(bool block);

  pid_t pid_ = -1;
  std::optional<int> wait_status_;  // Set once reaped.
  std::thread stdout_reader_;
  std::thread stderr_reader_;

  mutable std::mutex mutex_;
  std::condition_variable output_changed_;
  std::string stdout_;       // Guarded by mutex_.
  std::string stderr_;       // Guarded by mutex_.
  bool stdout_closed_ = false;  // Guarded by mutex_.
};

}  // namespace acceptance
