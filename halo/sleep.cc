#include "halo/sleep.h"

#include <algorithm>

namespace halo {

Status CancellableSleep(Sleeper const& sleeper, std::chrono::milliseconds duration,
                        CallContext const& ctx, std::chrono::milliseconds slice) {
  using std::chrono::milliseconds;
  if (slice <= milliseconds(0)) slice = milliseconds(250);
  while (duration > milliseconds(0)) {
    if (ctx.cancelled()) return CancelledError("the call was cancelled while waiting");
    auto step = std::min(duration, slice);
    sleeper(step);
    duration -= step;
  }
  if (ctx.cancelled()) return CancelledError("the call was cancelled while waiting");
  return OkStatus();
}

}  // namespace halo
