#pragma once

#include "halo/clock.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>

namespace halo {

/// Whether repeating a request is harmless. The caller says so (a tool binding knows that an
/// update POST with an id is idempotent and a create POST is not); it is never guessed from a
/// failure.
enum class Idempotency {
  kIdempotent,     ///< GET, DELETE by id, an update POST with an id, a token request
  kNonIdempotent,  ///< a create POST, an action: a repeat could do it twice
};

/**
 * How often, and until when, one call may be attempted: at most `max_attempts` failed
 * attempts, all within `budget` from construction (the per-call deadline). One instance per call;
 * not thread-safe. Time comes from the injected clock.
 */
class RetryPolicy {
 public:
  RetryPolicy(int max_attempts, std::chrono::milliseconds budget,
              std::shared_ptr<Clock const> clock);

  /// Counts one failed attempt. False when no attempt is left.
  bool OnFailure();
  /// Whether a wait of `delay` from now still ends before the deadline.
  bool CanWait(std::chrono::milliseconds delay) const;
  bool Expired() const { return clock_->Now() >= deadline_; }

  int failures() const { return failures_; }
  int max_attempts() const { return max_attempts_; }
  std::chrono::milliseconds budget() const { return budget_; }
  Clock::time_point deadline() const { return deadline_; }

 private:
  int const max_attempts_;
  std::chrono::milliseconds const budget_;
  std::shared_ptr<Clock const> clock_;
  Clock::time_point const deadline_;
  int failures_ = 0;
};

/**
 * Exponential back-off with full jitter: the n-th delay (n from 0) is uniform in
 * [0, min(maximum, initial * 2^n)]. One instance per call (it keeps the count); not thread-safe.
 */
class BackoffPolicy {
 public:
  BackoffPolicy(std::chrono::milliseconds initial, std::chrono::milliseconds maximum,
                std::uint64_t seed);
  /// The delay before the next attempt.
  std::chrono::milliseconds OnCompletion();

 private:
  std::chrono::milliseconds const initial_, maximum_;
  int completions_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace halo
