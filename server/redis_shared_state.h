#pragma once

// SharedState on Redis (hiredis, synchronous, with timeouts on connect and on every command).
// A small pool of connections serves concurrent callers. After a failure the store counts as
// down for `retry_after`: calls fail at once with kUnavailable instead of waiting on a dead
// server, then one call tries again. State changes are logged once each.

#include "server/shared_state.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct redisContext;

namespace mcp {

struct RedisAddress {
  std::string host;
  int port = 6379;
  int db = 0;
  std::string Describe() const {
    return host + ":" + std::to_string(port) + "/" + std::to_string(db);
  }
};

/// redis://HOST[:PORT][/DB]; errors say what is wrong.
halo::StatusOr<RedisAddress> ParseRedisUrl(std::string const& url);

struct RedisOptions {
  std::chrono::milliseconds connect_timeout{200};
  std::chrono::milliseconds command_timeout{200};
  std::chrono::milliseconds retry_after{1000};  // how long a failure keeps the store "down"
  std::size_t connections = 4;
};

class RedisSharedState final : public SharedState {
 public:
  RedisSharedState(RedisAddress address, RedisOptions options = {});
  ~RedisSharedState() override;

  halo::StatusOr<Slot> TakeSlot(std::string const& key, int limit,
                                std::chrono::milliseconds window) override;
  halo::Status Backfill(std::string const& key, std::vector<std::chrono::milliseconds> const& ages,
                        std::chrono::milliseconds window) override;
  halo::StatusOr<int> SlotsInUse(std::string const& key, std::chrono::milliseconds window) override;
  halo::StatusOr<std::optional<Value>> Get(std::string const& key) override;
  halo::Status Set(std::string const& key, std::string const& value,
                   std::chrono::milliseconds ttl) override;
  halo::StatusOr<bool> SetIfAbsent(std::string const& key, std::string const& value,
                                   std::chrono::milliseconds ttl) override;
  halo::StatusOr<bool> SetUnlessEquals(std::string const& key, std::string const& value,
                                       std::chrono::milliseconds ttl,
                                       std::string const& unless) override;
  halo::Status DeleteIfEquals(std::string const& key, std::string const& value) override;
  bool healthy() const override { return healthy_.load(); }

  /// A reply reduced to what these commands return.
  struct Reply {
    enum class Type { kNil, kInteger, kString, kArray, kError } type = Type::kNil;
    long long integer = 0;
    std::string text;  // string, status or error text
    std::vector<Reply> elements;
  };

 private:
  struct ContextDeleter {
    void operator()(redisContext* c) const;
  };
  using Connection = std::unique_ptr<redisContext, ContextDeleter>;

  halo::StatusOr<Reply> Command(std::vector<std::string> const& argv);
  /// EVALSHA, loading the script with EVAL the first time a server does not know it.
  halo::StatusOr<Reply> Script(std::string const& body, std::string const& sha,
                               std::vector<std::string> const& keys,
                               std::vector<std::string> const& args);
  /// A connection from the pool, or a new one; `reused` tells which.
  halo::StatusOr<Connection> Borrow(bool& reused);
  void Return(Connection c);
  void MarkDown(std::string const& why);
  void MarkUp();

  RedisAddress const address_;
  RedisOptions const options_;
  std::string const slot_sha_, in_use_sha_, delete_sha_, backfill_sha_, set_unless_sha_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Connection> idle_;
  std::size_t open_ = 0;  // connections lent out or idle
  std::chrono::steady_clock::time_point down_until_{};
  std::atomic<bool> healthy_{true};
  bool logged_down_ = false;
};

}  // namespace mcp
