#include "server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "text.hpp"

extern char** environ;

namespace acceptance {
namespace {

constexpr auto kStopGrace = std::chrono::seconds(3);
constexpr std::chrono::microseconds kMaxExitPoll(5000);
constexpr std::size_t kMaxCapturedBytes = 1 << 20;

// Keeps at least the last kMaxCapturedBytes. Trims only past twice that,
// so that a chatty server (a log line per request under load) costs an
// amortised constant per byte, not a copy of the buffer per read.
void AppendCapped(std::string& buffer, const char* data, std::size_t size) {
  buffer.append(data, size);
  if (buffer.size() > 2 * kMaxCapturedBytes) {
    buffer.erase(0, buffer.size() - kMaxCapturedBytes);
  }
}

std::vector<std::string> ChildEnvironment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (strncmp(*entry, "USER_API_", 9) != 0) env.emplace_back(*entry);
  }
  for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

std::unique_ptr<ServerProcess> ServerProcess::Spawn(const std::string& program,
                                                    const std::vector<std::string>& args,
                                                    const std::string& workdir,
                                                    const std::map<std::string, std::string>& env,
                                                    std::string& error) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    error = std::string("pipe() failed: ") + strerror(errno);
    return nullptr;
  }
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls are allowed.
  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<std::string> env_strings = ChildEnvironment(env);
  std::vector<char*> argv = CStrings(argv_strings);
  std::vector<char*> envp = CStrings(env_strings);

  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    error = std::string("fork() failed: ") + strerror(errno);
    return nullptr;
  }
  if (pid == 0) {
    // A suite killed outright (kill -9, a ctest timeout) runs no destructor,
    // and the server, in a process group of its own, would run on. If the
    // parent died before prctl, the signal would never come.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(125);
    setpgid(0, 0);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    if (chdir(workdir.c_str()) != 0) _exit(126);
    execve(program.c_str(), argv.data(), envp.data());
    const char message[] = "acceptance harness: exec failed: cannot run the program\n";
    ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
    (void)ignored;
    _exit(127);
  }
  setpgid(pid, pid);  // Also from the parent, so that Stop() never races exec.
  close(out_pipe[1]);
  close(err_pipe[1]);

  std::unique_ptr<ServerProcess> process(new ServerProcess());
  process->pid_ = pid;
  process->StartReaders(out_pipe[0], err_pipe[0]);
  return process;
}

void ServerProcess::StartReaders(int stdout_fd, int stderr_fd) {
  auto reader = [this](int fd, std::string ServerProcess::*buffer, bool is_stdout) {
    char chunk[4096];
    while (true) {
      const ssize_t n = read(fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      std::lock_guard lock(mutex_);
      AppendCapped(this->*buffer, chunk, static_cast<std::size_t>(n));
      output_changed_.notify_all();
    }
    close(fd);
    std::lock_guard lock(mutex_);
    (is_stdout ? stdout_closed_ : stderr_closed_) = true;
    output_changed_.notify_all();
  };
  stdout_reader_ = std::thread(reader, stdout_fd, &ServerProcess::stdout_, true);
  stderr_reader_ = std::thread(reader, stderr_fd, &ServerProcess::stderr_, false);
}

ServerProcess::~ServerProcess() { Stop(); }

std::optional<std::string> ServerProcess::WaitForFirstLine(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const bool ready = output_changed_.wait_for(lock, timeout, [this] {
    return stdout_.find('\n') != std::string::npos || stdout_closed_;
  });
  const std::size_t end = stdout_.find('\n');
  if (!ready || end == std::string::npos) return std::nullopt;
  std::string line = stdout_.substr(0, end);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool ServerProcess::Reap(bool block) {
  if (wait_status_) return true;
  if (pid_ <= 0) return true;
  int status = 0;
  pid_t result;
  do {
    result = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (result < 0 && errno == EINTR);
  if (result == pid_) {
    wait_status_ = status;
    return true;
  }
  return false;
}

bool ServerProcess::HasExited() { return Reap(false); }

std::optional<std::string> ServerProcess::WaitForExit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // A server stops within about a millisecond of SIGTERM, so the first
  // looks come soon; later ones back off to kMaxExitPoll.
  std::chrono::microseconds pause(100);
  while (!Reap(false)) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, kMaxExitPoll);
  }
  return ExitDescription();
}

std::string ServerProcess::ExitDescription() {
  if (!Reap(false)) return "";
  const int status = *wait_status_;
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    return "was killed by signal " + std::to_string(sig) + " (SIG" + (name ? name : "?") + ")";
  }
  return "stopped with wait status " + std::to_string(status);
}

std::string ServerProcess::Stop() {
  if (pid_ > 0 && !Reap(false)) {
    kill(-pid_, SIGTERM);
    if (!WaitForExit(std::chrono::duration_cast<std::chrono::milliseconds>(kStopGrace))) {
      kill(-pid_, SIGKILL);
      Reap(true);
    }
  }
  // Children the server left behind would keep the pipes open.
  if (pid_ > 0) kill(-pid_, SIGKILL);
  if (stdout_reader_.joinable()) stdout_reader_.join();
  if (stderr_reader_.joinable()) stderr_reader_.join();
  return ExitDescription();
}

bool ServerProcess::Signal(int signal) {
  if (pid_ <= 0 || Reap(false)) return false;
  return kill(pid_, signal) == 0;
}

bool ServerProcess::WaitForOutputEnd(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return output_changed_.wait_for(lock, timeout,
                                  [this] { return stdout_closed_ && stderr_closed_; });
}

ServerProcess::Outcome ServerProcess::Run(const std::string& program,
                                          const std::vector<std::string>& args,
                                          const std::string& workdir,
                                          const std::map<std::string, std::string>& env,
                                          std::chrono::milliseconds timeout) {
  std::string error;
  std::unique_ptr<ServerProcess> process = Spawn(program, args, workdir, env, error);
  if (!process) return {"could not be started: " + error, "", ""};
  std::string exit = process->WaitForExit(timeout).value_or("");
  process->Stop();
  return {exit, process->Stdout(), process->Stderr()};
}

std::string ServerProcess::Stdout() const {
  std::lock_guard lock(mutex_);
  return stdout_;
}

std::string ServerProcess::Stderr() const {
  std::lock_guard lock(mutex_);
  return stderr_;
}

std::string ServerProcess::StderrTail(std::size_t lines) const {
  std::lock_guard lock(mutex_);
  return LastLines(stderr_, lines);
}

}  // namespace acceptance
