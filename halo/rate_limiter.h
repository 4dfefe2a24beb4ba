#pragma once

#include "halo/clock.h"
#include "halo/status.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <random>

namespace halo {

/**
 * Sleeps `duration` through `sleeper` in slices of at most `slice`, checking `ctx` before each
 * slice, so that a cancelled call stops waiting promptly even through a long rate-limit wait.
 * Returns kCancelled when the context was cancelled, OK otherwise.
 */
Status CancellableSleep(Sleeper const& sleeper, std::chrono::milliseconds duration,
                        CallContext const& ctx, std::chrono::milliseconds slice);

/**
 * The client-side throttle shared by every thread of one HaloClient: a rolling window that admits
 * at most `max_requests` in any `window` (HaloPSA's observed limit is 300 per rolling 5 minutes,
 * halo-api.md §12). Callers wait for a slot rather than fail; the wait is cancellable and bounded
 * by a deadline.
 *
 * A 429 from HaloPSA is fed back through OnThrottled(): with a Retry-After the limiter admits
 * nobody until it has passed; without one it assumes HaloPSA's window is full and admits nobody
 * until the oldest request it sent leaves the window (or a whole window, if it has sent none),
 * plus jitter so that waiting threads do not return as one burst.
 *
 * Thread-safe. Time comes from the injected Clock and waits go through the injected Sleeper, so
 * tests run instantly with a fake clock.
 */
class RateLimiter {
 public:
  /// `max_requests` == 0 disables the window (429 feedback still applies).
  RateLimiter(int max_requests, std::chrono::milliseconds window,
              std::shared_ptr<Clock const> clock, Sleeper sleeper,
              std::chrono::milliseconds sleep_slice, std::uint64_t seed);

  struct AcquireResult {
    Status status;  // OK, kCancelled, or kResourceExhausted (deadline too close; retry_after set)
    bool waited = false;
  };

  /// Takes one slot, waiting when the window is full. Fails without waiting when the slot would
  /// only come after `deadline`.
  AcquireResult Acquire(CallContext const& ctx, Clock::time_point deadline);

  /// HaloPSA said 429. `retry_after` is its Retry-After, when it sent one.
  void OnThrottled(std::optional<std::chrono::milliseconds> retry_after);

  /// How long a caller arriving now would wait (0 when a slot is free). For tests and logs.
  std::chrono::milliseconds NextSlotIn();

  int max_requests() const { return max_requests_; }
  std::chrono::milliseconds window() const { return window_; }

 private:
  std::chrono::milliseconds WaitLocked(Clock::time_point now);
  void PruneLocked(Clock::time_point now);

  int const max_requests_;
  std::chrono::milliseconds const window_;
  std::shared_ptr<Clock const> clock_;
  Sleeper sleeper_;
  std::chrono::milliseconds sleep_slice_;

  std::mutex mu_;
  std::deque<Clock::time_point> sent_;  // admission times inside the window, oldest first
  Clock::time_point blocked_until_{};   // from 429 feedback
  std::mt19937_64 rng_;
};

/**
 * Exponential backoff with full jitter: the n-th delay is uniform in [0, min(max, initial*2^n)].
 * One instance per call (it keeps the attempt count); not thread-safe.
 */
class ExponentialBackoff {
 public:
  ExponentialBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds maximum,
                     std::uint64_t seed);
  std::chrono::milliseconds Next();
  int attempts() const { return attempts_; }

 private:
  std::chrono::milliseconds initial_, maximum_;
  int attempts_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace halo
