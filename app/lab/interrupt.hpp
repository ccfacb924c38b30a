// Ctrl-C and SIGTERM in the lab's long commands. The nodes live in their own sessions and would
// not see the signal, so while an InterruptScope lives the signal only asks the command to stop
// (interrupted() turns true, e.g. for a `cancelled` callback), and the command then stops the
// nodes it started. The previous handlers come back when the scope ends.
#pragma once

#include <signal.h>

#include <atomic>

namespace rt::lab {

inline std::atomic<bool> g_interrupted{false};  // lock-free: safe to set in a signal handler

extern "C" inline void rt_lab_on_interrupt(int) {
  g_interrupted = true;
}

inline bool interrupted() {
  return g_interrupted.load();
}

// The exit status of a command that failed: 130 when it was interrupted.
inline int failure_status() {
  return interrupted() ? 130 : 1;
}

class InterruptScope {
 public:
  InterruptScope() {
    struct sigaction action {};
    action.sa_handler = rt_lab_on_interrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~InterruptScope() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace rt::lab
