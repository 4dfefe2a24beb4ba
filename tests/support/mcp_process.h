#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace halo_test {

/**
 * A halo-mcp (or any stdio MCP server) child process driven over pipes, for end-to-end tests.
 * Every line the server writes to stdout must be a JSON-RPC message: anything else is recorded
 * in `stdout_garbage` so tests can assert stdout purity. stderr goes to a temporary file.
 */
class McpProcess {
 public:
  /// argv[0] is the executable. `env` entries are added to (or override) the environment;
  /// an empty value removes the variable.
  static std::unique_ptr<McpProcess> Start(std::vector<std::string> const& argv,
                                           std::map<std::string, std::string> const& env = {});
  ~McpProcess();

  void SendLine(std::string const& line);  // a raw line (a newline is appended)
  void Send(nlohmann::json const& message);
  /// The next message from stdout, or nullopt on timeout or end of output.
  std::optional<nlohmann::json> Read(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  /// Sends a request with a fresh integer id and waits for the response with that id;
  /// notifications seen meanwhile are appended to `notifications`.
  nlohmann::json Request(std::string const& method,
                         nlohmann::json params = nlohmann::json::object(),
                         std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// Waits for the response to a given id.
  nlohmann::json AwaitResponse(nlohmann::json const& id,
                               std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// initialize + notifications/initialized.
  nlohmann::json Initialize(std::string const& version = "2025-11-25");
  /// tools/call; returns the result object (or the error response when there is one).
  nlohmann::json Call(std::string const& tool, nlohmann::json arguments = nlohmann::json::object());

  void CloseStdin();
  /// Waits for exit; returns the exit status (128+signal when killed), or nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void Signal(int sig);
  std::string Stderr() const;
  pid_t pid() const { return pid_; }

  std::vector<nlohmann::json> notifications;
  std::vector<std::string> stdout_garbage;

 private:
  McpProcess() = default;
  pid_t pid_ = -1;
  int in_fd_ = -1;   // our end of the child's stdin
  int out_fd_ = -1;  // our end of the child's stdout
  std::string stderr_path_;
  std::string pending_;
  std::vector<nlohmann::json> backlog_;  // responses read while waiting for another id
  std::int64_t next_id_ = 1000;
  std::optional<int> exit_status_;
};

}  // namespace halo_test
