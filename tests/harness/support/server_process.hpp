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

// Not thread-safe to start, signal or stop from several threads; the output
// accessors may be called from any thread.
class ServerProcess {
 public:
  // What a program run to its end (see Run) did.
  struct Outcome {
    std::string exit;  // ExitDescription; "" if it still ran at the timeout.
    std::string out;   // Its whole stdout.
    std::string err;   // Its whole stderr.
  };

  // Spawns `program args...` as Spawn does, waits up to `timeout` for it to
  // exit, then stops its process group (so a program that hangs, or leaves
  // children behind, is killed) and returns what it did. A failed spawn is
  // reported in Outcome::exit as "could not be started: ...". Never hangs
  // longer than `timeout` plus the stop grace period.
  static Outcome Run(const std::string& program, const std::vector<std::string>& args,
                     const std::string& workdir, const std::map<std::string, std::string>& env,
                     std::chrono::milliseconds timeout);

  // Forks and execs `program args...` with the working directory `workdir`.
  // Variables named USER_API_* are removed from the child's environment, then
  // `env` is added. Returns nullptr and sets `error` when the fork fails.
  // The child gets SIGKILL when the thread that called Spawn ends, the
  // process included (PR_SET_PDEATHSIG): spawn from a thread that outlives
  // the child's use.
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

  // Sends `signal` to the process alone (not its group), as `kill -SIG pid`
  // does. Returns false when the process has already exited.
  bool Signal(int signal);

  // Waits up to `timeout` until both stdout and stderr reached end of file,
  // so that after an exit the accessors below hold everything the process
  // wrote. Returns false at the timeout (a child may hold the pipes open).
  bool WaitForOutputEnd(std::chrono::milliseconds timeout);

  // The process id, which is also the id of its process group.
  pid_t pid() const { return pid_; }

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
  bool stderr_closed_ = false;  // Guarded by mutex_.
};

}  // namespace acceptance
