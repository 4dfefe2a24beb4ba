#include "server/signals.h"

#include <spdlog/spdlog.h>

#include <pthread.h>
#include <thread>

namespace mcp {

namespace {

int FirstMember(sigset_t const& signals) {
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sigismember(&signals, sig) == 1) return sig;
  }
  return 0;
}

}  // namespace

sigset_t BlockTerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return signals;
}

TerminationWatcher::TerminationWatcher(sigset_t signals, std::function<void(int)> on_signal)
    : wake_signal_(FirstMember(signals)),
      thread_([this, signals, on_signal = std::move(on_signal)] {
        int sig = 0;
        if (sigwait(&signals, &sig) != 0 || closing_.load()) return;
        try {
          on_signal(sig);
        } catch (std::exception const& e) {
          spdlog::error("shutdown on signal {} failed: {}", sig, e.what());
        } catch (...) {
          spdlog::error("shutdown on signal {} failed", sig);
        }
      }) {}

TerminationWatcher::~TerminationWatcher() {
  closing_.store(true);
  // Every thread blocks these signals, so one sent to the waiter ends its sigwait and nothing
  // else sees it. If the waiter has already returned, the signal stays pending on a dead thread.
  if (wake_signal_ > 0) pthread_kill(thread_.native_handle(), wake_signal_);
  thread_.join();
}

}  // namespace mcp
