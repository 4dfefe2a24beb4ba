#include "halo/token_cache.h"

#include <algorithm>

namespace halo {

TokenCache::TokenCache(std::shared_ptr<Clock const> clock, std::chrono::seconds margin)
    : clock_(std::move(clock)), margin_(margin) {}

StatusOr<std::string> TokenCache::Get(CallContext const& ctx, Fetch const& fetch) {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    if (have_token_ && clock_->Now() < refresh_at_) return token_;
    if (!fetching_) break;
    // Another thread is fetching: wait for its result rather than start a second request.
    auto gen = generation_;
    while (fetching_ && generation_ == gen) {
      if (ctx.cancelled())
        return CancelledError("the call was cancelled while waiting for a token");
      // Real-time wait on a condition variable (not the injected sleeper): this is not a delay
      // policy, only a bounded poll for cancellation.
      cv_.wait_for(lk, std::chrono::milliseconds(20));
    }
    // Share the fetcher's failure, unless it only means that the fetcher's own call was
    // cancelled: then this caller fetches for itself.
    if (generation_ != gen && !have_token_ && !last_error_.ok() &&
        last_error_.code() != StatusCode::kCancelled) {
      return last_error_;
    }
  }
  fetching_ = true;
  ++fetches_;
  lk.unlock();
  StatusOr<AccessToken> fetched = InternalError("token fetch did not run");
  try {
    fetched = fetch(ctx);
  } catch (std::exception const& e) {
    fetched = InternalError(std::string("token fetch failed: ") + e.what());
  } catch (...) {
    fetched = InternalError("token fetch failed");
  }
  lk.lock();
  fetching_ = false;
  ++generation_;
  StatusOr<std::string> result = InternalError("unreachable");
  if (fetched.ok()) {
    auto lifetime = std::max(fetched->expires_in, std::chrono::seconds(1));
    auto margin = std::min(margin_, lifetime / 2);
    token_ = fetched->value;
    refresh_at_ = clock_->Now() + (lifetime - margin);
    have_token_ = true;
    last_error_ = OkStatus();
    result = token_;
  } else {
    have_token_ = false;
    token_.clear();
    last_error_ = fetched.status();
    result = last_error_;
  }
  lk.unlock();
  cv_.notify_all();
  return result;
}

void TokenCache::Invalidate(std::string const& stale) {
  std::lock_guard<std::mutex> lk(mu_);
  if (have_token_ && token_ == stale) {
    have_token_ = false;
    token_.clear();
  }
}

std::int64_t TokenCache::fetches() const {
  std::lock_guard<std::mutex> lk(mu_);
  return fetches_;
}

}  // namespace halo
