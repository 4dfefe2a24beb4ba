#include "halo/rate_limiter.h"

#include <algorithm>
#include <string>

namespace halo {

using std::chrono::milliseconds;

Status CancellableSleep(Sleeper const& sleeper, milliseconds duration, CallContext const& ctx,
                        milliseconds slice) {
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

RateLimiter::RateLimiter(int max_requests, milliseconds window, std::shared_ptr<Clock const> clock,
                         Sleeper sleeper, milliseconds sleep_slice, std::uint64_t seed)
    : max_requests_(std::max(0, max_requests)),
      window_(window),
      clock_(std::move(clock)),
      sleeper_(std::move(sleeper)),
      sleep_slice_(sleep_slice),
      rng_(seed) {}

void RateLimiter::PruneLocked(Clock::time_point now) {
  while (!sent_.empty() && sent_.front() + window_ <= now) sent_.pop_front();
}

milliseconds RateLimiter::WaitLocked(Clock::time_point now) {
  milliseconds wait(0);
  if (blocked_until_ > now) {
    wait = std::chrono::ceil<milliseconds>(blocked_until_ - now);
  }
  if (max_requests_ > 0) {
    PruneLocked(now);
    if (static_cast<int>(sent_.size()) >= max_requests_) {
      // The slot frees when the request max_requests_ back leaves the window.
      auto frees_at = sent_[sent_.size() - static_cast<std::size_t>(max_requests_)] + window_;
      wait = std::max(wait, std::chrono::ceil<milliseconds>(frees_at - now));
    }
  }
  return wait;
}

RateLimiter::AcquireResult RateLimiter::Acquire(CallContext const& ctx,
                                                Clock::time_point deadline) {
  AcquireResult result;
  for (;;) {
    if (ctx.cancelled()) {
      result.status = CancelledError("the call was cancelled while waiting for a rate-limit slot");
      return result;
    }
    milliseconds wait;
    {
      std::lock_guard<std::mutex> lk(mu_);
      auto now = clock_->Now();
      wait = WaitLocked(now);
      if (wait <= milliseconds(0)) {
        if (max_requests_ > 0) sent_.push_back(now);
        return result;
      }
      if (now + wait > deadline) {
        ErrorInfo info;
        info.retry_after = wait;
        info.hint = "wait and retry, or lower the request volume (HALOPSA_RATE_LIMIT)";
        result.status = ResourceExhaustedError("rate limit: the next request slot is " +
                                                   std::to_string((wait.count() + 999) / 1000) +
                                                   " s away, beyond this call's deadline",
                                               std::move(info));
        return result;
      }
    }
    result.waited = true;
    // Sleep at most one slice before re-checking: another thread may take the slot first, and a
    // 429 may extend the block meanwhile.
    auto s = CancellableSleep(sleeper_, std::min(wait, sleep_slice_), ctx, sleep_slice_);
    if (!s.ok()) {
      result.status = s;
      return result;
    }
  }
}

void RateLimiter::OnThrottled(std::optional<milliseconds> retry_after) {
  std::lock_guard<std::mutex> lk(mu_);
  auto now = clock_->Now();
  Clock::time_point until;
  if (retry_after) {
    // A little jitter (up to 10%, at most 1 s) so waiting threads do not stampede.
    auto cap = std::min<long long>(1000, retry_after->count() / 10);
    std::uniform_int_distribution<long long> dist(0, std::max<long long>(0, cap));
    until = now + *retry_after + milliseconds(dist(rng_));
  } else {
    // No hint: HaloPSA's window is full. Room appears when the oldest request we sent in the
    // window leaves it; with none on record, assume a whole window.
    PruneLocked(now);
    until = sent_.empty() ? now + window_ : sent_.front() + window_;
    if (until <= now) until = now + milliseconds(1000);
    auto cap = std::min<long long>(5000, std::max<long long>(250, window_.count() / 20));
    std::uniform_int_distribution<long long> dist(0, cap);
    until += milliseconds(dist(rng_));
  }
  blocked_until_ = std::max(blocked_until_, until);
}

milliseconds RateLimiter::NextSlotIn() {
  std::lock_guard<std::mutex> lk(mu_);
  return WaitLocked(clock_->Now());
}

ExponentialBackoff::ExponentialBackoff(milliseconds initial, milliseconds maximum,
                                       std::uint64_t seed)
    : initial_(std::max(initial, milliseconds(1))),
      maximum_(std::max(maximum, initial_)),
      rng_(seed) {}

milliseconds ExponentialBackoff::Next() {
  auto ceiling = initial_.count();
  for (int i = 0; i < attempts_ && ceiling < maximum_.count(); ++i) ceiling *= 2;
  ceiling = std::min(ceiling, maximum_.count());
  ++attempts_;
  std::uniform_int_distribution<long long> dist(0, ceiling);
  return milliseconds(dist(rng_));
}

}  // namespace halo
