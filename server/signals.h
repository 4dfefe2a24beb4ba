#pragma once

#include <atomic>
#include <functional>
#include <signal.h>
#include <thread>

namespace mcp {

/// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread and ignores SIGPIPE (a closed peer is
/// an EPIPE error, not a crash). Call first thing in main, so every later thread inherits the
/// mask and no thread is interrupted mid-write. Returns the blocked set for the waiter.
sigset_t BlockTerminationSignals();

/// Waits on its own thread for one of `signals` and then calls `on_signal` with it, once.
/// Destroying the watcher stops the wait and joins the thread, so `on_signal` never runs after
/// the destructor returns: declare the watcher after what `on_signal` touches.
class TerminationWatcher {
 public:
  TerminationWatcher(sigset_t signals, std::function<void(int)> on_signal);
  ~TerminationWatcher();
  TerminationWatcher(TerminationWatcher const&) = delete;
  TerminationWatcher& operator=(TerminationWatcher const&) = delete;

 private:
  std::atomic<bool> closing_{false};
  int const wake_signal_;  // sent to the waiter to end its wait early
  std::thread thread_;
};

}  // namespace mcp
