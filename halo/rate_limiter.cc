#include "halo/rate_limiter.h"

#include "halo/safe_int.h"
#include "halo/sleep.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace halo {

using std::chrono::milliseconds;

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '-'; }

}  // namespace

std::optional<RateWindow> ParseRateLimitMessage(std::string_view text) {
  // HaloPSA's wording is short; a long body is searched only at its start.
  text = text.substr(0, 64 * 1024);
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::string_view kPhrase = "requests per ";
  for (auto at = lower.find(kPhrase); at != std::string::npos; at = lower.find(kPhrase, at + 1)) {
    // The count, just before the phrase: "300 Requests per ...".
    std::size_t end = at;
    while (end > 0 && IsSpace(lower[end - 1])) --end;
    std::size_t begin = end;
    while (begin > 0 && std::isdigit(static_cast<unsigned char>(lower[begin - 1]))) --begin;
    auto requests = ParseInt64(std::string_view(lower).substr(begin, end - begin), 1, 1'000'000);
    if (!requests) continue;
    // The window, after it: "rolling 5 minute window", "60 seconds".
    std::size_t p = at + kPhrase.size();
    if (lower.compare(p, 8, "rolling ") == 0) p += 8;
    while (p < lower.size() && IsSpace(lower[p])) ++p;
    std::size_t digits = p;
    while (digits < lower.size() && std::isdigit(static_cast<unsigned char>(lower[digits]))) {
      ++digits;
    }
    // "per rolling minute" has no number: one unit.
    auto amount = digits == p
                      ? std::optional<std::int64_t>(1)
                      : ParseInt64(std::string_view(lower).substr(p, digits - p), 1, 86'400);
    if (!amount) continue;
    p = digits;
    while (p < lower.size() && IsSpace(lower[p])) ++p;
    std::int64_t unit = 0;
    for (auto [word, seconds] : {std::pair<std::string_view, std::int64_t>{"sec", 1},
                                 {"min", 60},
                                 {"hour", 3600},
                                 {"hr", 3600}}) {
      if (lower.compare(p, word.size(), word) == 0) {
        unit = seconds;
        break;
      }
    }
    if (unit == 0) continue;
    std::int64_t length = SaturatingMul(*amount, unit);
    if (length < 1 || length > 86'400) continue;
    return RateWindow{static_cast<int>(*requests), std::chrono::seconds(length)};
  }
  return std::nullopt;
}

RateLimiter::RateLimiter(int max_requests, milliseconds window, std::shared_ptr<Clock const> clock,
                         Sleeper sleeper, milliseconds sleep_slice, std::uint64_t seed,
                         ThrottleBackoff backoff)
    : clock_(std::move(clock)),
      sleeper_(std::move(sleeper)),
      sleep_slice_(sleep_slice),
      backoff_{std::max(backoff.initial, milliseconds(1)),
               std::max(backoff.maximum, std::max(backoff.initial, milliseconds(1)))},
      max_requests_(std::max(0, max_requests)),
      window_(window),
      rng_(seed) {}

int RateLimiter::max_requests() const {
  std::lock_guard<std::mutex> lk(mu_);
  return max_requests_;
}

milliseconds RateLimiter::window() const {
  std::lock_guard<std::mutex> lk(mu_);
  return window_;
}

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

RateBudget::AcquireResult RateLimiter::Acquire(CallContext const& ctx, Clock::time_point deadline) {
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
                                                   " s away, longer than this call may wait",
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

void RateLimiter::OnThrottled(Throttle const& throttle) {
  std::lock_guard<std::mutex> lk(mu_);
  auto now = clock_->Now();
  if (throttle.stated && max_requests_ > 0 &&
      (throttle.stated->requests != max_requests_ || throttle.stated->length != window_)) {
    spdlog::info("halo: HaloPSA states a limit of {} requests per {} s; pacing to it",
                 throttle.stated->requests, throttle.stated->length.count());
    max_requests_ = throttle.stated->requests;
    window_ = throttle.stated->length;
  }
  milliseconds wait;
  if (throttle.retry_after) {
    wait = std::max(*throttle.retry_after, backoff_.initial);
  } else {
    // 429s from one burst arrive while its back-off is in force: they count once.
    if (blocked_until_ <= now) ++streak_;
    std::int64_t ms = backoff_.initial.count();
    for (int i = 1; i < streak_ && ms < backoff_.maximum.count(); ++i) ms = SaturatingMul(ms, 2);
    wait = milliseconds(std::min<std::int64_t>(ms, backoff_.maximum.count()));
  }
  // Up to 10% (at most 1 s) of jitter, so that waiting threads do not return as one burst.
  std::uniform_int_distribution<std::int64_t> jitter(
      0, std::min<std::int64_t>(1000, wait.count() / 10));
  blocked_until_ = std::max(blocked_until_, now + wait + milliseconds(jitter(rng_)));
}

void RateLimiter::OnAccepted() {
  std::lock_guard<std::mutex> lk(mu_);
  streak_ = 0;
}

milliseconds RateLimiter::NextSlotIn() {
  std::lock_guard<std::mutex> lk(mu_);
  return WaitLocked(clock_->Now());
}

}  // namespace halo
