#pragma once

// Legacy-era sessions shared through SharedState (--shared-state), so that a client may land
// on any replica. Only a session's durable facts travel: who owns it (a digest, never a token),
// the negotiated version, what the client declared, its log level. What lives in one process
// (open streams, calls in flight, server-to-client requests awaiting answers) stays there.
// An ended session leaves a tombstone for the idle timeout, so that a replica still holding a
// copy learns that it ended rather than publishing it again.

#include "halo/status.h"
#include "server/mcp_server.h"
#include "server/shared_state.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace mcp {

struct SessionFacts {
  std::string owner;
  std::string protocol_version;
  nlohmann::json client_capabilities = nlohmann::json::object();
  nlohmann::json client_info = nlohmann::json::object();
  int log_rank = -1;
  bool ready = false;

  /// The facts of an initialized session; nullopt before initialize has been answered.
  static std::optional<SessionFacts> Of(Session& session);
  /// Makes `session` an initialized session with these facts (calls in flight untouched).
  void ApplyTo(Session& session) const;
  std::string Serialize() const;
};

class SharedSessions {
 public:
  /// Keys are `prefix` + ":session:" + id; records live for `ttl` (the idle timeout) after
  /// their last refresh.
  SharedSessions(std::shared_ptr<SharedState> state, std::string prefix,
                 std::chrono::milliseconds ttl);

  struct Found {
    enum class Kind { kAbsent, kLive, kEnded } kind = Kind::kAbsent;
    SessionFacts facts;  // when live
    std::string record;  // the stored text, when live
    bool stale = false;  // live, but due for a refresh of its time to live
  };
  /// kUnavailable when the store cannot be reached.
  halo::StatusOr<Found> Find(std::string const& id);
  /// Writes (or refreshes) a live record; false when the session has ended (a tombstone).
  halo::StatusOr<bool> Save(std::string const& id, std::string const& record);
  /// Replaces the record with a tombstone.
  halo::Status End(std::string const& id);

 private:
  std::string Key(std::string const& id) const { return prefix_ + ":session:" + id; }

  std::shared_ptr<SharedState> state_;
  std::string prefix_;
  std::chrono::milliseconds ttl_;
};

}  // namespace mcp
