#pragma once

#include "halo/clock.h"
#include "halo/retry_policy.h"
#include "halo/sleep.h"
#include "halo/status.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>

namespace halo {

/// How an attempt failed, which decides whether the loop may repeat it.
enum class FailureKind {
  /// Repeating cannot help (4xx, configuration, cancellation): the error is returned as it is.
  kPermanent,
  /// May pass later, but the request may have been processed (5xx, lost response): only an
  /// idempotent call is repeated; a non-idempotent one ends in kUnknownOutcome.
  kTransient,
  /// Certainly not processed (the connection was never made): repeated after back-off, whatever
  /// the idempotency.
  kNotProcessed,
  /// HaloPSA said 429, so nothing was processed: repeated at once, without counting as a failed
  /// attempt, because the rate budget paces the next attempt (and bounds its wait).
  kThrottled,
  /// The attempt fixed what failed (refreshed a rejected token): repeated at once, uncounted.
  /// Allowed once per call; a second one is returned as it is.
  kRepeatNow,
};

/// What one attempt tells the loop: a value, or a failure and its kind.
template <typename T>
struct AttemptResult {
  StatusOr<T> result;
  FailureKind kind = FailureKind::kPermanent;

  static AttemptResult Ok(T value) {
    return {StatusOr<T>(std::move(value)), FailureKind::kPermanent};
  }
  static AttemptResult Failed(FailureKind kind, Status status) {
    return {StatusOr<T>(std::move(status)), kind};
  }
};

/// Where the loop waits: the caller's cancellation, the injected sleeper, and the slice length
/// at which a long wait checks for cancellation.
struct RetryEnvironment {
  CallContext const& ctx;
  Sleeper const& sleeper;
  std::chrono::milliseconds sleep_slice{250};
};

namespace internal {

/// A backstop against a rate budget that lets 429s through without pacing them.
inline constexpr int kMaxThrottledRepeats = 100;

inline Status WithReason(Status const& last, std::string const& reason) {
  return Status(last.code(), last.message() + " (" + reason + ")", last.info());
}

inline Status UnknownOutcome(std::string_view location, Status const& failure) {
  std::string detail = failure.message();
  if (failure.info().http_status != 0) {
    detail = "HTTP " + std::to_string(failure.info().http_status) + ": " + detail;
  }
  ErrorInfo info = failure.info();
  info.hint = "list recent records before retrying";
  return UnknownOutcomeError(std::string(location) + " may have been applied (" + detail +
                                 "); list recent records (or get the record) before retrying",
                             std::move(info));
}

inline std::string DeadlineReason(RetryPolicy const& retry) {
  auto s = (retry.budget().count() + 999) / 1000;
  return "retry budget exhausted: call deadline " + std::to_string(s) + " s";
}

}  // namespace internal

/**
 * Calls `attempt(n)` (n = 0, 1, ...) until it succeeds, fails permanently, or `retry` is
 * exhausted, sleeping max(backoff, the failure's retry_after) between counted attempts through
 * the injected sleeper. The one retry loop of the HaloPSA client: token fetches and API calls
 * go through it alike, each with its own policies.
 *
 * Write safety: a kTransient failure of a kNonIdempotent call is never repeated; it becomes
 * kUnknownOutcome, naming `location` (e.g. "POST /api/Tickets") and what to check. Only
 * kNotProcessed, kThrottled and kRepeatNow failures repeat a non-idempotent call.
 *
 * When it stops early the last error is returned with the reason appended: "(gave up after 4
 * attempts)" or "(retry budget exhausted: call deadline 120 s)". Cancellation between attempts
 * and during waits returns kCancelled.
 *
 * @code
 * halo::RetryPolicy retry(4, 120s, clock);
 * halo::BackoffPolicy backoff(250ms, 20s, seed);
 * auto r = halo::RetryLoop<json>(retry, backoff, halo::Idempotency::kIdempotent, "GET /api/Status",
 *                                {ctx, sleeper}, [&](int n) { return TryOnce(n); });
 * @endcode
 */
template <typename T, typename Attempt>
StatusOr<T> RetryLoop(RetryPolicy& retry, BackoffPolicy& backoff, Idempotency idempotency,
                      std::string_view location, RetryEnvironment const& env, Attempt&& attempt) {
  bool repeated_now = false;
  int throttled = 0;
  for (int n = 0;; ++n) {
    if (env.ctx.cancelled()) return CancelledError("the call was cancelled");
    AttemptResult<T> r = attempt(n);
    if (r.result.ok()) return std::move(r.result);
    Status status = r.result.status();
    switch (r.kind) {
      case FailureKind::kPermanent:
        return status;
      case FailureKind::kRepeatNow:
        if (repeated_now) return status;
        repeated_now = true;
        continue;
      case FailureKind::kThrottled:
        if (retry.Expired()) return internal::WithReason(status, internal::DeadlineReason(retry));
        if (++throttled > internal::kMaxThrottledRepeats) {
          return internal::WithReason(
              status, "still throttled after " + std::to_string(throttled) + " attempts");
        }
        continue;
      case FailureKind::kTransient:
        if (idempotency == Idempotency::kNonIdempotent) {
          return internal::UnknownOutcome(location, status);
        }
        break;
      case FailureKind::kNotProcessed:
        break;
    }
    if (!retry.OnFailure()) {
      return internal::WithReason(
          status, "gave up after " + std::to_string(retry.failures()) + " attempts");
    }
    auto delay = std::max(backoff.OnCompletion(),
                          status.info().retry_after.value_or(std::chrono::milliseconds(0)));
    if (!retry.CanWait(delay)) {
      return internal::WithReason(status, internal::DeadlineReason(retry));
    }
    auto slept = CancellableSleep(env.sleeper, delay, env.ctx, env.sleep_slice);
    if (!slept.ok()) return slept;
  }
}

}  // namespace halo
