#pragma once

// The HaloPSA request budget shared by a fleet of replicas (--shared-state): every replica takes
// its slots from one rolling window kept in SharedState. When the store cannot be reached a
// replica keeps serving on a local window of a conservative share (limit / replicas), counting
// the slots it took from the shared window in the last window length too, so that the fleet
// stays within the budget across the switch; it goes back to the shared window as soon as the
// store answers again.

#include "halo/clock.h"
#include "halo/rate_budget.h"
#include "server/shared_state.h"

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace mcp {

class SharedRateBudget final : public halo::RateBudget {
 public:
  struct Options {
    std::string key;  // the window's key in the store
    int limit = 300;  // requests per window for the whole fleet
    std::chrono::milliseconds window{300'000};
    int local_share = 100;  // requests per window for this replica while degraded
    std::chrono::milliseconds sleep_slice{250};
  };
  /// `feedback` takes HaloPSA's 429s (back-off, Retry-After) and is asked first on every
  /// Acquire; an in-process RateLimiter with its window off is the usual one.
  /// Slots are spaced by the window plus this guard: the time between a replica taking a slot
  /// and HaloPSA counting the request varies, and a request that arrives early by a few ms
  /// against its predecessor one window back is refused. 1% of the window, at least 100 ms.
  static std::chrono::milliseconds Guard(std::chrono::milliseconds window);

  SharedRateBudget(std::shared_ptr<SharedState> state, Options options,
                   std::shared_ptr<halo::RateBudget> feedback,
                   std::shared_ptr<halo::Clock const> clock, halo::Sleeper sleeper);

  AcquireResult Acquire(halo::CallContext const& ctx, halo::Clock::time_point deadline) override;
  void OnThrottled(halo::Throttle const& throttle) override;
  void OnAccepted() override { feedback_->OnAccepted(); }

  /// Slots in use in the window now: the fleet's when the store answers, else this replica's.
  int InUse();
  bool degraded() const;

 private:
  /// The wait until the local share has room (0 = now), taking the slot when `take` is set.
  std::chrono::milliseconds LocalShare(halo::Clock::time_point now, bool take);
  void PruneLocked(halo::Clock::time_point now);
  /// Gives back a local reservation made at `at` (the store decided instead).
  void Unreserve(halo::Clock::time_point at);
  /// Back with the store after serving alone: it learns what this replica took meanwhile.
  void Rejoin(halo::Clock::time_point now);

  std::shared_ptr<SharedState> state_;
  Options const options_;
  std::chrono::milliseconds const spacing_;  // window + guard
  std::shared_ptr<halo::RateBudget> feedback_;
  std::shared_ptr<halo::Clock const> clock_;
  halo::Sleeper sleeper_;

  mutable std::mutex mu_;
  struct Taken {
    halo::Clock::time_point at;
    bool local;  // from the local share (the store never saw it)
  };
  std::deque<Taken> mine_;  // this replica's admissions within the window
  bool degraded_ = false;
  /// Set when the store came back: for one window each replica also keeps to its share, as the
  /// others' slots taken alone reach the store only when they too get through.
  std::optional<halo::Clock::time_point> rejoined_at_;
};

}  // namespace mcp
