#pragma once

#include "halo/clock.h"
#include "server/json_rpc.h"
#include "server/protocol_era.h"
#include "server/tool_policy.h"
#include "server/tool_registry.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace mcp {

/// Who a request acts for. The server's default comes from its settings (stdio: one technician,
/// --agent); the HTTP transport attaches one per client token. Immutable once built, so requests
/// share it.
struct Principal {
  std::string name = "local";  ///< who is calling, for logs and the audit trail
  /// The HaloPSA agent the request acts as, as configured (name, email or id); empty = none,
  /// and then "me" is refused with advice on how to set one.
  std::string agent;
  /// What this principal may use, within what the server exposes (a client token's policy).
  ToolPolicy policy;
};

/// What one tool call (or extension method) can see of the request it serves: cancellation,
/// progress, log messages, the request itself and, in the legacy era, requests to the client.
class CallScope {
 public:
  using Sender = std::function<void(nlohmann::json const& notification)>;
  /// Sends a request to the client and waits for its answer. Returns the response's outcome,
  /// {"result": ...} or {"error": {...}}, or null json when no answer can come (no channel,
  /// cancelled, timed out).
  using Requester = std::function<nlohmann::json(std::string const& method, nlohmann::json params)>;
  CallScope(nlohmann::json progress_token, int log_rank, bool modern, Sender send,
            std::shared_ptr<halo::CancelToken> cancel,
            std::shared_ptr<Principal const> principal = nullptr);

  bool cancelled() const { return cancel_->cancelled(); }
  bool modern() const { return modern_; }
  std::shared_ptr<halo::CancelToken> const& cancel_token() const { return cancel_; }
  /// Who the request acts for (never null).
  Principal const& principal() const { return *principal_; }
  /// Progress notification when the request asked for it. Non-increasing values are dropped, as
  /// the spec requires progress to increase.
  void Progress(double done, double total, std::string const& message);
  /// notifications/message when the client asked for this level (legacy setLevel or modern _meta).
  void Log(std::string_view level, std::string const& text);
  /// The context handed to the HaloPSA client: our cancel token and progress sink.
  halo::CallContext halo_context();
  /// A short remark for the model about how its request was read (e.g. which record a partial
  /// name matched); tool executors put them in front of the result text.
  void Note(std::string note);
  std::vector<std::string> TakeNotes();

  /// Server-to-client request (sampling/createMessage, elicitation/create, roots/list) in the
  /// legacy era. Modern requests cannot do this: return an input_required result instead (MRTR).
  nlohmann::json RequestClient(std::string const& method, nlohmann::json params);
  bool can_request_client() const { return static_cast<bool>(requester_); }
  /// The request's params as sent (arguments, inputResponses, requestState, _meta, ...).
  nlohmann::json const& request_params() const { return request_params_; }
  /// What the client declared: at initialize (legacy) or in this request's _meta (modern).
  nlohmann::json const& client_capabilities() const { return client_capabilities_; }
  void set_request(nlohmann::json params, nlohmann::json client_capabilities);
  void set_requester(Requester requester) { requester_ = std::move(requester); }

 private:
  nlohmann::json progress_token_;
  int log_rank_;
  bool modern_;
  Sender send_;
  std::shared_ptr<halo::CancelToken> cancel_;
  std::shared_ptr<Principal const> principal_;
  Requester requester_;
  nlohmann::json request_params_ = nlohmann::json::object();
  nlohmann::json client_capabilities_ = nlohmann::json::object();
  std::mutex mu_;
  double last_progress_ = -1;
  std::vector<std::string> notes_;
};

/// Thrown by a tool (or an extension method) to answer with a JSON-RPC error instead of a
/// result, e.g. -32021 when a modern request lacks a client capability the tool needs.
class ProtocolError : public std::runtime_error {
 public:
  explicit ProtocolError(ErrorObject error)
      : std::runtime_error(error.message), error_(std::move(error)) {}
  ErrorObject const& error() const { return error_; }

 private:
  ErrorObject error_;
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
  /// Appended to the instructions each time they are sent (e.g. today's date in the tenant's
  /// time zone, which a long-running server cannot fix at start-up).
  std::function<std::string()> instructions_note;
  /// Off for hosts that show the model both the text and structuredContent of a result: then
  /// results carry only text, and tools declare no outputSchema (which would require it).
  bool structured_content = true;
};

/// What a transport hands over with each request besides the message itself.
struct RequestContext {
  /// Notifications and server-to-client requests for this request; may be null.
  CallScope::Sender send;
  /// From McpServer::Track when the request was registered before it was queued; null = the
  /// server registers it itself.
  std::shared_ptr<halo::CancelToken> cancel;
  /// Who the request acts for; null = the server's default.
  std::shared_ptr<Principal const> principal;
};

/// Legacy-era state: one per stdio process or per HTTP session.
struct Session {
  std::mutex mu;
  bool initialized = false;      // initialize answered
  bool ready = false;            // notifications/initialized received
  std::string protocol_version;  // negotiated (legacy)
  int log_rank = -1;             // logging/setLevel; -1 = no notifications/message
  nlohmann::json client_capabilities = nlohmann::json::object();  // from initialize
  nlohmann::json client_info = nlohmann::json::object();          // from initialize
  /// Requests being served, by serialised id: notifications/cancelled finds them here. Ids are
  /// unique among in-flight requests (a duplicate is refused), so no two share a token.
  std::map<std::string, std::shared_ptr<halo::CancelToken>> in_flight;
  /// Our requests to the client awaiting a response, by serialised id.
  struct Awaiting {
    std::mutex mu;
    std::condition_variable cv;
    bool answered = false;
    nlohmann::json outcome;
  };
  std::map<std::string, std::shared_ptr<Awaiting>> awaiting;
  std::int64_t next_request_id = 0;
  /// Who opened the session (over HTTP: the principal's name and a digest of its token, see
  /// AccessPolicy::SessionOwner): another token may not continue it.
  std::string owner;
  /// --dynamic-toolsets: the toolsets halopsa_enable_toolset turned on in this session (stdio:
  /// the process). Modern requests never read or change it: they hold no state.
  std::set<std::string> enabled_toolsets;
};

/**
 * The MCP method layer shared by every transport: lifecycle for both protocol eras, tools/list
 * and tools/call. Thread-safe: HandleRequest may run on many threads at once.
 */
class McpServer {
 public:
  McpServer(ServerInfo info, std::shared_ptr<ToolRegistry const> registry,
            std::shared_ptr<ToolCaller> caller,
            std::shared_ptr<Principal const> default_principal = nullptr);

  /// A decoded request or notification. Returns the response, or null json when none is due
  /// (notifications, and requests cancelled before they finished). Never throws.
  nlohmann::json Handle(Session& session, Message const& message, RequestContext const& context);
  /// The same with only a sender (and who it acts for; null = the default); a token registered
  /// by Track() for the id is used.
  nlohmann::json Handle(Session& session, Message const& message, CallScope::Sender const& send,
                        std::shared_ptr<Principal const> principal = nullptr);

  /// Whether a message may take long (worth running off the reading thread): resource reads,
  /// lists and completions may wait on HaloPSA as tool calls do.
  static bool IsSlow(Message const& message) {
    return message.method == "tools/call" || message.method == "resources/read" ||
           message.method == "resources/list" || message.method == "completion/complete";
  }

  /// A method beyond the built-in lifecycle and tools (resources/*, prompts/*,
  /// completion/complete, ...). The handler returns the result object, or sets `error`. It runs in
  /// both eras after the era checks; modern results get resultType "complete" (unless the handler
  /// set one) and serverInfo. Register before serving: registration is not thread-safe.
  using MethodHandler = std::function<nlohmann::json(nlohmann::json const& params, CallScope& scope,
                                                     std::optional<ErrorObject>& error)>;
  void RegisterMethod(std::string method, MethodHandler handler);
  /// Merged into the advertised capabilities (initialize and server/discover), e.g.
  /// {"resources": {"subscribe": true}, "prompts": {}, "completions": {}}. Before serving.
  void SetCapabilities(nlohmann::json extra);
  /// How long a server-to-client request waits for the client's answer.
  void set_client_request_timeout(std::chrono::milliseconds t) { client_request_timeout_ = t; }

  /// Registers a request so notifications/cancelled can find it; call before queuing a request
  /// that will run asynchronously, and pass the token in RequestContext::cancel. Returns null
  /// when a request with the same id is already in flight in the session: answer
  /// DuplicateIdError() instead of running it. The caller forgets it with Untrack() once Handle()
  /// has returned, whatever the answer: a call refused before it runs is not forgotten by Handle.
  std::shared_ptr<halo::CancelToken> Track(Session& session, nlohmann::json const& id);
  /// Forgets a request registered by Track() (after Handle(), or when it will not run), unless
  /// another request with the same id has taken its place.
  static void Untrack(Session& session, nlohmann::json const& id,
                      std::shared_ptr<halo::CancelToken> const& token);
  static nlohmann::json DuplicateIdError(nlohmann::json const& id);

  ServerInfo const& info() const { return info_; }
  /// The instructions as sent now (with the note, when there is one).
  std::string Instructions() const;
  ToolRegistry const& registry() const { return *registry_; }

 private:
  nlohmann::json Dispatch(Session& session, Message const& message, bool modern,
                          nlohmann::json const& meta, RequestContext const& context,
                          std::optional<ErrorObject>& error);
  Principal const& PrincipalOf(RequestContext const& context) const;
  nlohmann::json Initialize(Session& session, nlohmann::json const& params,
                            std::optional<ErrorObject>& error);
  nlohmann::json Capabilities(bool modern) const;
  /// One page of tools/list for this caller: the start set within its policy, plus what its
  /// session enabled (legacy era, --dynamic-toolsets).
  std::optional<nlohmann::json> ListTools(Session& session, std::string const& cursor, bool modern,
                                          ToolPolicy const& policy) const;
  /// halopsa_enable_toolset: changes the session's tool list and says so (list_changed).
  nlohmann::json EnableToolset(Session& session, nlohmann::json const& arguments, bool modern,
                               RequestContext const& context, ToolPolicy const& policy);
  nlohmann::json CallTool(Session& session, Message const& message, bool modern,
                          nlohmann::json const& meta, RequestContext const& context,
                          std::optional<ErrorObject>& error);
  /// Builds the request's scope, registering it as in flight unless the transport did; null
  /// when its id is already in flight.
  std::unique_ptr<CallScope> MakeScope(Session& session, Message const& message, bool modern,
                                       nlohmann::json const& meta, RequestContext const& context);
  /// Runs a handler inside a scope (registered, then forgotten, whatever happens).
  nlohmann::json RunScoped(Session& session, Message const& message, bool modern,
                           nlohmann::json const& meta, RequestContext const& context,
                           std::optional<ErrorObject>& error,
                           std::function<nlohmann::json(CallScope&)> const& body);
  nlohmann::json RequestClient(Session& session, CallScope::Sender const& send,
                               std::shared_ptr<halo::CancelToken> const& cancel,
                               std::string const& method, nlohmann::json params);

  ServerInfo info_;
  std::shared_ptr<ToolRegistry const> registry_;
  std::shared_ptr<ToolCaller> caller_;
  std::shared_ptr<Principal const> default_principal_;
  std::map<std::string, MethodHandler> methods_;
  nlohmann::json extra_capabilities_ = nlohmann::json::object();
  std::chrono::milliseconds client_request_timeout_{60'000};
};

}  // namespace mcp
