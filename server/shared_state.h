#pragma once

// What replicas share (issue 12): a rolling-window request budget and small expiring values
// (the sealed HaloPSA token and its fetch lock). RedisSharedState is the production one; tests
// of the rules built on it use an in-memory fake. Every call is bounded in time and fails with
// kUnavailable when the store cannot be reached, so that callers fall back to local state.

#include "halo/status.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mcp {

class SharedState {
 public:
  struct Slot {
    bool granted = false;
    std::chrono::milliseconds wait{0};  ///< when refused: until a slot frees
  };
  struct Value {
    std::string data;
    std::chrono::milliseconds ttl{0};  ///< time left before it expires
  };

  virtual ~SharedState() = default;

  /// Takes a slot in the rolling window `key` (at most `limit` per `window`, by the store's own
  /// clock, so replicas' clocks do not matter), or says how long until one frees.
  virtual halo::StatusOr<Slot> TakeSlot(std::string const& key, int limit,
                                        std::chrono::milliseconds window) = 0;
  /// Adds slots taken elsewhere `ages` ago (a replica that served on its own share while the
  /// store was away, rejoining a store that may have lost its window).
  virtual halo::Status Backfill(std::string const& key,
                                std::vector<std::chrono::milliseconds> const& ages,
                                std::chrono::milliseconds window) = 0;
  /// Slots taken in the window now (for the budget-in-use gauge).
  virtual halo::StatusOr<int> SlotsInUse(std::string const& key,
                                         std::chrono::milliseconds window) = 0;
  virtual halo::StatusOr<std::optional<Value>> Get(std::string const& key) = 0;
  virtual halo::Status Set(std::string const& key, std::string const& value,
                           std::chrono::milliseconds ttl) = 0;
  /// Sets only when absent (a lock); true when this caller set it.
  virtual halo::StatusOr<bool> SetIfAbsent(std::string const& key, std::string const& value,
                                           std::chrono::milliseconds ttl) = 0;
  /// Sets unless the value now is `unless` (a record that must not overwrite a tombstone);
  /// true when set.
  virtual halo::StatusOr<bool> SetUnlessEquals(std::string const& key, std::string const& value,
                                               std::chrono::milliseconds ttl,
                                               std::string const& unless) = 0;
  /// Deletes only while the value is still `value` (releasing one's own lock, dropping a token
  /// nobody has replaced yet).
  virtual halo::Status DeleteIfEquals(std::string const& key, std::string const& value) = 0;
  /// Whether the last call reached the store.
  virtual bool healthy() const = 0;
};

}  // namespace mcp
