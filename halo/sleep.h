#pragma once

#include "halo/clock.h"
#include "halo/status.h"

#include <chrono>

namespace halo {

/**
 * Sleeps `duration` through `sleeper` in slices of at most `slice`, checking `ctx` before each
 * slice, so that a cancelled call stops waiting promptly even through a long rate-limit wait.
 * Returns kCancelled when the context was cancelled, OK otherwise.
 */
Status CancellableSleep(Sleeper const& sleeper, std::chrono::milliseconds duration,
                        CallContext const& ctx, std::chrono::milliseconds slice);

}  // namespace halo
