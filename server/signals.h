#pragma once

#include <functional>
#include <signal.h>

namespace mcp {

/// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread and ignores SIGPIPE (a closed peer is
/// an EPIPE error, not a crash). Call first thing in main, so every later thread inherits the
/// mask and no thread is interrupted mid-write. Returns the blocked set for the waiter.
sigset_t BlockTerminationSignals();

/// Waits on a detached thread for one of `signals` and then calls `on_signal` with it, once.
void OnTerminationSignal(sigset_t signals, std::function<void(int)> on_signal);

}  // namespace mcp
