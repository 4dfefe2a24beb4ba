#include "server/http_endpoint.h"

#include "server/batch.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

namespace mcp {

using nlohmann::json;

namespace {

constexpr std::string_view kWellKnown = "/.well-known/oauth-protected-resource";

HttpReply JsonReply(int status, json const& body) {
  HttpReply r;
  r.status = status;
  r.content_type = "application/json";
  r.body = Serialize(body);
  return r;
}

HttpReply ErrorReply(int status, json const& id, int code, std::string message,
                     json data = nullptr) {
  return JsonReply(status, MakeError(id, ErrorObject{code, std::move(message), std::move(data)}));
}

HttpReply Accepted() {
  HttpReply r;
  r.status = 202;
  return r;
}

HttpReply Busy(json const& id, std::string message) {
  HttpReply r = ErrorReply(503, id, kInternalError, std::move(message));
  r.headers = {{"Retry-After", "1"}};
  return r;
}

HttpOutcome Reply(HttpReply reply, std::string label = "") {
  HttpOutcome out;
  out.reply = std::move(reply);
  out.label = std::move(label);
  return out;
}

bool IsLegacyVersion(std::string const& version) {
  auto const& legacy = LegacyVersions();
  return std::find(legacy.begin(), legacy.end(), version) != legacy.end();
}

/// Methods answered on the I/O thread: quick, and never waiting on anything. Notifications and
/// responses too, so that a cancellation or a client's answer gets through a full worker queue.
bool RunsInline(Message const& message) {
  if (message.kind != Message::Kind::kRequest) return true;
  static constexpr std::array<std::string_view, 5> kQuick = {"initialize", "ping", "tools/list",
                                                             "server/discover", "logging/setLevel"};
  return std::find(kQuick.begin(), kQuick.end(), message.method) != kQuick.end();
}

std::string Label(Message const& message) {
  std::string label = message.method.empty() ? "(response)" : message.method;
  if ((message.method == "tools/call" || message.method == "prompts/get") &&
      message.params.is_object()) {
    if (auto n = message.params.find("name"); n != message.params.end() && n->is_string()) {
      label += " " + n->get<std::string>();
    }
  }
  return label;
}

}  // namespace

void LogException(char const* where) {
  try {
    throw;
  } catch (std::exception const& e) {
    spdlog::error("http: {} failed: {}", where, e.what());
  } catch (...) {
    spdlog::error("http: {} failed", where);
  }
}

/// What a request served on a worker keeps alive until it is answered: its session (a lease on a
/// legacy one, or the stateless one of a modern request) and the memory its message holds.
struct HttpEndpoint::Held {
  std::shared_ptr<Principal const> principal;  // who the request acts for (null = default)
  SessionStore::Lease lease;
  std::shared_ptr<Session> stateless;
  MemoryBudget::Lease memory;
};

HttpEndpoint::HttpEndpoint(McpServer& server, HttpOptions const& options)
    : server_(server),
      options_(options),
      access_(AccessConfig{options.host, options.path, !options.tls_cert.empty(), options.tokens,
                           options.credentials, options.metrics_token, options.allowed_hosts,
                           options.allowed_origins, options.auth_server, options.public_url,
                           options.jwt}),
      sessions_(options.clock, options.session_idle_timeout, options.max_sessions,
                options.shared_sessions),
      pool_(std::max<std::size_t>(1, options.workers), options.max_queued) {}

HttpEndpoint::~HttpEndpoint() = default;

bool HttpEndpoint::MayBlock(HttpRequestHead const& head) const {
  std::string_view const path = head.path();
  // /metrics reads the shared rate budget; /healthz and the metadata wait on nothing.
  if (path == "/metrics") return options_.metrics && MayEverBlock();
  if (path != options_.path) return false;
  if (access_.MayWaitOnIssuer(head.headers.Find("authorization"))) return true;
  if (!options_.shared_sessions) return false;
  // A legacy session to look up, or one to create and publish (initialize). A request whose
  // headers say 2026-07-28 and name another method is stateless: Post refuses it if the body
  // says otherwise.
  std::string const version = head.headers.Get("mcp-protocol-version");
  auto const method = head.headers.Find("mcp-method");
  return head.headers.Find("mcp-session-id").has_value() || version.empty() ||
         IsLegacyVersion(version) || !method || DecodeHeaderValue(*method) == "initialize";
}

std::optional<HttpReply> HttpEndpoint::Admit(HttpRequestHead const& head) const {
  if (auto const& dup = head.headers.duplicate()) {
    return JsonErrorReply(400, kInvalidRequest, "Bad Request: the " + *dup + " header is repeated");
  }
  std::string_view const path = head.path();
  if (auto refusal = access_.Check(
          AccessRequest{path, head.headers.Find("host").value_or(""), head.headers.Find("origin"),
                        head.headers.Find("authorization"), head.remote})) {
    HttpReply r = JsonErrorReply(refusal->status, kInvalidRequest, refusal->message);
    if (!refusal->www_authenticate.empty()) {
      r.headers.emplace_back("WWW-Authenticate", refusal->www_authenticate);
    }
    return r;
  }
  auto not_allowed = [](std::string allow) {
    HttpReply r = JsonErrorReply(405, kInvalidRequest, "Method Not Allowed: use " + allow);
    r.headers.emplace_back("Allow", std::move(allow));
    return r;
  };
  bool const metadata = !options_.auth_server.empty() &&
                        (path == kWellKnown || path == std::string(kWellKnown) + options_.path);
  if (path == "/healthz" || metadata || (path == "/metrics" && options_.metrics)) {
    if (head.method != "GET") return not_allowed("GET");
    return std::nullopt;
  }
  if (path != options_.path) {
    return JsonErrorReply(404, kInvalidRequest, "Not Found: the MCP endpoint is " + options_.path);
  }
  if (head.method != "POST" && head.method != "GET" && head.method != "DELETE") {
    return not_allowed("GET, POST, DELETE");
  }
  if (stopping_) {
    HttpReply r =
        JsonErrorReply(503, kInternalError, "Service Unavailable: the server is stopping");
    r.headers.emplace_back("Retry-After", "5");
    return r;
  }
  if (head.method != "POST") return std::nullopt;
  std::string const accept = AsciiLower(head.headers.Get("accept"));
  if (accept.find("application/json") == std::string::npos ||
      accept.find("text/event-stream") == std::string::npos) {
    return JsonErrorReply(406, kInvalidRequest,
                          "Not Acceptable: Accept must list application/json and "
                          "text/event-stream");
  }
  if (AsciiLower(head.headers.Get("content-type")).find("application/json") == std::string::npos) {
    return JsonErrorReply(415, kInvalidRequest,
                          "Unsupported Media Type: Content-Type must be application/json");
  }
  if (head.content_length && *head.content_length > options_.max_message_bytes) {
    return JsonErrorReply(413, kInvalidRequest,
                          "Content Too Large: the body is " + std::to_string(*head.content_length) +
                              " bytes; this server accepts at most " +
                              std::to_string(options_.max_message_bytes));
  }
  return std::nullopt;
}

HttpOutcome HttpEndpoint::Serve(HttpRequestHead const& head, std::string body,
                                MemoryBudget::Lease memory) {
  std::string_view const path = head.path();
  if (path == "/healthz") return Reply(JsonReply(200, json{{"status", "ok"}}));
  if (path == "/metrics" && options_.metrics) {
    HttpReply r;
    r.status = 200;
    r.content_type = "text/plain; version=0.0.4";
    r.body = options_.metrics();
    return Reply(std::move(r));
  }
  if (path != options_.path) return Reply(ProtectedResourceMetadata(head));
  if (head.method == "POST") return Post(head, std::move(body), std::move(memory));
  if (head.method == "GET") return Get(head);
  return Delete(head);
}

HttpOutcome HttpEndpoint::Post(HttpRequestHead const& head, std::string body,
                               MemoryBudget::Lease memory) {
  std::size_t const need = MessageMemoryEstimate(body.size());
  if (!memory.GrowTo(need)) {
    if (!memory.Possible(need)) {
      return Reply(ErrorReply(413, nullptr, kInvalidRequest,
                              "Content Too Large: a " + std::to_string(body.size()) +
                                  "-byte message may take " + std::to_string(need) +
                                  " bytes once parsed, more than this server's request memory "
                                  "allows; send a smaller message"));
    }
    return Reply(Busy(nullptr, "Server busy: too much request data in progress to take a " +
                                   std::to_string(body.size()) +
                                   "-byte message now; retry shortly"));
  }
  ErrorObject parse_error;
  auto value = ParseMessage(body, &parse_error);
  std::string().swap(body);  // the text is no longer needed
  if (!value) return Reply(JsonReply(400, MakeError(nullptr, parse_error)));
  auto held = std::make_shared<Held>();
  held->memory = std::move(memory);
  held->principal = access_.PrincipalFor(head.headers.Find("authorization"));
  if (value->is_array()) return PostBatch(head, *std::move(value), std::move(held));
  Decoded decoded = DecodeMessage(*value);
  value.reset();
  if (decoded.error) return Reply(JsonReply(400, MakeError(decoded.error_id, *decoded.error)));
  Message message = *std::move(decoded.message);
  // Checked for requests of every era: MayBlock() trusted this header to tell a stateless one.
  if (auto m = head.headers.Find("mcp-method");
      m && message.kind == Message::Kind::kRequest && DecodeHeaderValue(*m) != message.method) {
    return Reply(ErrorReply(400, message.id, kHeaderMismatch,
                            "Header mismatch: Mcp-Method does not match the body's method"));
  }
  json meta;
  if (message.params.is_object()) {
    if (auto m = message.params.find("_meta"); m != message.params.end()) meta = *m;
  }
  std::string const version_header = head.headers.Get("mcp-protocol-version");
  bool const modern =
      IsModernMeta(meta) || (!head.headers.Find("mcp-session-id") && !version_header.empty() &&
                             !IsLegacyVersion(version_header) && message.method != "initialize");
  std::string label = Label(message);
  HttpOutcome out = modern ? PostModern(head, std::move(message), meta, std::move(held))
                           : PostLegacy(head, std::move(message), std::move(held));
  out.label = std::move(label);
  return out;
}

HttpOutcome HttpEndpoint::PostModern(HttpRequestHead const& head, Message message, json const& meta,
                                     std::shared_ptr<Held> held) {
  if (message.kind != Message::Kind::kRequest) return Reply(Accepted());  // nothing stateless
  auto mismatch = [&](std::string const& what) {
    return Reply(ErrorReply(400, message.id, kHeaderMismatch, "Header mismatch: " + what));
  };
  // Whether it matches the body's method was checked in Post.
  if (!head.headers.Find("mcp-method")) return mismatch("the Mcp-Method header is required");
  std::string const version = head.headers.Get("mcp-protocol-version");
  if (version.empty()) return mismatch("the MCP-Protocol-Version header is required");
  if (meta.is_object()) {
    if (auto v = meta.find(kMetaVersion); v != meta.end() && v->is_string() && *v != version) {
      return mismatch("MCP-Protocol-Version does not match params._meta");
    }
  }
  char const* name_key = message.method == "tools/call" || message.method == "prompts/get" ? "name"
                         : message.method == "resources/read"                              ? "uri"
                                                              : nullptr;
  if (name_key != nullptr && message.params.is_object()) {
    auto n = message.params.find(name_key);
    if (n != message.params.end() && n->is_string()) {
      auto name = head.headers.Find("mcp-name");
      if (!name) return mismatch("the Mcp-Name header is required");
      if (DecodeHeaderValue(*name) != n->get<std::string>()) {
        return mismatch(std::string("Mcp-Name does not match params.") + name_key);
      }
    }
  }
  if (auto problem = CheckModernMeta(meta)) {
    return Reply(JsonReply(400, MakeError(message.id, *problem)));
  }
  held->stateless = std::make_shared<Session>();  // nothing outlives the request
  Session& session = *held->stateless;
  return Run(session, std::move(message), true, std::move(held));
}

HttpOutcome HttpEndpoint::PostLegacy(HttpRequestHead const& head, Message message,
                                     std::shared_ptr<Held> held) {
  if (message.kind == Message::Kind::kRequest && message.method == "initialize") {
    auto lease = sessions_.Create();
    if (!lease) {
      HttpReply r =
          Busy(message.id, "Server busy: the session limit is reached and every session is in use");
      r.headers = {{"Retry-After", "5"}};
      return Reply(std::move(r));
    }
    lease->state.owner =
        AccessPolicy::SessionOwner(held->principal, head.headers.Find("authorization"));
    json response = Handle(lease->state, message, nullptr, held->principal);
    HttpReply r = JsonReply(200, response);
    if (response.contains("result")) {
      r.headers.emplace_back("Mcp-Session-Id", lease->id);
    } else {
      std::string id = lease->id;
      lease = SessionStore::Lease();
      sessions_.End(id);
    }
    return Reply(std::move(r));
  }
  auto session_id = head.headers.Find("mcp-session-id");
  if (!session_id) {
    return Reply(ErrorReply(400, message.id, kInvalidRequest,
                            "Bad Request: the Mcp-Session-Id header is required (initialize "
                            "first, or send 2026-07-28 requests with _meta)"));
  }
  std::string const version = head.headers.Get("mcp-protocol-version");
  if (!version.empty() && !IsLegacyVersion(version)) {
    return Reply(ErrorReply(400, message.id, kInvalidRequest,
                            "Bad Request: unsupported MCP-Protocol-Version " + version,
                            json{{"supported", LegacyVersions()}, {"requested", version}}));
  }
  held->lease = sessions_.Acquire(std::string(*session_id));
  if (!held->lease || !Owns(held->lease->state, head)) {
    return Reply(ErrorReply(404, message.id, kInvalidRequest,
                            "Session not found: it ended or expired; initialize a new one"));
  }
  Session& session = held->lease->state;
  return Run(session, std::move(message), false, std::move(held));
}

HttpOutcome HttpEndpoint::PostBatch(HttpRequestHead const& head, json batch,
                                    std::shared_ptr<Held> held) {
  std::string label = "(batch of " + std::to_string(batch.size()) + ")";
  auto refuse = [&label](ErrorObject const& e) {
    return Reply(JsonReply(400, MakeError(nullptr, e)), label);
  };
  auto const session_id = head.headers.Find("mcp-session-id");
  std::string const version_header = head.headers.Get("mcp-protocol-version");
  bool modern_member = false;
  for (auto const& item : batch) {
    if (item.is_object() && item.contains("params") && item["params"].is_object() &&
        IsModernMeta(item["params"].value("_meta", json()))) {
      modern_member = true;
    }
  }
  if (batch.empty() || !session_id || modern_member ||
      (!version_header.empty() && version_header != kBatchVersion)) {
    return refuse(*BatchRefusal(
        "", batch, options_.max_batch_length));  // empty, or outside a 2025-03-26 session
  }
  held->lease = sessions_.Acquire(std::string(*session_id));
  if (!held->lease || !Owns(held->lease->state, head)) {
    return Reply(ErrorReply(404, nullptr, kInvalidRequest,
                            "Session not found: it ended or expired; initialize a new one"),
                 label);
  }
  Session& session = held->lease->state;
  std::string version;
  {
    std::lock_guard lock(session.mu);
    version = session.protocol_version;
  }
  if (auto refusal = BatchRefusal(version, batch, options_.max_batch_length))
    return refuse(*refusal);

  auto ex = NewExchange(Exchange::Kind::kBatch, false);
  // Tool calls are registered before any member runs, so that a cancellation sent meanwhile
  // finds them; members that fail before running leave their entry behind, removed after.
  std::vector<std::pair<json, std::shared_ptr<halo::CancelToken>>> tracked;
  for (auto const& item : batch) {
    Decoded d = DecodeMessage(item);
    if (d.message && d.message->kind == Message::Kind::kRequest && McpServer::IsSlow(*d.message)) {
      if (auto token = server_.Track(session, d.message->id)) {
        ex->AddCancel(token);
        tracked.emplace_back(d.message->id, std::move(token));
      }
    }
  }
  auto untrack = [&session, tracked] {
    for (auto const& [id, token] : tracked) McpServer::Untrack(session, id, token);
  };
  auto shared_batch = std::make_shared<json const>(std::move(batch));
  bool queued = Submit(
      ex, held, nullptr,
      [this, &session, ex, shared_batch, untrack, principal = held->principal] {
        HandleBatch(
            server_, session, *shared_batch, SenderFor(ex), [ex](json const& r) { ex->Respond(r); },
            principal);
        untrack();
        return json();  // every response has gone out
      },
      untrack);
  if (!queued) {
    return Reply(Busy(nullptr, "Server busy: too many calls in flight; retry shortly"), label);
  }
  HttpOutcome out;
  out.exchange = std::move(ex);
  out.label = std::move(label);
  return out;
}

HttpOutcome HttpEndpoint::Run(Session& session, Message message, bool modern,
                              std::shared_ptr<Held> held) {
  if (RunsInline(message)) {
    json response = Handle(session, message, nullptr, held->principal);
    if (response.is_null()) return Reply(Accepted());
    HttpReply r;
    r.status = ReplyStatus(response, modern);
    r.content_type = "application/json";
    r.body = SerializeBounded(response, options_.max_response_bytes);
    return Reply(std::move(r));
  }
  auto token = server_.Track(session, message.id);
  if (!token) {
    return Reply(ErrorReply(200, message.id, kInvalidRequest,
                            "Invalid request: a request with this id is already in progress"));
  }
  auto ex = NewExchange(Exchange::Kind::kRequest, modern);
  ex->AddCancel(token);
  json const id = message.id;
  bool queued = Submit(
      ex, held, id,
      [this, &session, ex, message = std::move(message), principal = held->principal, token] {
        json response = Handle(session, message, ex, principal);
        // However it ended (a call refused before it ran included), the id is free again before
        // the client can read the answer and reuse it.
        McpServer::Untrack(session, message.id, token);
        return response;
      },
      [&session, id, token] { McpServer::Untrack(session, id, token); });
  if (!queued) return Reply(Busy(id, "Server busy: too many calls in flight; retry shortly"));
  HttpOutcome out;
  out.exchange = std::move(ex);
  return out;
}

json HttpEndpoint::Handle(Session& session, Message const& message,
                          std::shared_ptr<Exchange> const& exchange,
                          std::shared_ptr<Principal const> const& principal) {
  return server_.Handle(session, message, SenderFor(exchange), principal);
}

bool HttpEndpoint::Owns(Session& session, HttpRequestHead const& head) const {
  auto const authorization = head.headers.Find("authorization");
  std::string const owner =
      AccessPolicy::SessionOwner(access_.PrincipalFor(authorization), authorization);
  std::lock_guard lock(session.mu);
  return session.owner == owner;
}

CallScope::Sender HttpEndpoint::SenderFor(std::shared_ptr<Exchange> const& exchange) {
  if (!exchange) return nullptr;  // answered inline: nowhere to stream to
  return [exchange](json const& message) { exchange->Notify(message); };
}

std::shared_ptr<Exchange> HttpEndpoint::NewExchange(Exchange::Kind kind, bool modern) {
  Exchange::Options o;
  o.modern = modern;
  o.max_response_bytes = options_.max_response_bytes;
  o.sse_after = options_.sse_after;
  o.keepalive = options_.keepalive_interval;
  auto ex = std::make_shared<Exchange>(kind, o);
  std::lock_guard lock(mu_);
  running_.erase(
      std::remove_if(running_.begin(), running_.end(), [](auto const& w) { return w.expired(); }),
      running_.end());
  running_.push_back(ex);
  return ex;
}

bool HttpEndpoint::Submit(std::shared_ptr<Exchange> const& exchange, std::shared_ptr<Held> held,
                          json id, std::function<json()> work, std::function<void()> refused) {
  auto const enqueued = options_.clock->Now();
  bool queued = pool_.Submit([this, exchange, held = std::move(held), id = std::move(id),
                              work = std::move(work), refused, enqueued]() mutable {
    int status = 0;
    json response;
    try {
      if (options_.clock->Now() - enqueued > options_.max_queue_wait) {
        refused();
        status = 503;
        response = MakeError(id, ErrorObject{kInternalError,
                                             "Server busy: no worker was free within " +
                                                 std::to_string(options_.max_queue_wait.count()) +
                                                 " ms; retry shortly",
                                             nullptr});
      } else {
        response = work();
      }
    } catch (...) {
      LogException("a request on a worker");
      response = MakeError(
          id, ErrorObject{kInternalError, "Internal error; the server keeps running", nullptr});
    }
    // The session's idle time and the memory are free before the client sees the end.
    held.reset();
    if (!response.is_null() || exchange->kind() == Exchange::Kind::kRequest) {
      exchange->Respond(response, status);
    }
    exchange->Finish();
  });
  if (!queued) refused();
  return queued;
}

HttpOutcome HttpEndpoint::Get(HttpRequestHead const& head) {
  auto const session_id = head.headers.Find("mcp-session-id");
  std::string const version = head.headers.Get("mcp-protocol-version");
  if (!session_id || (!version.empty() && !IsLegacyVersion(version))) {
    HttpReply r = ErrorReply(405, nullptr, kInvalidRequest,
                             "Method Not Allowed: no standalone stream without a session");
    r.headers.emplace_back("Allow", "POST");
    return Reply(std::move(r));
  }
  if (AsciiLower(head.headers.Get("accept")).find("text/event-stream") == std::string::npos) {
    return Reply(
        ErrorReply(406, nullptr, kInvalidRequest, "Not Acceptable: Accept text/event-stream"));
  }
  auto lease = sessions_.Acquire(std::string(*session_id));
  if (!lease || !Owns(lease->state, head)) {
    return Reply(ErrorReply(404, nullptr, kInvalidRequest, "Session not found"));
  }
  // Streams hold connections that never give way: at most half of them.
  if (get_streams_.fetch_add(1) >= std::max<std::size_t>(1, options_.max_connections / 2)) {
    get_streams_--;
    return Reply(Busy(nullptr, "Server busy: too many standalone streams"));
  }
  auto ex = NewExchange(Exchange::Kind::kStream, false);
  if (sessions_.AttachStream(*lease, ex) == SessionStore::Attach::kConflict) {
    get_streams_--;
    return Reply(ErrorReply(409, nullptr, kInvalidRequest,
                            "Conflict: this session already has a standalone stream"));
  }
  HttpOutcome out;
  out.exchange = ex;
  std::weak_ptr<HttpSession> session = lease.shared();
  out.on_done = [this, session, raw = ex.get()] {
    if (auto s = session.lock()) sessions_.DetachStream(*s, raw);
    get_streams_--;
  };
  if (stopping_) ex->Finish();
  return out;
}

HttpOutcome HttpEndpoint::Delete(HttpRequestHead const& head) {
  auto const session_id = head.headers.Find("mcp-session-id");
  if (!session_id) {
    HttpReply r = ErrorReply(405, nullptr, kInvalidRequest,
                             "Method Not Allowed: DELETE needs an Mcp-Session-Id to end");
    r.headers.emplace_back("Allow", "POST");
    return Reply(std::move(r));
  }
  {
    auto lease = sessions_.Acquire(std::string(*session_id));
    if (!lease || !Owns(lease->state, head)) {
      return Reply(ErrorReply(404, nullptr, kInvalidRequest, "Session not found"));
    }
  }
  if (!sessions_.End(std::string(*session_id))) {
    return Reply(ErrorReply(404, nullptr, kInvalidRequest, "Session not found"));
  }
  HttpReply r;
  r.status = 200;
  return Reply(std::move(r));
}

HttpReply HttpEndpoint::ProtectedResourceMetadata(HttpRequestHead const& head) const {
  std::string const base = access_.BaseUrl(head.headers.Get("host"));
  return JsonReply(200, json{{"resource", base + options_.path},
                             {"authorization_servers", json::array({options_.auth_server})},
                             {"bearer_methods_supported", json::array({"header"})},
                             {"resource_name", "halo-mcp"}});
}

void HttpEndpoint::Stop() {
  stopping_ = true;
  sessions_.EndStreams();
}

void HttpEndpoint::CancelAll() {
  std::vector<std::shared_ptr<Exchange>> running;
  {
    std::lock_guard lock(mu_);
    for (auto const& w : running_) {
      if (auto ex = w.lock()) running.push_back(std::move(ex));
    }
  }
  for (auto const& ex : running) ex->CancelWork();
}

void HttpEndpoint::DrainWorkers() { pool_.Drain(); }

}  // namespace mcp
