#pragma once

// Legacy-era HTTP sessions (Mcp-Session-Id): creation, lookup, idle expiry and the session cap,
// with time from an injected clock so that expiry is tested without sleeping. With shared
// sessions (--shared-state) a session's facts are published after each request, an id unknown
// here is looked up there, and a session ended elsewhere ends here too; when the store cannot be
// reached, sessions are served from this process alone.

#include "halo/clock.h"
#include "server/mcp_server.h"
#include "server/shared_sessions.h"

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mcp {

class Exchange;

struct HttpSession {
  explicit HttpSession(std::string session_id) : id(std::move(session_id)) {}
  std::string const id;
  Session state;  // the method layer's state (guarded by its own mutex)

 private:
  friend class SessionStore;
  // Guarded by the store's mutex.
  halo::Clock::time_point last_used{};
  int users = 0;                     // requests being served: never expired or evicted then
  std::shared_ptr<Exchange> stream;  // the standalone GET stream, when open
  std::string published;             // the record last written to (or read from) shared state
  bool removed = false;              // out of this store: never published again
  bool ended = false;                // ended for good (DELETE, here or on another replica)
};

class SessionStore {
 public:
  SessionStore(std::shared_ptr<halo::Clock const> clock, std::chrono::milliseconds idle_timeout,
               std::size_t max_sessions, std::shared_ptr<SharedSessions> shared = nullptr);
  ~SessionStore();
  SessionStore(SessionStore const&) = delete;
  SessionStore& operator=(SessionStore const&) = delete;

  /// A session held in use by one request; released (and its idle clock restarted) when the
  /// lease ends. Movable, so a request running on a worker can take it along.
  class Lease {
   public:
    Lease() = default;
    Lease(SessionStore* store, std::shared_ptr<HttpSession> session);
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();
    explicit operator bool() const { return session_ != nullptr; }
    HttpSession& operator*() const { return *session_; }
    HttpSession* operator->() const { return session_.get(); }
    std::shared_ptr<HttpSession> const& shared() const { return session_; }

   private:
    SessionStore* store_ = nullptr;
    std::shared_ptr<HttpSession> session_;
  };

  /// A new session with a random id. At the cap, the least recently used idle session makes
  /// room; empty when every session is in use.
  Lease Create();
  /// The session with this id, unless it is unknown or has expired (here and, when shared,
  /// there), or was ended on another replica.
  Lease Acquire(std::string const& id);
  /// Ends a session (DELETE): its running requests are cancelled and its stream closed; when
  /// shared, on every replica.
  bool End(std::string const& id);

  enum class Attach { kAttached, kConflict };
  /// The session's standalone GET stream: one at a time.
  Attach AttachStream(HttpSession& session, std::shared_ptr<Exchange> stream);
  void DetachStream(HttpSession& session, Exchange const* stream);
  /// Ends every standalone stream (the server is stopping); sessions stay.
  void EndStreams();

  /// Ends the sessions idle for longer than the timeout; returns how many.
  std::size_t Sweep();
  /// Live sessions (expired ones are swept first).
  std::size_t size();
  /// How often a janitor should Sweep.
  std::chrono::milliseconds sweep_period() const;

 private:
  using Map = std::map<std::string, std::shared_ptr<HttpSession>>;
  /// Sessions taken out of the map under the lock, with their streams, to be ended after it.
  using Ended = std::vector<std::pair<std::shared_ptr<HttpSession>, std::shared_ptr<Exchange>>>;

  void Release(HttpSession& session);
  /// Writes the session's facts to shared state when they changed or are due for a refresh.
  void Publish(HttpSession& session);
  /// Evicts least recently used idle sessions until one more fits; false when none can go.
  bool MakeRoomLocked(Ended& ended);
  void TakeOut(Map::iterator it, Ended& ended);
  void CollectExpired(Ended& ended);
  /// Cancels the sessions' running requests and ends their streams (outside the lock).
  static void EndSessions(Ended& ended);

  std::shared_ptr<halo::Clock const> clock_;
  std::chrono::milliseconds idle_timeout_;
  std::size_t max_sessions_;
  std::shared_ptr<SharedSessions> shared_;
  std::mutex mu_;
  Map sessions_;
};

}  // namespace mcp
