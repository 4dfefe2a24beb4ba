#pragma once

#include "halo/clock.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

namespace halo::testing {

/// A Clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  time_point Now() const override { return time_point(std::chrono::nanoseconds(now_ns_.load())); }
  void Advance(std::chrono::nanoseconds d) { now_ns_.fetch_add(d.count()); }

 private:
  std::atomic<std::int64_t> now_ns_{std::int64_t{1'000'000'000} * 3600 * 24};
};

/// Records every sleep and advances the fake clock by it instead of sleeping. Thread-safe.
class RecordingSleeper {
 public:
  explicit RecordingSleeper(std::shared_ptr<FakeClock> clock) : clock_(std::move(clock)) {}

  Sleeper AsSleeper() {
    return [this](std::chrono::milliseconds d) {
      {
        std::lock_guard<std::mutex> lk(mu_);
        sleeps_.push_back(d);
      }
      clock_->Advance(d);
    };
  }
  std::vector<std::chrono::milliseconds> sleeps() const {
    std::lock_guard<std::mutex> lk(mu_);
    return sleeps_;
  }
  std::chrono::milliseconds total() const {
    std::lock_guard<std::mutex> lk(mu_);
    std::chrono::milliseconds t{0};
    for (auto d : sleeps_) t += d;
    return t;
  }
  void clear() {
    std::lock_guard<std::mutex> lk(mu_);
    sleeps_.clear();
  }

 private:
  std::shared_ptr<FakeClock> clock_;
  mutable std::mutex mu_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace halo::testing
