#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace halo {

/// Time source seam: production uses the steady clock; tests advance a fake one.
class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  time_point Now() const override { return std::chrono::steady_clock::now(); }
};

/// Sleeps for a duration. Tests record the durations instead of sleeping.
using Sleeper = std::function<void(std::chrono::milliseconds)>;

inline Sleeper RealSleeper() {
  return [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

/// Cooperative cancellation shared between a request and the work it started.
class CancelToken {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

/// Progress of a long call: units done so far, and the total once known (0 when unknown).
using ProgressFn = std::function<void(double done, double total, std::string const& message)>;

/// What a caller hands to each HaloPSA call: cancellation and progress reporting. Both optional.
struct CallContext {
  std::shared_ptr<CancelToken> cancel;
  ProgressFn progress;
  bool cancelled() const { return cancel && cancel->cancelled(); }
};

}  // namespace halo
