#pragma once

#include "halo/clock.h"
#include "halo/rate_budget.h"
#include "halo/status.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <random>

namespace halo {

/// Back-off after 429s that carry no Retry-After: `initial`, doubling per consecutive 429,
/// capped at `maximum`.
struct ThrottleBackoff {
  std::chrono::milliseconds initial{1'000};
  std::chrono::milliseconds maximum{60'000};
};

/**
 * The in-process RateBudget shared by every thread of one HaloClient: a rolling window that
 * admits at most `max_requests` in any `window` (HaloPSA's observed limit is 300 per rolling 5
 * minutes, halo-api.md §12). Callers wait for a slot rather than fail; the wait is cancellable
 * and bounded by the caller's deadline.
 *
 * A 429 is fed back through OnThrottled():
 *  - a window named in HaloPSA's message re-sizes the limiter to it (self-hosted tenants are
 *    configured differently), unless the limiter is off;
 *  - with a Retry-After, nobody is admitted until it has passed (plus up to 10% jitter);
 *  - without one, nobody is admitted for a short back-off: 1 s, 2 s, 4 s ... per consecutive
 *    429 (429s that arrive while a back-off is already in force do not escalate it), reset by
 *    OnAccepted(). A lone 429 never freezes the client for a whole window.
 *
 * Thread-safe. Time comes from the injected Clock and waits go through the injected Sleeper, so
 * tests run instantly with a fake clock.
 */
class RateLimiter final : public RateBudget {
 public:
  /// `max_requests` == 0 disables the window (429 feedback still applies).
  RateLimiter(int max_requests, std::chrono::milliseconds window,
              std::shared_ptr<Clock const> clock, Sleeper sleeper,
              std::chrono::milliseconds sleep_slice, std::uint64_t seed,
              ThrottleBackoff backoff = {});

  AcquireResult Acquire(CallContext const& ctx, Clock::time_point deadline) override;
  void OnThrottled(Throttle const& throttle) override;
  void OnAccepted() override;

  /// How long a caller arriving now would wait (0 when a slot is free). For tests and logs.
  std::chrono::milliseconds NextSlotIn();

  int max_requests() const;
  std::chrono::milliseconds window() const;

 private:
  std::chrono::milliseconds WaitLocked(Clock::time_point now);
  void PruneLocked(Clock::time_point now);

  std::shared_ptr<Clock const> clock_;
  Sleeper sleeper_;
  std::chrono::milliseconds sleep_slice_;
  ThrottleBackoff const backoff_;

  mutable std::mutex mu_;
  int max_requests_;                    // guarded by mu_
  std::chrono::milliseconds window_;    // guarded by mu_
  std::deque<Clock::time_point> sent_;  // admission times inside the window, oldest first
  Clock::time_point blocked_until_{};   // from 429 feedback
  int streak_ = 0;                      // consecutive 429s without Retry-After
  std::mt19937_64 rng_;
};

}  // namespace halo
