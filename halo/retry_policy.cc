#include "halo/retry_policy.h"

#include "halo/safe_int.h"

#include <algorithm>

namespace halo {

using std::chrono::milliseconds;

RetryPolicy::RetryPolicy(int max_attempts, milliseconds budget, std::shared_ptr<Clock const> clock)
    : max_attempts_(std::max(1, max_attempts)),
      budget_(std::max(budget, milliseconds(0))),
      clock_(std::move(clock)),
      deadline_(clock_->Now() + budget_) {}

bool RetryPolicy::OnFailure() { return ++failures_ < max_attempts_; }

bool RetryPolicy::CanWait(milliseconds delay) const { return clock_->Now() + delay <= deadline_; }

BackoffPolicy::BackoffPolicy(milliseconds initial, milliseconds maximum, std::uint64_t seed)
    : initial_(std::max(initial, milliseconds(1))),
      maximum_(std::max(maximum, initial_)),
      rng_(seed) {}

milliseconds BackoffPolicy::OnCompletion() {
  std::int64_t ceiling = initial_.count();
  for (int i = 0; i < completions_ && ceiling < maximum_.count(); ++i) {
    ceiling = SaturatingMul(ceiling, 2);
  }
  ceiling = std::min<std::int64_t>(ceiling, maximum_.count());
  ++completions_;
  std::uniform_int_distribution<std::int64_t> dist(0, ceiling);
  return milliseconds(dist(rng_));
}

}  // namespace halo
