#include "server/mcp_server.h"

#include "server/argument_coercion.h"
#include "server/dynamic_toolsets.h"
#include "server/json_schema.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <utility>

namespace mcp {

using nlohmann::json;

namespace {

ErrorObject Err(int code, std::string message, json data = nullptr) {
  return ErrorObject{code, std::move(message), std::move(data)};
}

}  // namespace

CallScope::CallScope(json progress_token, int log_rank, bool modern, Sender send,
                     std::shared_ptr<halo::CancelToken> cancel,
                     std::shared_ptr<Principal const> principal)
    : progress_token_(std::move(progress_token)),
      log_rank_(log_rank),
      modern_(modern),
      send_(std::move(send)),
      cancel_(cancel ? std::move(cancel) : std::make_shared<halo::CancelToken>()),
      principal_(principal ? std::move(principal) : std::make_shared<Principal const>()) {}

void CallScope::Progress(double done, double total, std::string const& message) {
  if (progress_token_.is_null() || !send_) return;
  {
    std::lock_guard lock(mu_);
    if (done <= last_progress_) return;
    last_progress_ = done;
  }
  json params{{"progressToken", progress_token_}, {"progress", done}};
  if (total > 0) params["total"] = total;
  if (!message.empty()) params["message"] = message;
  send_(MakeNotification("notifications/progress", std::move(params)));
}

void CallScope::Log(std::string_view level, std::string const& text) {
  int rank = LogLevelRank(level);
  if (log_rank_ < 0 || rank < log_rank_ || !send_) return;
  send_(MakeNotification("notifications/message",
                         json{{"level", level}, {"logger", "halo-mcp"}, {"data", text}}));
}

void CallScope::set_request(json params, json client_capabilities) {
  request_params_ = params.is_object() ? std::move(params) : json::object();
  client_capabilities_ =
      client_capabilities.is_object() ? std::move(client_capabilities) : json::object();
}

json CallScope::RequestClient(std::string const& method, json params) {
  if (!requester_ || cancelled()) return nullptr;
  return requester_(method, std::move(params));
}

halo::CallContext CallScope::halo_context() {
  halo::CallContext ctx;
  ctx.cancel = cancel_;
  ctx.progress = [this](double done, double total, std::string const& message) {
    Progress(done, total, message);
  };
  return ctx;
}

void CallScope::Note(std::string note) {
  std::lock_guard lock(mu_);
  notes_.push_back(std::move(note));
}

std::vector<std::string> CallScope::TakeNotes() {
  std::lock_guard lock(mu_);
  return std::exchange(notes_, {});
}

json ToolErrorResult(std::string const& text) {
  return json{{"content", json::array({json{{"type", "text"}, {"text", text}}})},
              {"isError", true}};
}

json ToolTextResult(std::string const& text, json structured) {
  json r{{"content", json::array({json{{"type", "text"}, {"text", text}}})}};
  if (!structured.is_null()) r["structuredContent"] = std::move(structured);
  return r;
}

McpServer::McpServer(ServerInfo info, std::shared_ptr<ToolRegistry const> registry,
                     std::shared_ptr<ToolCaller> caller,
                     std::shared_ptr<Principal const> default_principal)
    : info_(std::move(info)),
      registry_(std::move(registry)),
      caller_(std::move(caller)),
      default_principal_(default_principal ? std::move(default_principal)
                                           : std::make_shared<Principal const>()) {}

std::string McpServer::Instructions() const {
  std::string text = info_.instructions;
  if (info_.instructions_note) {
    std::string note = info_.instructions_note();
    if (!note.empty()) text += (text.empty() ? "" : " ") + note;
  }
  return text;
}

void McpServer::RegisterMethod(std::string method, MethodHandler handler) {
  methods_[std::move(method)] = std::move(handler);
}

void McpServer::SetCapabilities(json extra) {
  if (extra.is_object()) extra_capabilities_.merge_patch(extra);
}

std::shared_ptr<halo::CancelToken> McpServer::Track(Session& session, json const& id) {
  auto token = std::make_shared<halo::CancelToken>();
  std::lock_guard lock(session.mu);
  if (!session.in_flight.emplace(Serialize(id), token).second) return nullptr;
  return token;
}

void McpServer::Untrack(Session& session, json const& id,
                        std::shared_ptr<halo::CancelToken> const& token) {
  std::lock_guard lock(session.mu);
  if (auto it = session.in_flight.find(Serialize(id));
      it != session.in_flight.end() && it->second == token) {
    session.in_flight.erase(it);
  }
}

json McpServer::DuplicateIdError(json const& id) {
  return MakeError(
      id, Err(kInvalidRequest, "Invalid request: a request with id " + Serialize(id) +
                                   " is already in progress; use a new id for each request"));
}

json McpServer::Capabilities(bool modern) const {
  // Only a session's tool list changes (--dynamic-toolsets); a stateless era's never does.
  bool const list_changes = registry_->dynamic() && !modern;
  json caps{{"tools", {{"listChanged", list_changes}}}, {"logging", json::object()}};
  for (auto const& [key, value] : extra_capabilities_.items()) caps[key] = value;
  return caps;
}

Principal const& McpServer::PrincipalOf(RequestContext const& context) const {
  return context.principal ? *context.principal : *default_principal_;
}

json McpServer::Handle(Session& session, Message const& message, CallScope::Sender const& send,
                       std::shared_ptr<Principal const> principal) {
  RequestContext context;
  context.send = send;
  context.principal = std::move(principal);
  if (message.kind == Message::Kind::kRequest) {
    std::lock_guard lock(session.mu);
    if (auto it = session.in_flight.find(Serialize(message.id)); it != session.in_flight.end()) {
      context.cancel = it->second;
    }
  }
  return Handle(session, message, context);
}

json McpServer::Handle(Session& session, Message const& message, RequestContext const& context) {
  if (message.kind == Message::Kind::kResponse) {
    // The answer to one of our requests (RequestClient); unknown ids are ignored.
    std::shared_ptr<Session::Awaiting> waiter;
    {
      std::lock_guard lock(session.mu);
      if (auto it = session.awaiting.find(Serialize(message.id)); it != session.awaiting.end()) {
        waiter = it->second;
      }
    }
    if (waiter) {
      std::lock_guard lock(waiter->mu);
      waiter->answered = true;
      waiter->outcome = message.params;
      waiter->cv.notify_all();
    }
    return nullptr;
  }
  json const no_params = json::object();
  json const& params = message.params.is_null() ? no_params : message.params;

  if (message.kind == Message::Kind::kNotification) {
    if (message.method == "notifications/initialized") {
      std::lock_guard lock(session.mu);
      session.ready = true;
    } else if (message.method == "notifications/cancelled" && params.is_object()) {
      auto id = params.find("requestId");
      if (id != params.end()) {
        std::lock_guard lock(session.mu);
        if (auto it = session.in_flight.find(Serialize(*id)); it != session.in_flight.end()) {
          spdlog::debug("request {} cancelled by the client", Serialize(*id));
          it->second->Cancel();
        }
      }
    }
    return nullptr;  // unknown notifications are ignored, as JSON-RPC requires
  }

  if (!params.is_object()) {
    return MakeError(message.id,
                     Err(kInvalidParams, "Invalid params: \"params\" must be an object"));
  }
  json const meta = params.value("_meta", json());
  bool const modern = IsModernMeta(meta);
  std::optional<ErrorObject> error;
  json result;
  try {
    result = Dispatch(session, message, modern, meta, context, error);
  } catch (ProtocolError const& e) {
    error = e.error();
  } catch (std::exception const& e) {
    spdlog::error("{} failed: {}", message.method, e.what());
    error = Err(kInternalError, "Internal error while handling " + message.method);
  } catch (...) {
    error = Err(kInternalError, "Internal error while handling " + message.method);
  }
  if (error) return MakeError(message.id, *error);
  if (result.is_null()) return nullptr;  // cancelled: no response is due
  if (modern) {
    if (!result.contains("resultType")) result["resultType"] = "complete";
    result["_meta"][kMetaServerInfo] = {{"name", info_.name}, {"version", info_.version}};
  }
  return MakeResult(message.id, std::move(result));
}

json McpServer::Dispatch(Session& session, Message const& message, bool modern, json const& meta,
                         RequestContext const& context, std::optional<ErrorObject>& error) {
  std::string const& method = message.method;
  json const no_params = json::object();
  json const& params = message.params.is_null() ? no_params : message.params;

  if (modern) {
    if (auto problem = CheckModernMeta(meta)) {
      error = std::move(problem);
      return nullptr;
    }
    auto const& modern_versions = ModernVersions();
    if (method == "server/discover") {
      json r{{"supportedVersions", modern_versions},
             {"capabilities", Capabilities(true)},
             {"serverInfo",
              {{"name", info_.name}, {"title", info_.title}, {"version", info_.version}}},
             {"ttlMs", 300000},
             {"cacheScope", "private"}};
      if (auto text = Instructions(); !text.empty()) r["instructions"] = std::move(text);
      return r;
    }
    if (method == "initialize" || method == "ping" || method == "logging/setLevel") {
      error = Err(kMethodNotFound, "Method not found: " + method + " does not exist in 2026-07-28");
      return nullptr;
    }
  } else {
    if (method == "initialize") return Initialize(session, params, error);
    if (method == "ping") return json::object();
    if (method == "server/discover") {
      error =
          Err(kInvalidParams, std::string("Invalid params: server/discover needs _meta with \"") +
                                  kMetaVersion + "\" and \"" + kMetaCapabilities + "\"");
      return nullptr;
    }
    bool initialized;
    {
      std::lock_guard lock(session.mu);
      initialized = session.initialized;
    }
    if (!initialized) {
      error = Err(kInvalidRequest,
                  "Invalid request: " + method +
                      " before initialize; send initialize first, or use the 2026-07-28 "
                      "per-request _meta");
      return nullptr;
    }
    if (method == "logging/setLevel") {
      auto level = params.find("level");
      int rank = level != params.end() && level->is_string()
                     ? LogLevelRank(level->get<std::string>())
                     : -1;
      if (rank < 0) {
        error = Err(kInvalidParams,
                    "Invalid params: \"level\" must be one of debug, info, notice, warning, "
                    "error, critical, alert, emergency");
        return nullptr;
      }
      std::lock_guard lock(session.mu);
      session.log_rank = rank;
      return json::object();
    }
  }

  if (method == "tools/list") {
    std::string cursor;
    if (auto c = params.find("cursor"); c != params.end() && !c->is_null()) {
      if (!c->is_string()) {
        error = Err(kInvalidParams, "Invalid params: \"cursor\" must be a string");
        return nullptr;
      }
      cursor = c->get<std::string>();
    }
    auto page = ListTools(session, cursor, modern, PrincipalOf(context).policy);
    if (!page) {
      error = Err(kInvalidParams, "Invalid params: unknown cursor; start again without one");
      return nullptr;
    }
    if (!info_.structured_content) {
      for (auto& t : (*page)["tools"]) t.erase("outputSchema");
    }
    if (modern) {
      (*page)["ttlMs"] = 300000;
      (*page)["cacheScope"] = "private";
    }
    return *std::move(page);
  }
  if (method == "tools/call") return CallTool(session, message, modern, meta, context, error);
  if (auto handler = methods_.find(method); handler != methods_.end()) {
    json result = RunScoped(session, message, modern, meta, context, error, [&](CallScope& scope) {
      return handler->second(params, scope, error);
    });
    if (!error && result.is_null() && !result.is_discarded()) result = json::object();
    return result.is_discarded() ? json() : result;
  }

  error = Err(kMethodNotFound, "Method not found: " + method);
  return nullptr;
}

json McpServer::Initialize(Session& session, json const& params,
                           std::optional<ErrorObject>& error) {
  auto requested = params.find("protocolVersion");
  if (requested == params.end() || !requested->is_string()) {
    error = Err(kInvalidParams, "Invalid params: initialize needs \"protocolVersion\" (a string)");
    return nullptr;
  }
  auto const& versions = LegacyVersions();
  std::string version = versions.front();  // unknown versions get the latest we support
  if (std::find(versions.begin(), versions.end(), *requested) != versions.end()) {
    version = requested->get<std::string>();
  }
  {
    std::lock_guard lock(session.mu);
    if (session.initialized) {
      error = Err(kInvalidRequest, "Invalid request: the session is already initialized");
      return nullptr;
    }
    session.initialized = true;
    session.protocol_version = version;
    if (auto caps = params.find("capabilities"); caps != params.end() && caps->is_object()) {
      session.client_capabilities = *caps;
    }
    if (auto ci = params.find("clientInfo"); ci != params.end() && ci->is_object()) {
      session.client_info = *ci;
    }
  }
  std::string client = "unknown client";
  if (auto ci = params.find("clientInfo"); ci != params.end() && ci->is_object()) {
    client = ci->value("name", client) + " " + ci->value("version", "");
  }
  spdlog::info("initialize from {} (protocol {})", client, version);
  json r{
      {"protocolVersion", version},
      {"capabilities", Capabilities(false)},
      {"serverInfo", {{"name", info_.name}, {"title", info_.title}, {"version", info_.version}}}};
  if (auto text = Instructions(); !text.empty()) r["instructions"] = std::move(text);
  return r;
}

json McpServer::CallTool(Session& session, Message const& message, bool modern, json const& meta,
                         RequestContext const& context, std::optional<ErrorObject>& error) {
  json const& params = message.params;
  auto name = params.find("name");
  if (name == params.end() || !name->is_string()) {
    error = Err(kInvalidParams, "Invalid params: tools/call needs \"name\" (a string)");
    return nullptr;
  }
  json arguments = json::object();
  if (auto a = params.find("arguments"); a != params.end() && !a->is_null()) {
    if (!a->is_object()) {
      error = Err(kInvalidParams, "Invalid params: \"arguments\" must be an object");
      return nullptr;
    }
    arguments = *a;
  }
  std::string const tool_name = name->get<std::string>();
  ToolSpec const* tool = registry_->Find(tool_name);
  if (tool == nullptr) {
    if (ToolSpec const* later = registry_->FindOnDemand(tool_name)) {
      bool enabled = false;
      if (!modern) {
        std::lock_guard lock(session.mu);
        enabled = session.enabled_toolsets.count(later->toolset) > 0;
      }
      if (!enabled) return ToolErrorResult(NotEnabledText(*later, modern));
      tool = later;
    }
  }
  if (tool == nullptr) {
    if (ToolSpec const* hidden = registry_->FindHidden(tool_name)) {
      return ToolErrorResult("Tool " + tool_name + " is disabled on this server: " +
                             hidden->hidden_because + ". Nothing was done.");
    }
    error = Err(kInvalidParams, "Unknown tool: " + tool_name + "; call tools/list for the tools");
    return nullptr;
  }
  ToolPolicy const& policy = PrincipalOf(context).policy;
  if (!policy.Allows(*tool)) {
    return ToolErrorResult("Tool " + tool_name + " is not allowed for your token (" +
                           policy.Describe() + "). Nothing was done.");
  }
  auto problems = CoerceArguments(tool->input_schema, arguments);
  if (problems.empty()) problems = ValidateJson(tool->input_schema, arguments);
  if (!problems.empty()) {
    std::string text = "Invalid arguments for " + tool_name + ", nothing was sent to HaloPSA:";
    for (auto const& p : problems) text += "\n- " + DescribeArgumentError(p);
    return ToolErrorResult(text);
  }
  if (tool->meta) return EnableToolset(session, arguments, modern, context, policy);
  json result = RunScoped(session, message, modern, meta, context, error, [&](CallScope& scope) {
    try {
      return caller_->Call(*tool, arguments, scope);
    } catch (ProtocolError const&) {
      throw;
    } catch (std::exception const& e) {
      spdlog::error("tool {} threw: {}", tool_name, e.what());
    } catch (...) {
      spdlog::error("tool {} threw a non-standard exception", tool_name);
    }
    return ToolErrorResult("Internal error in " + tool_name + "; the server keeps running.");
  });
  if (result.is_discarded()) return json();
  if (!info_.structured_content && result.is_object()) result.erase("structuredContent");
  return result;
}

std::optional<json> McpServer::ListTools(Session& session, std::string const& cursor, bool modern,
                                         ToolPolicy const& policy) const {
  if (!registry_->dynamic()) {
    return policy.Narrows()
               ? registry_->ListPage(cursor, info_.tools_page_size,
                                     [&policy](ToolSpec const& t) { return policy.Allows(t); })
               : registry_->ListPage(cursor, info_.tools_page_size);
  }
  std::set<std::string> enabled;
  if (!modern) {
    std::lock_guard lock(session.mu);
    enabled = session.enabled_toolsets;
  }
  // The meta tool is offered only where it can add something: never to stateless requests.
  bool const can_enable = !modern && !OfferedToolsets(*registry_, policy, enabled).empty();
  return registry_->ListPage(
      cursor, info_.tools_page_size,
      [&](ToolSpec const& t) { return policy.Allows(t) && (!t.meta || can_enable); }, enabled);
}

json McpServer::EnableToolset(Session& session, json const& arguments, bool modern,
                              RequestContext const& context, ToolPolicy const& policy) {
  if (modern) return ToolErrorResult(StatelessRefusalText());
  EnableOutcome outcome;
  {
    std::lock_guard lock(session.mu);
    outcome = mcp::EnableToolset(*registry_, policy, session.enabled_toolsets, arguments);
  }
  // Sent on this request's own channel, before its result, so that the client refreshes its
  // list before the model reads the answer.
  if (outcome.changed && context.send) {
    context.send(MakeNotification("notifications/tools/list_changed", nullptr));
  }
  return std::move(outcome.result);
}

json McpServer::RunScoped(Session& session, Message const& message, bool modern, json const& meta,
                          RequestContext const& context, std::optional<ErrorObject>& error,
                          std::function<json(CallScope&)> const& body) {
  auto scope = MakeScope(session, message, modern, meta, context);
  if (!scope) {
    error = Err(kInvalidRequest, "Invalid request: a request with id " + Serialize(message.id) +
                                     " is already in progress; use a new id for each request");
    return nullptr;
  }
  // Forget the request however the body ends, but only our own registration.
  struct Forget {
    Session& session;
    json const& id;
    std::shared_ptr<halo::CancelToken> token;
    ~Forget() { Untrack(session, id, token); }
  } forget{session, message.id, scope->cancel_token()};
  json result;
  if (!scope->cancelled()) result = body(*scope);
  // Cancelled: no response is due. Discarded marks that for the callers above.
  if (scope->cancelled()) return json(json::value_t::discarded);
  return result;
}

std::unique_ptr<CallScope> McpServer::MakeScope(Session& session, Message const& message,
                                                bool modern, json const& meta,
                                                RequestContext const& context) {
  std::shared_ptr<halo::CancelToken> token = context.cancel;
  int log_rank;
  json client_capabilities;
  {
    std::lock_guard lock(session.mu);
    if (!token) {
      token = std::make_shared<halo::CancelToken>();
      if (!session.in_flight.emplace(Serialize(message.id), token).second) return nullptr;
    }
    log_rank = session.log_rank;
    client_capabilities = session.client_capabilities;
  }
  if (modern) {
    auto level = meta.find(kMetaLogLevel);
    log_rank = level != meta.end() ? LogLevelRank(level->get<std::string>()) : -1;
    client_capabilities = meta.value(kMetaCapabilities, json::object());
  }
  json progress_token = meta.is_object() ? meta.value("progressToken", json()) : json();
  auto scope =
      std::make_unique<CallScope>(progress_token, log_rank, modern, context.send, token,
                                  context.principal ? context.principal : default_principal_);
  scope->set_request(message.params, std::move(client_capabilities));
  if (!modern && context.send) {
    scope->set_requester(
        [this, &session, send = context.send, token](std::string const& method, json params) {
          return RequestClient(session, send, token, method, std::move(params));
        });
  }
  return scope;
}

json McpServer::RequestClient(Session& session, CallScope::Sender const& send,
                              std::shared_ptr<halo::CancelToken> const& cancel,
                              std::string const& method, json params) {
  auto waiter = std::make_shared<Session::Awaiting>();
  std::string id;
  {
    std::lock_guard lock(session.mu);
    id = "halo-mcp-" + std::to_string(++session.next_request_id);
    session.awaiting[Serialize(json(id))] = waiter;
  }
  send(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
  json outcome;
  {
    std::unique_lock lock(waiter->mu);
    auto const deadline = std::chrono::steady_clock::now() + client_request_timeout_;
    while (!waiter->answered && !cancel->cancelled() &&
           std::chrono::steady_clock::now() < deadline) {
      waiter->cv.wait_for(lock, std::chrono::milliseconds(100));
    }
    if (waiter->answered) outcome = waiter->outcome;
  }
  std::lock_guard lock(session.mu);
  session.awaiting.erase(Serialize(json(id)));
  return outcome;
}

}  // namespace mcp
