#pragma once

#include "halo/clock.h"
#include "server/json_rpc.h"
#include "server/tool_registry.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mcp {

inline constexpr char kModernVersion[] = "2026-07-28";
std::vector<std::string> const& LegacyVersions();  // newest first
std::vector<std::string> const& ModernVersions();

/// RFC 5424 levels as MCP names them; returns -1 for an unknown name.
int LogLevelRank(std::string_view level);

/// What one tool call can see of the request it serves: cancellation, progress, log messages.
class CallScope {
 public:
  using Sender = std::function<void(nlohmann::json const& notification)>;
  CallScope(nlohmann::json progress_token, int log_rank, bool modern, Sender send,
            std::shared_ptr<halo::CancelToken> cancel);

  bool cancelled() const { return cancel_->cancelled(); }
  bool modern() const { return modern_; }
  /// Progress notification when the request asked for it. Non-increasing values are dropped, as
  /// the spec requires progress to increase.
  void Progress(double done, double total, std::string const& message);
  /// notifications/message when the client asked for this level (legacy setLevel or modern _meta).
  void Log(std::string_view level, std::string const& text);
  /// The context handed to the HaloPSA client: our cancel token and progress sink.
  halo::CallContext halo_context();

 private:
  nlohmann::json progress_token_;
  int log_rank_;
  bool modern_;
  Sender send_;
  std::shared_ptr<halo::CancelToken> cancel_;
  std::mutex mu_;
  double last_progress_ = -1;
};

/// Runs a tool. Returns an MCP CallToolResult ({content, structuredContent?, isError?}).
class ToolCaller {
 public:
  virtual ~ToolCaller() = default;
  virtual nlohmann::json Call(ToolSpec const& tool, nlohmann::json const& arguments,
                              CallScope& scope) = 0;
};

/// Builders for CallToolResult.
nlohmann::json ToolErrorResult(std::string const& text);
nlohmann::json ToolTextResult(std::string const& text, nlohmann::json structured = nullptr);

struct ServerInfo {
  std::string name = "halo-mcp";
  std::string title = "HaloPSA";
  std::string version;
  std::string instructions;
  std::size_t tools_page_size = 100;
};

/// Legacy-era state: one per stdio process or per HTTP session.
struct Session {
  std::mutex mu;
  bool initialized = false;      // initialize answered
  bool ready = false;            // notifications/initialized received
  std::string protocol_version;  // negotiated (legacy)
  int log_rank = -1;             // logging/setLevel; -1 = no notifications/message
  std::map<std::string, std::shared_ptr<halo::CancelToken>> in_flight;  // by serialised id
};

/**
 * The MCP method layer shared by every transport: lifecycle for both protocol eras, tools/list
 * and tools/call. Thread-safe: HandleRequest may run on many threads at once.
 */
class McpServer {
 public:
  McpServer(ServerInfo info, std::shared_ptr<ToolRegistry const> registry,
            std::shared_ptr<ToolCaller> caller);

  /// A decoded request or notification. Returns the response, or null json when none is due
  /// (notifications, and requests cancelled before they finished).
  nlohmann::json Handle(Session& session, Message const& message, CallScope::Sender const& send);

  /// Whether a message may take long (worth running off the reading thread).
  static bool IsSlow(Message const& message) { return message.method == "tools/call"; }

  /// Registers the request so notifications/cancelled can find it; call before Handle when the
  /// request will run asynchronously.
  std::shared_ptr<halo::CancelToken> Track(Session& session, nlohmann::json const& id);

  ServerInfo const& info() const { return info_; }
  ToolRegistry const& registry() const { return *registry_; }

 private:
  nlohmann::json Dispatch(Session& session, Message const& message, bool modern,
                          nlohmann::json const& meta, CallScope::Sender const& send,
                          std::optional<ErrorObject>& error);
  nlohmann::json Initialize(Session& session, nlohmann::json const& params,
                            std::optional<ErrorObject>& error);
  nlohmann::json Capabilities() const;
  nlohmann::json CallTool(Session& session, Message const& message, bool modern,
                          nlohmann::json const& meta, CallScope::Sender const& send,
                          std::optional<ErrorObject>& error);

  ServerInfo info_;
  std::shared_ptr<ToolRegistry const> registry_;
  std::shared_ptr<ToolCaller> caller_;
};

}  // namespace mcp
