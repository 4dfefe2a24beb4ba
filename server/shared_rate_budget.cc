#include "server/shared_rate_budget.h"

#include "halo/sleep.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace mcp {

using std::chrono::milliseconds;

milliseconds SharedRateBudget::Guard(milliseconds window) {
  return std::max(milliseconds(100), window / 100);
}

SharedRateBudget::SharedRateBudget(std::shared_ptr<SharedState> state, Options options,
                                   std::shared_ptr<halo::RateBudget> feedback,
                                   std::shared_ptr<halo::Clock const> clock, halo::Sleeper sleeper)
    : state_(std::move(state)),
      options_(std::move(options)),
      spacing_(options_.window + Guard(options_.window)),
      feedback_(std::move(feedback)),
      clock_(std::move(clock)),
      sleeper_(std::move(sleeper)) {}

void SharedRateBudget::PruneLocked(halo::Clock::time_point now) {
  while (!mine_.empty() && mine_.front().at + spacing_ <= now) mine_.pop_front();
}

milliseconds SharedRateBudget::LocalShare(halo::Clock::time_point now, bool take) {
  std::lock_guard lock(mu_);
  PruneLocked(now);
  auto const share = static_cast<std::size_t>(std::max(1, options_.local_share));
  if (mine_.size() < share) {
    if (take) mine_.push_back(Taken{now, true});
    return milliseconds(0);
  }
  auto frees = mine_[mine_.size() - share].at + spacing_;
  return std::max(milliseconds(1), std::chrono::ceil<milliseconds>(frees - now));
}

void SharedRateBudget::Unreserve(halo::Clock::time_point at) {
  std::lock_guard lock(mu_);
  for (auto it = mine_.rbegin(); it != mine_.rend(); ++it) {
    if (it->local && it->at == at) {
      mine_.erase(std::next(it).base());
      return;
    }
  }
}

void SharedRateBudget::Rejoin(halo::Clock::time_point now) {
  std::vector<milliseconds> ages;
  {
    std::lock_guard lock(mu_);
    if (!degraded_) return;
    degraded_ = false;
    rejoined_at_ = now;
    PruneLocked(now);
    for (auto& t : mine_) {
      if (!t.local) continue;
      ages.push_back(std::chrono::duration_cast<milliseconds>(now - t.at));
      t.local = false;
    }
  }
  if (!state_->Backfill(options_.key, ages, spacing_).ok()) {
    spdlog::debug("shared state: could not add {} slots taken alone", ages.size());
  }
}

halo::RateBudget::AcquireResult SharedRateBudget::Acquire(halo::CallContext const& ctx,
                                                          halo::Clock::time_point deadline) {
  AcquireResult result = feedback_->Acquire(ctx, deadline);  // HaloPSA said wait: everyone waits
  if (!result.status.ok()) return result;
  for (;;) {
    if (ctx.cancelled()) {
      result.status = halo::CancelledError("the call was cancelled while waiting for a slot");
      return result;
    }
    auto const now = clock_->Now();
    milliseconds wait{0};
    // Serving alone, or just back: the slot must also fit this replica's share. It is reserved
    // first, so that concurrent callers cannot all pass on the same free place.
    bool careful;
    {
      std::lock_guard lock(mu_);
      careful = degraded_ || (rejoined_at_ && now < *rejoined_at_ + spacing_);
    }
    if (careful) wait = LocalShare(now, true);
    if (wait == milliseconds(0)) {
      auto slot = state_->TakeSlot(options_.key, options_.limit, spacing_);
      if (!slot.ok()) {
        std::lock_guard lock(mu_);
        degraded_ = true;
      }
      if (!slot.ok() && careful) return result;  // the reserved local slot stands
      if (!slot.ok()) {
        wait = LocalShare(now, true);
        if (wait == milliseconds(0)) return result;
      } else {
        if (careful) Unreserve(now);
        Rejoin(now);
        if (slot->granted) {
          std::lock_guard lock(mu_);
          PruneLocked(now);
          mine_.push_back(Taken{now, false});
          return result;
        }
        wait = slot->wait;
      }
    }
    if (now + wait > deadline) {
      halo::ErrorInfo info;
      info.retry_after = wait;
      info.hint = "wait and retry; the team's HaloPSA budget is in use";
      result.status = halo::ResourceExhaustedError("rate limit: the next request slot is " +
                                                       std::to_string((wait.count() + 999) / 1000) +
                                                       " s away, longer than this call may wait",
                                                   std::move(info));
      return result;
    }
    result.waited = true;
    auto s = halo::CancellableSleep(sleeper_, std::min(wait, options_.sleep_slice), ctx,
                                    options_.sleep_slice);
    if (!s.ok()) {
      result.status = s;
      return result;
    }
  }
}

void SharedRateBudget::OnThrottled(halo::Throttle const& throttle) {
  if (throttle.stated &&
      (throttle.stated->requests != options_.limit ||
       std::chrono::duration_cast<milliseconds>(throttle.stated->length) != options_.window)) {
    spdlog::warn(
        "halo: HaloPSA states a limit of {} requests per {} s, but the fleet is configured for "
        "{} per {} s; set HALOPSA_RATE_LIMIT to match on every replica",
        throttle.stated->requests, throttle.stated->length.count(), options_.limit,
        std::chrono::duration_cast<std::chrono::seconds>(options_.window).count());
  }
  feedback_->OnThrottled(throttle);
}

int SharedRateBudget::InUse() {
  auto n = state_->SlotsInUse(options_.key, spacing_);
  if (n.ok()) return *n;
  std::lock_guard lock(mu_);
  auto const now = clock_->Now();
  return static_cast<int>(std::count_if(mine_.begin(), mine_.end(),
                                        [&](Taken const& t) { return t.at + spacing_ > now; }));
}

bool SharedRateBudget::degraded() const {
  std::lock_guard lock(mu_);
  return degraded_;
}

}  // namespace mcp
