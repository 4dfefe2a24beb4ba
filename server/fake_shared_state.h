#pragma once

// For tests: SharedState's semantics in memory on the test's clock. `down` makes every call
// fail as a lost Redis does. Thread-safe, so that code sharing it across threads can be tested.

#include "halo/testing/fake_clock.h"
#include "server/shared_state.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mcp::testing {

class FakeSharedState : public SharedState {
 public:
  using milliseconds = std::chrono::milliseconds;
  explicit FakeSharedState(std::shared_ptr<halo::testing::FakeClock> clock)
      : clock_(std::move(clock)) {}
  bool down = false;
  int slot_calls = 0;
  int gets = 0, sets = 0;

  halo::StatusOr<Slot> TakeSlot(std::string const& key, int limit, milliseconds window) override {
    std::lock_guard lock(mu_);
    if (down) return halo::UnavailableError("down");
    ++slot_calls;
    auto& w = windows_[key];
    auto now = clock_->Now();
    while (!w.empty() && w.front() + window <= now) w.erase(w.begin());
    if (static_cast<int>(w.size()) < limit) {
      w.push_back(now);
      return Slot{true, milliseconds(0)};
    }
    return Slot{false, std::chrono::ceil<milliseconds>(w[w.size() - limit] + window - now)};
  }
  halo::Status Backfill(std::string const& key, std::vector<milliseconds> const& ages,
                        milliseconds) override {
    std::lock_guard lock(mu_);
    if (down) return halo::UnavailableError("down");
    auto& w = windows_[key];
    for (auto a : ages) w.push_back(clock_->Now() - a);
    std::sort(w.begin(), w.end());
    return halo::Status();
  }
  halo::StatusOr<int> SlotsInUse(std::string const& key, milliseconds window) override {
    std::lock_guard lock(mu_);
    if (down) return halo::UnavailableError("down");
    int n = 0;
    for (auto t : windows_[key]) n += t + window > clock_->Now();
    return n;
  }
  halo::StatusOr<std::optional<Value>> Get(std::string const& key) override {
    std::lock_guard lock(mu_);
    if (down) return halo::UnavailableError("down");
    ++gets;
    return Live(key);
  }
  halo::Status Set(std::string const& key, std::string const& value, milliseconds ttl) override {
    std::lock_guard lock(mu_);
    if (down) return halo::UnavailableError("down");
    ++sets;
    values_[key] = {value, clock_->Now() + ttl};
    return halo::Status();
  }
  halo::StatusOr<bool> SetIfAbsent(std::string const& key, std::string const& value,
                                   milliseconds ttl) override {
    std::lock_guard lock(mu_);
    if (down) return halo::UnavailableError("down");
    if (Live(key)) return false;
    values_[key] = {value, clock_->Now() + ttl};
    return true;
  }
  halo::StatusOr<bool> SetUnlessEquals(std::string const& key, std::string const& value,
                                       milliseconds ttl, std::string const& unless) override {
    std::lock_guard lock(mu_);
    if (down) return halo::UnavailableError("down");
    if (auto held = Live(key); held && held->data == unless) return false;
    ++sets;
    values_[key] = {value, clock_->Now() + ttl};
    return true;
  }
  halo::Status DeleteIfEquals(std::string const& key, std::string const& value) override {
    std::lock_guard lock(mu_);
    if (down) return halo::UnavailableError("down");
    if (auto it = values_.find(key); it != values_.end() && it->second.first == value) {
      values_.erase(it);
    }
    return halo::Status();
  }
  bool healthy() const override { return !down; }

  /// The stored text of a key (expired or not), "" when absent.
  std::string Raw(std::string const& key) {
    std::lock_guard lock(mu_);
    auto it = values_.find(key);
    return it == values_.end() ? "" : it->second.first;
  }
  /// Keys holding a value now (expired ones excluded).
  std::vector<std::string> Keys() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (auto const& [k, v] : values_) {
      if (v.second > clock_->Now()) out.push_back(k);
    }
    return out;
  }
  /// Forgets everything (a store restarted without persistence).
  void Flush() {
    std::lock_guard lock(mu_);
    values_.clear();
    windows_.clear();
  }

 private:
  std::optional<Value> Live(std::string const& key) const {
    auto it = values_.find(key);
    if (it == values_.end() || it->second.second <= clock_->Now()) return std::nullopt;
    return Value{it->second.first,
                 std::chrono::duration_cast<milliseconds>(it->second.second - clock_->Now())};
  }

  std::shared_ptr<halo::testing::FakeClock> clock_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<halo::Clock::time_point>> windows_;
  std::map<std::string, std::pair<std::string, halo::Clock::time_point>> values_;
};

}  // namespace mcp::testing
