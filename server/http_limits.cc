#include "server/http_limits.h"

#include "server/json_rpc.h"

#include <algorithm>
#include <utility>

namespace mcp {

std::size_t MessageMemoryEstimate(std::size_t body_bytes) {
  // Measured with nlohmann::json 3.11 and glibc: "[{},{},...]" takes 21 bytes per byte of
  // text, ["",...] 23, {"a":0} objects 91 bytes per value and long keys up to 107; the text
  // itself stays alive beside the parsed value.
  constexpr std::size_t kPerTextByte = 24;
  constexpr std::size_t kPerValue = 112;
  return std::min(body_bytes * kPerTextByte,
                  2 * body_bytes + kMessageLimits.max_values * kPerValue);
}

MemoryBudget::Lease::Lease(Lease&& other) noexcept
    : budget_(other.budget_), bytes_(std::exchange(other.bytes_, 0)), expected_(other.expected_) {}

MemoryBudget::Lease& MemoryBudget::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (budget_ && bytes_) budget_->Remove(bytes_);
    budget_ = other.budget_;
    bytes_ = std::exchange(other.bytes_, 0);
    expected_ = other.expected_;
  }
  return *this;
}

MemoryBudget::Lease::~Lease() {
  if (budget_ && bytes_) budget_->Remove(bytes_);
}

bool MemoryBudget::Lease::GrowTo(std::size_t bytes) {
  if (bytes <= bytes_) return true;
  if (!budget_ || !budget_->Add(bytes - bytes_, std::max(bytes, expected_))) return false;
  bytes_ = bytes;
  return true;
}

std::size_t MemoryBudget::Limit(std::size_t lease_total) const {
  return lease_total > capacity_ / 256 ? capacity_ - capacity_ / 8 : capacity_;
}

bool MemoryBudget::Add(std::size_t delta, std::size_t lease_total) {
  std::size_t const limit = Limit(lease_total);
  std::lock_guard lock(mu_);
  if (used_ + delta > limit) return false;
  used_ += delta;
  return true;
}

void MemoryBudget::Remove(std::size_t bytes) {
  std::lock_guard lock(mu_);
  used_ -= std::min(used_, bytes);
}

std::size_t MemoryBudget::used() const {
  std::lock_guard lock(mu_);
  return used_;
}

ConnectionTable::ConnectionTable(std::size_t max_connections,
                                 std::shared_ptr<halo::Clock const> clock)
    : max_(std::max<std::size_t>(1, max_connections)), clock_(std::move(clock)) {}

std::optional<ConnectionTable::Id> ConnectionTable::Open(Closer close, Closer* evicted) {
  std::lock_guard lock(mu_);
  if (shut_down_) return std::nullopt;
  if (entries_.size() >= max_) {
    auto victim = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.serving) continue;
      if (victim == entries_.end() || it->second.since < victim->second.since) victim = it;
    }
    if (victim == entries_.end()) return std::nullopt;  // all serving: refuse the newcomer
    if (evicted) *evicted = std::move(victim->second.close);
    entries_.erase(victim);
  }
  Id id = next_id_++;
  entries_[id] = Entry{std::move(close), false, clock_->Now()};
  return id;
}

void ConnectionTable::Waiting(Id id) {
  std::lock_guard lock(mu_);
  if (auto it = entries_.find(id); it != entries_.end()) {
    it->second.serving = false;
    it->second.since = clock_->Now();
  }
}

void ConnectionTable::Serving(Id id) {
  std::lock_guard lock(mu_);
  if (auto it = entries_.find(id); it != entries_.end()) it->second.serving = true;
}

void ConnectionTable::Closed(Id id) {
  std::lock_guard lock(mu_);
  entries_.erase(id);
}

std::size_t ConnectionTable::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

std::vector<ConnectionTable::Closer> ConnectionTable::Shutdown() {
  std::lock_guard lock(mu_);
  shut_down_ = true;
  std::vector<Closer> closers;
  for (auto const& [id, entry] : entries_) {
    if (!entry.serving) closers.push_back(entry.close);
  }
  return closers;
}

std::vector<ConnectionTable::Closer> ConnectionTable::All() const {
  std::lock_guard lock(mu_);
  std::vector<Closer> closers;
  for (auto const& [id, entry] : entries_) closers.push_back(entry.close);
  return closers;
}

}  // namespace mcp
