// Coverage builds only (CMake option KIT_COVERAGE, preset `coverage`,
// scripts/coverage): linked into the servers of stages 1 and 2, which leave
// SIGTERM and SIGINT to their default action. That action ends the process
// without writing its gcov counters (the .gcda files), so every test that
// stops its server that way would count for nothing. With this file the
// server writes them first, then dies of the same signal, as it would
// without it. Stage 3 stops on SIGTERM by itself and writes them at exit.
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include <cstdio>

// gcc's header declares C functions without extern "C".
extern "C" {
#include <gcov.h>
}

namespace {

sigset_t stop_signals;

// Runs on a thread of its own: __gcov_dump takes locks and allocates, so it
// may not run in a signal handler, which could interrupt a thread in malloc.
void* DumpCountersOnStopSignal(void*) {
  int received = 0;
  while (sigwait(&stop_signals, &received) != 0) {
  }
  __gcov_dump();
  // Dies of the signal received, so that the exit status is the usual one.
  signal(received, SIG_DFL);
  sigset_t just_received;
  sigemptyset(&just_received);
  sigaddset(&just_received, received);
  pthread_sigmask(SIG_UNBLOCK, &just_received, nullptr);
  raise(received);
  return nullptr;
}

// Runs before main, so the stop signals are blocked before any other thread
// starts: every thread inherits the mask, and only the waiter takes them.
struct StopSignalWaiter {
  StopSignalWaiter() {
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    pthread_t waiter;
    const int error = pthread_create(&waiter, nullptr, DumpCountersOnStopSignal, nullptr);
    if (error != 0) {
      // The signals keep their default action; the counters are lost on them.
      pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
      std::fprintf(stderr, "coverage: cannot start the signal thread (%s); SIGTERM loses counters\n",
                   strerror(error));
      return;
    }
    pthread_detach(waiter);
  }
};

const StopSignalWaiter stop_signal_waiter;

}  // namespace
