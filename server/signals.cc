#include "server/signals.h"

#include <spdlog/spdlog.h>

#include <pthread.h>
#include <thread>

namespace mcp {

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

void OnTerminationSignal(sigset_t signals, std::function<void(int)> on_signal) {
  std::thread([signals, on_signal = std::move(on_signal)] {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) return;
    try {
      on_signal(sig);
    } catch (std::exception const& e) {
      spdlog::error("shutdown on signal {} failed: {}", sig, e.what());
    } catch (...) {
      spdlog::error("shutdown on signal {} failed", sig);
    }
  }).detach();
}

}  // namespace mcp
