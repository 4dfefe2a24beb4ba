#pragma once

// Processes for the fleet tests: the simulator, halo-mcp replicas, and a small MCP-over-HTTP
// client with a bearer token (redis-server: tests/support/redis_server.h).

#include "tests/support/mcp_process.h"
#include "tests/support/redis_server.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace fleet_test {

/// halo-sim with the admin endpoints, and its request log.
class Sim {
 public:
  explicit Sim(std::vector<std::string> extra_args);
  nlohmann::json const& credentials() const { return credentials_; }
  std::map<std::string, std::string> Env() const;  // HALOPSA_* for halo-mcp
  /// The request log so far (method, path, body, status), oldest first.
  nlohmann::json Requests();
  /// A token of the simulator's own, for reading reference data in setup.
  std::string AdminToken();
  httplib::Client Client() const;

 private:
  std::unique_ptr<halo_test::McpProcess> process_;
  nlohmann::json credentials_;
  std::string host_;
  int port_ = 0;
};

/// One halo-mcp --http replica.
struct Replica {
  std::unique_ptr<halo_test::McpProcess> process;
  int port = 0;
  std::string audit_path;
};

Replica StartReplica(std::vector<std::string> args, std::map<std::string, std::string> env,
                     std::string const& tag);

/// MCP over HTTP (the 2026-07-28 stateless shape) as one technician.
struct Caller {
  int port;
  std::string token;
  /// The JSON-RPC response, or {"transport": "..."} when none came.
  nlohmann::json Request(std::string const& method, nlohmann::json params, int id) const;
  /// tools/call's result, or the error/transport object when there is none.
  nlohmann::json Call(std::string const& tool, nlohmann::json arguments, int id) const;
  /// The names tools/list returns.
  std::vector<std::string> ToolNames() const;
  /// GET /metrics as text ("" when refused).
  std::string Metrics() const;
};

/// MCP over HTTP in the legacy session shape (2025-06-18): initialize, then Mcp-Session-Id.
struct SessionCaller {
  int port;
  std::string token;
  std::string session;  // set by Initialize()
  /// The JSON-RPC response ({} for 202), with "http_status" when it is not 200, or
  /// {"transport": "..."} when none came.
  nlohmann::json Post(nlohmann::json const& message, std::string* session_id = nullptr) const;
  /// initialize and notifications/initialized; true when a session was opened.
  bool Initialize();
  /// tools/call's result, or the whole response when there is none.
  nlohmann::json Call(std::string const& tool, nlohmann::json arguments, int id) const;
  /// DELETE /mcp: the HTTP status.
  int End() const;
};

/// The text of a tool result.
std::string TextOf(nlohmann::json const& result);

/// Runs `halo-mcp --http-token-file FILE token add ...` and returns the token it prints.
std::string AddToken(std::string const& file, std::vector<std::string> const& args);

}  // namespace fleet_test
