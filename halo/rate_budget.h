#pragma once

#include "halo/clock.h"
#include "halo/status.h"

#include <chrono>
#include <optional>
#include <string_view>

namespace halo {

/// A rolling window: at most `requests` in any `length`.
struct RateWindow {
  int requests = 0;
  std::chrono::seconds length{0};
  bool operator==(RateWindow const&) const = default;
};

/// What a 429 told us.
struct Throttle {
  std::optional<std::chrono::milliseconds> retry_after;  ///< Retry-After, when sent and valid
  std::optional<RateWindow> stated;  ///< the window HaloPSA's message names, when it names one
};

/**
 * The request budget every call of one client draws from. The in-process RateLimiter is the
 * default; a budget shared between processes (issue 12) would implement the same three calls.
 * Implementations are thread-safe.
 */
class RateBudget {
 public:
  struct AcquireResult {
    Status status;  ///< OK, kCancelled, or kResourceExhausted (retry_after set)
    bool waited = false;
  };

  virtual ~RateBudget() = default;

  /// Takes one request slot, waiting (cancellably) while none is free. Fails at once, without
  /// waiting, when the slot would only come after `deadline`.
  virtual AcquireResult Acquire(CallContext const& ctx, Clock::time_point deadline) = 0;
  /// HaloPSA answered 429.
  virtual void OnThrottled(Throttle const& throttle) = 0;
  /// HaloPSA answered anything but 429: a throttling streak is over.
  virtual void OnAccepted() = 0;
};

/**
 * Reads the window out of HaloPSA's 429 text, "Rate Limit Reached - 300 Requests per rolling 5
 * minute window" (also "N Requests per rolling M second|minute|hour window", any case, inside
 * JSON or not). Counts outside 1..1,000,000 and windows outside 1 s..1 day are refused.
 */
std::optional<RateWindow> ParseRateLimitMessage(std::string_view text);

}  // namespace halo
