#include "server/http_transport.h"

#include "server/batch.h"
#include "server/worker_pool.h"

#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sys/socket.h>
#include <thread>

namespace mcp {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// The host part of "host", "host:port", "[v6]" or "[v6]:port", lower-cased, brackets removed.
std::string HostOnly(std::string const& authority) {
  if (!authority.empty() && authority.front() == '[') {
    auto end = authority.find(']');
    return Lower(authority.substr(1, end == std::string::npos ? std::string::npos : end - 1));
  }
  auto colon = authority.find(':');
  if (colon != std::string::npos && authority.find(':', colon + 1) != std::string::npos) {
    return Lower(authority);  // a bare IPv6 address
  }
  return Lower(authority.substr(0, colon));
}

/// scheme://authority of an Origin header, split; nullopt when malformed (e.g. "null").
std::optional<std::string> OriginHost(std::string const& origin) {
  auto scheme_end = origin.find("://");
  if (scheme_end == std::string::npos) return std::nullopt;
  std::string scheme = Lower(origin.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  std::string authority = origin.substr(scheme_end + 3);
  if (auto slash = authority.find('/'); slash != std::string::npos) authority.resize(slash);
  if (authority.empty()) return std::nullopt;
  return HostOnly(authority);
}

bool IsLoopbackName(std::string const& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0 ||
         (host.size() > 10 && host.compare(host.size() - 10, 10, ".localhost") == 0);
}

std::string RandomSessionId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  return id;
}

std::array<unsigned char, 32> Sha256(std::string const& s) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

/// Decodes the `=?base64?...?=` form of a header value; other values are returned as they are.
std::string DecodeHeaderValue(std::string const& value) {
  constexpr std::string_view prefix = "=?base64?";
  if (value.size() < prefix.size() + 2 || value.compare(0, prefix.size(), prefix) != 0 ||
      value.compare(value.size() - 2, 2, "?=") != 0) {
    return value;
  }
  std::string b64 = value.substr(prefix.size(), value.size() - prefix.size() - 2);
  std::string out((b64.size() / 4 + 1) * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<unsigned char const*>(b64.data()),
                          static_cast<int>(b64.size()));
  if (n < 0) return value;
  std::size_t pad = 0;
  if (!b64.empty() && b64.back() == '=') ++pad;
  if (b64.size() > 1 && b64[b64.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - std::min(pad, static_cast<std::size_t>(n)));
  return out;
}

/// The most recent OpenSSL error as text ("" when none), clearing the queue.
std::string OpenSslError() {
  unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return std::string(": ") + buf;
}

/// Loads the PEM certificate and private key the way the TLS server will, so that a start-up
/// failure can name the flag at fault; nullopt when both load and the key fits the certificate.
std::optional<std::string> CheckTlsFiles(std::string const& cert_path,
                                         std::string const& key_path) {
  int open_errno = 0;
  auto open = [&open_errno](std::string const& path) {
    errno = 0;
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"), &BIO_free);
    open_errno = errno;
    ERR_clear_error();
    return bio;
  };
  // Never prompt for a passphrase (OpenSSL's default would read the terminal).
  auto no_passphrase = [](char*, int, int, void*) { return 0; };
  auto cert_bio = open(cert_path);
  if (!cert_bio) {
    return "cannot read --tls-cert " + cert_path + " (" + std::strerror(open_errno) + ")";
  }
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, no_passphrase, nullptr), &X509_free);
  if (!cert) {
    return "--tls-cert " + cert_path + " is not a PEM certificate" + OpenSslError();
  }
  auto key_bio = open(key_path);
  if (!key_bio) {
    return "cannot read --tls-key " + key_path + " (" + std::strerror(open_errno) + ")";
  }
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_passphrase, nullptr), &EVP_PKEY_free);
  if (!key) {
    return "--tls-key " + key_path + " is not an unencrypted PEM private key" + OpenSslError();
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return "--tls-key " + key_path + " does not match the certificate in --tls-cert " + cert_path;
  }
  return std::nullopt;
}

std::string SseFrame(json const& message) {
  return "event: message\ndata: " + Serialize(message) + "\n\n";
}

json ErrorBody(json const& id, int code, std::string message, json data = nullptr) {
  return MakeError(id, ErrorObject{code, std::move(message), std::move(data)});
}

void SetJson(httplib::Response& res, int status, json const& body) {
  res.status = status;
  res.set_content(Serialize(body), "application/json");
}

/// What the access log reports about the request this thread is serving.
struct AccessInfo {
  Clock::time_point start{};
  std::string mcp;  // "tools/call halopsa_list_tickets", "initialize", ...
};
thread_local AccessInfo t_access;

/// The response channel of one request: notifications and server-to-client requests queue
/// here, then the final response. The HTTP thread drains it as JSON or as an SSE stream.
struct Exchange {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> events;  // SSE frames not yet written
  bool done = false;
  std::string final_frame;  // the response as an SSE frame; empty = none due
  json final;               // the response itself (null = none due)
  std::shared_ptr<halo::CancelToken> cancel = std::make_shared<halo::CancelToken>();
  std::vector<std::shared_ptr<halo::CancelToken>> more;  // a batch's other tool calls

  /// The client went away, or the server is stopping: the work is no longer wanted.
  void Cancel() {
    cancel->Cancel();
    for (auto const& t : more) t->Cancel();
  }

  void Push(json const& message) {
    std::lock_guard lock(mu);
    events.push_back(SseFrame(message));
    cv.notify_all();
  }
  void Finish(json response) {
    std::lock_guard lock(mu);
    done = true;
    if (!response.is_null()) final_frame = SseFrame(response);
    final = std::move(response);
    cv.notify_all();
  }
};

}  // namespace

bool IsLoopbackHost(std::string const& host) { return IsLoopbackName(HostOnly(host)); }

std::optional<std::string> CheckTls(HttpOptions const& options) {
  if (options.tls_cert.empty() && options.tls_key.empty()) return std::nullopt;
  if (options.tls_cert.empty() || options.tls_key.empty()) {
    return "TLS needs both --tls-cert and --tls-key";
  }
  return CheckTlsFiles(options.tls_cert, options.tls_key);
}

struct HttpTransport::Impl {
  struct HttpSession {
    std::string id;
    Session state;
    Clock::time_point last_used;
    int active = 0;                    // requests being served
    std::shared_ptr<Exchange> stream;  // the GET stream, when open
  };

  Impl(McpServer& s, HttpOptions o) : server(s), options(std::move(o)) {}

  McpServer& server;
  HttpOptions options;
  std::unique_ptr<httplib::Server> http;
  std::unique_ptr<WorkerPool> pool;
  bool loopback = true;
  std::set<std::string> allowed_hosts;  // lower-case host names
  std::vector<std::array<unsigned char, 32>> token_digests;

  mutable std::mutex mu;
  std::map<std::string, std::shared_ptr<HttpSession>> sessions;
  std::set<std::shared_ptr<Exchange>> active;  // streams and tool calls, for Stop()
  std::size_t get_streams = 0;
  std::condition_variable stop_cv;
  bool stopping = false;
  std::thread janitor;

  // ---- sessions ----
  void SweepLocked(Clock::time_point now) {
    for (auto it = sessions.begin(); it != sessions.end();) {
      auto& s = *it->second;
      if (s.active == 0 && now - s.last_used > options.session_idle_timeout) {
        spdlog::debug("http: session expired after {} ms idle",
                      options.session_idle_timeout.count());
        EndSessionLocked(s);
        it = sessions.erase(it);
      } else {
        ++it;
      }
    }
  }
  void EndSessionLocked(HttpSession& s) {
    {
      std::lock_guard lock(s.state.mu);
      for (auto& [id, token] : s.state.in_flight) token->Cancel();
    }
    if (s.stream) s.stream->Finish(nullptr);
  }
  std::shared_ptr<HttpSession> CreateSession() {
    auto now = Clock::now();
    auto s = std::make_shared<HttpSession>();
    s->id = RandomSessionId();
    s->last_used = now;
    s->active = 1;
    std::lock_guard lock(mu);
    SweepLocked(now);
    while (sessions.size() >= options.max_sessions) {
      auto victim = sessions.end();
      for (auto it = sessions.begin(); it != sessions.end(); ++it) {
        if (it->second->active > 0) continue;
        if (victim == sessions.end() || it->second->last_used < victim->second->last_used) {
          victim = it;
        }
      }
      if (victim == sessions.end()) return nullptr;  // every session is busy
      spdlog::info("http: session cap {} reached, evicting the least recently used one",
                   options.max_sessions);
      EndSessionLocked(*victim->second);
      sessions.erase(victim);
    }
    sessions[s->id] = s;
    return s;
  }
  std::shared_ptr<HttpSession> Acquire(std::string const& id) {
    auto now = Clock::now();
    std::lock_guard lock(mu);
    SweepLocked(now);
    auto it = sessions.find(id);
    if (it == sessions.end()) return nullptr;
    it->second->active++;
    it->second->last_used = now;
    return it->second;
  }
  void Release(std::shared_ptr<HttpSession> const& s) {
    std::lock_guard lock(mu);
    s->active--;
    s->last_used = Clock::now();
  }
  void Drop(std::string const& id) {
    std::lock_guard lock(mu);
    if (auto it = sessions.find(id); it != sessions.end()) {
      EndSessionLocked(*it->second);
      sessions.erase(it);
    }
  }
  struct SessionUse {
    Impl* impl;
    std::shared_ptr<HttpSession> s;
    ~SessionUse() {
      if (s) impl->Release(s);
    }
  };

  // ---- security ----
  bool HostAllowed(std::string const& host_header) const {
    std::string host = HostOnly(host_header);
    if (allowed_hosts.count(host)) return true;
    if (loopback) return IsLoopbackName(host);
    return options.allowed_hosts.empty();  // off loopback without a list: tokens protect
  }
  bool OriginAllowed(std::string const& origin, std::string const& host_header) const {
    for (auto const& o : options.allowed_origins) {
      if (Lower(o) == Lower(origin)) return true;
    }
    auto host = OriginHost(origin);
    if (!host) return false;
    if (allowed_hosts.count(*host) || IsLoopbackName(*host)) return true;
    // Same origin as the Host we were reached by (already validated above).
    return !loopback && *host == HostOnly(host_header);
  }
  bool TokenValid(std::string const& presented) const {
    auto digest = Sha256(presented);
    int match = 0;
    for (auto const& d : token_digests) {
      match |= CRYPTO_memcmp(d.data(), digest.data(), d.size()) == 0 ? 1 : 0;
    }
    return match != 0;
  }
  std::string BaseUrl(httplib::Request const& req) const {
    if (!options.public_url.empty()) {
      std::string u = options.public_url;
      if (u.size() >= options.path.size() &&
          u.compare(u.size() - options.path.size(), options.path.size(), options.path) == 0) {
        u.resize(u.size() - options.path.size());
      }
      while (!u.empty() && u.back() == '/') u.pop_back();
      return u;
    }
    std::string scheme = options.tls_cert.empty() ? "http" : "https";
    return scheme + "://" + req.get_header_value("Host");
  }
  std::string MetadataUrl(httplib::Request const& req) const {
    return BaseUrl(req) + "/.well-known/oauth-protected-resource" + options.path;
  }

  httplib::Server::HandlerResponse PreRoute(httplib::Request const& req, httplib::Response& res) {
    t_access.start = Clock::now();
    t_access.mcp.clear();
    if (req.path == "/healthz") return httplib::Server::HandlerResponse::Unhandled;
    if (!HostAllowed(req.get_header_value("Host"))) {
      SetJson(res, 403, ErrorBody(nullptr, kInvalidRequest, "Forbidden: Host not allowed"));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.has_header("Origin") &&
        !OriginAllowed(req.get_header_value("Origin"), req.get_header_value("Host"))) {
      SetJson(res, 403, ErrorBody(nullptr, kInvalidRequest, "Forbidden: Origin not allowed"));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.path.rfind("/.well-known/", 0) == 0) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    if (!token_digests.empty()) {
      std::string auth = req.get_header_value("Authorization");
      bool ok =
          auth.size() > 7 && Lower(auth.substr(0, 7)) == "bearer " && TokenValid(auth.substr(7));
      if (!ok) {
        std::string challenge = "Bearer realm=\"halo-mcp\"";
        if (!auth.empty()) challenge += ", error=\"invalid_token\"";
        if (!options.auth_server.empty()) {
          challenge += ", resource_metadata=\"" + MetadataUrl(req) + "\"";
        }
        res.set_header("WWW-Authenticate", challenge);
        SetJson(res, 401,
                ErrorBody(nullptr, kInvalidRequest,
                          "Unauthorized: a valid bearer token is "
                          "required"));
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }

  // ---- streams ----
  void Track(std::shared_ptr<Exchange> const& ex) {
    std::lock_guard lock(mu);
    active.insert(ex);
  }
  void Untrack(std::shared_ptr<Exchange> const& ex) {
    std::lock_guard lock(mu);
    active.erase(ex);
  }

  /// Writes an exchange as an SSE stream until its final response (or the client leaves).
  void StreamTo(httplib::Response& res, std::shared_ptr<Exchange> ex, bool get_stream) {
    res.status = 200;
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    auto interval = options.keepalive_interval;
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, ex, interval](std::size_t, httplib::DataSink& sink) {
          std::unique_lock lock(ex->mu);
          for (;;) {
            while (!ex->events.empty()) {
              std::string frame = std::move(ex->events.front());
              ex->events.pop_front();
              lock.unlock();
              bool ok = sink.write(frame.data(), frame.size());
              lock.lock();
              if (!ok) {
                ex->Cancel();
                return false;
              }
            }
            if (ex->done) {
              std::string frame = std::move(ex->final_frame);
              lock.unlock();
              if (!frame.empty() && !sink.write(frame.data(), frame.size())) return false;
              sink.done();
              return true;
            }
            if (!ex->cv.wait_for(lock, interval, [&] { return ex->done || !ex->events.empty(); })) {
              // A comment line: keeps proxies from timing out and tells us when the client
              // has gone (the write fails), which cancels the work.
              lock.unlock();
              static constexpr char kAlive[] = ": keep-alive\n\n";
              bool ok = sink.write(kAlive, sizeof kAlive - 1);
              lock.lock();
              if (!ok) {
                spdlog::debug("http: client went away mid-stream; cancelling its request");
                ex->Cancel();
                return false;
              }
            }
          }
        },
        [this, ex, get_stream](bool success) {
          if (!success) ex->Cancel();
          Untrack(ex);
          if (get_stream) {
            ex->Finish(nullptr);
            std::lock_guard lock(mu);
            get_streams--;
          }
        });
  }

  /// Runs one request: inline for quick methods, on the worker pool for tool calls. Answers
  /// with JSON, or SSE when notifications come first.
  void Serve(Session& session, std::shared_ptr<void> keep_alive, Message const& message,
             httplib::Response& res, bool modern) {
    auto ex = std::make_shared<Exchange>();
    if (!McpServer::IsSlow(message)) {
      json response = server.Handle(session, message, [&ex](json const& n) { ex->Push(n); });
      Respond(res, ex, std::move(response), modern);
      return;
    }
    ex->cancel = server.Track(session, message.id);
    if (!ex->cancel) {
      SetJson(res, 200, McpServer::DuplicateIdError(message.id));
      return;
    }
    RunQueued(
        res, ex, std::move(keep_alive), message.id, modern,
        [this, &session, message, ex] {
          return server.Handle(session, message, [ex](json const& n) { ex->Push(n); });
        },
        [&session, id = Serialize(message.id)] {
          std::lock_guard lock(session.mu);
          session.in_flight.erase(id);
        });
  }

  /// Runs `work` on the worker pool (503 when it is full, after `refused` undoes the tracking),
  /// waits up to sse_after for it, then answers with JSON or switches to an SSE stream.
  void RunQueued(httplib::Response& res, std::shared_ptr<Exchange> const& ex,
                 std::shared_ptr<void> keep_alive, json const& id, bool modern,
                 std::function<json()> work, std::function<void()> const& refused) {
    Track(ex);
    bool queued = pool->Submit([keep_alive, ex, work = std::move(work)] {
      ex->Finish(work());
      (void)keep_alive;
    });
    if (!queued) {
      Untrack(ex);
      refused();
      res.set_header("Retry-After", "1");
      SetJson(res, 503,
              ErrorBody(id, kInternalError,
                        "Server busy: too many tool calls in flight; retry shortly"));
      return;
    }
    {
      std::unique_lock lock(ex->mu);
      ex->cv.wait_for(lock, options.sse_after, [&] { return ex->done || !ex->events.empty(); });
      if (ex->done && ex->events.empty()) {
        json response = ex->final;
        lock.unlock();
        Untrack(ex);
        Respond(res, ex, std::move(response), modern);
        return;
      }
    }
    StreamTo(res, ex, false);
  }

  /// A JSON-RPC batch of a 2025-03-26 session: its members are handled in order like single
  /// messages and answered together with one array (202 when no response is due). A batch with
  /// tool calls runs on the worker pool, each call cancellable on its own or with the stream.
  void ServeBatch(Session& session, std::shared_ptr<void> keep_alive, json const& batch,
                  httplib::Response& res) {
    auto ex = std::make_shared<Exchange>();
    std::vector<std::pair<std::string, std::shared_ptr<halo::CancelToken>>> tracked;
    for (auto const& item : batch) {
      Decoded d = DecodeMessage(item);
      if (d.message && d.message->kind == Message::Kind::kRequest &&
          McpServer::IsSlow(*d.message)) {
        // A duplicate id keeps no token; its member is answered with the duplicate-id error.
        if (auto token = server.Track(session, d.message->id)) {
          tracked.emplace_back(Serialize(d.message->id), token);
          ex->more.push_back(std::move(token));
        }
      }
    }
    auto run = [this, &session, batch, ex] {
      json responses = json::array();
      mcp::HandleBatch(
          server, session, batch, [ex](json const& n) { ex->Push(n); },
          [&responses](json const& r) { responses.push_back(r); });
      return responses.empty() ? json() : responses;  // null: nothing due (202)
    };
    if (tracked.empty()) {
      Respond(res, ex, run(), false);
      return;
    }
    // Members that failed before running (e.g. invalid params) leave their entry behind.
    auto untrack = [&session, tracked] {
      std::lock_guard lock(session.mu);
      for (auto const& [key, token] : tracked) {
        if (auto it = session.in_flight.find(key);
            it != session.in_flight.end() && it->second == token) {
          session.in_flight.erase(it);
        }
      }
    };
    RunQueued(
        res, ex, std::move(keep_alive), nullptr, false,
        [run, untrack] {
          json responses = run();
          untrack();
          return responses;
        },
        untrack);
  }

  void Respond(httplib::Response& res, std::shared_ptr<Exchange> const& ex, json response,
               bool modern) {
    int status = 200;
    if (modern && response.contains("error")) {
      int code = response["error"].value("code", 0);
      if (code == kMethodNotFound) status = 404;
      if (code == kHeaderMismatch || code == kMissingRequiredClientCapability ||
          code == kUnsupportedProtocolVersion) {
        status = 400;
      }
    }
    bool has_events;
    {
      std::lock_guard lock(ex->mu);
      has_events = !ex->events.empty();
    }
    if (response.is_null() && !has_events) {
      res.status = 202;  // cancelled: no response is due
      return;
    }
    if (!has_events) {
      SetJson(res, status, response);
      return;
    }
    ex->Finish(std::move(response));  // notifications first: one SSE stream, then the response
    Track(ex);
    StreamTo(res, ex, false);
  }

  // ---- endpoints ----
  void Post(httplib::Request const& req, httplib::Response& res) {
    std::string accept = Lower(req.get_header_value("Accept"));
    if (accept.find("application/json") == std::string::npos ||
        accept.find("text/event-stream") == std::string::npos) {
      SetJson(res, 406,
              ErrorBody(nullptr, kInvalidRequest,
                        "Not Acceptable: Accept must list application/json and "
                        "text/event-stream"));
      return;
    }
    std::string content_type = Lower(req.get_header_value("Content-Type"));
    if (content_type.find("application/json") == std::string::npos) {
      SetJson(res, 415,
              ErrorBody(nullptr, kInvalidRequest,
                        "Unsupported Media Type: Content-Type must be application/json"));
      return;
    }
    ErrorObject parse_error;
    auto value = ParseMessage(req.body, &parse_error);
    if (!value) {
      SetJson(res, 400, MakeError(nullptr, parse_error));
      return;
    }
    if (value->is_array()) {
      PostBatch(req, res, *value);
      return;
    }
    Decoded decoded = DecodeMessage(*value);
    if (decoded.error) {
      SetJson(res, 400, MakeError(decoded.error_id, *decoded.error));
      return;
    }
    Message message = *std::move(decoded.message);
    t_access.mcp = message.method.empty() ? "(response)" : message.method;
    json meta;
    if (message.params.is_object()) {
      if (auto m = message.params.find("_meta"); m != message.params.end()) meta = *m;
      if (message.method == "tools/call" || message.method == "prompts/get") {
        if (auto n = message.params.find("name"); n != message.params.end() && n->is_string()) {
          t_access.mcp += " " + n->get<std::string>();
        }
      }
    }
    std::string const session_id = req.get_header_value("Mcp-Session-Id");
    std::string const version_header = req.get_header_value("MCP-Protocol-Version");
    auto const& legacy = LegacyVersions();
    bool const legacy_header =
        std::find(legacy.begin(), legacy.end(), version_header) != legacy.end();
    bool const modern = IsModernMeta(meta) || (session_id.empty() && !version_header.empty() &&
                                               !legacy_header && message.method != "initialize");
    if (modern) {
      PostModern(req, res, message, meta, version_header);
    } else {
      PostLegacy(res, message, session_id, version_header, legacy_header);
    }
  }

  void PostModern(httplib::Request const& req, httplib::Response& res, Message const& message,
                  json const& meta, std::string const& version_header) {
    if (message.kind != Message::Kind::kRequest) {
      res.status = 202;  // nothing stateless to act on
      return;
    }
    auto mismatch = [&](std::string const& what) {
      SetJson(res, 400, ErrorBody(message.id, kHeaderMismatch, "Header mismatch: " + what));
    };
    if (!req.has_header("Mcp-Method")) return mismatch("the Mcp-Method header is required");
    if (DecodeHeaderValue(req.get_header_value("Mcp-Method")) != message.method) {
      return mismatch("Mcp-Method does not match the body's method");
    }
    if (version_header.empty()) return mismatch("the MCP-Protocol-Version header is required");
    if (meta.is_object()) {
      if (auto v = meta.find(kMetaVersion);
          v != meta.end() && v->is_string() && *v != version_header) {
        return mismatch("MCP-Protocol-Version does not match params._meta");
      }
    }
    char const* name_key = message.method == "tools/call" || message.method == "prompts/get"
                               ? "name"
                           : message.method == "resources/read" ? "uri"
                                                                : nullptr;
    if (name_key != nullptr && message.params.is_object()) {
      auto n = message.params.find(name_key);
      if (n != message.params.end() && n->is_string()) {
        if (!req.has_header("Mcp-Name")) return mismatch("the Mcp-Name header is required");
        if (DecodeHeaderValue(req.get_header_value("Mcp-Name")) != n->get<std::string>()) {
          return mismatch(std::string("Mcp-Name does not match params.") + name_key);
        }
      }
    }
    if (auto problem = CheckModernMeta(meta)) {
      SetJson(res, 400, MakeError(message.id, *problem));
      return;
    }
    auto session = std::make_shared<Session>();  // stateless: nothing outlives the request
    Serve(*session, session, message, res, true);
  }

  void PostLegacy(httplib::Response& res, Message const& message, std::string const& session_id,
                  std::string const& version_header, bool legacy_header) {
    if (message.kind == Message::Kind::kRequest && message.method == "initialize") {
      auto s = CreateSession();
      if (!s) {
        res.set_header("Retry-After", "5");
        SetJson(res, 503,
                ErrorBody(message.id, kInternalError,
                          "Server busy: the session limit is reached and every session is in "
                          "use"));
        return;
      }
      SessionUse use{this, s};
      json response = server.Handle(s->state, message, nullptr);
      if (response.contains("result")) {
        res.set_header("Mcp-Session-Id", s->id);
      } else {
        Drop(s->id);
      }
      SetJson(res, 200, response);
      return;
    }
    if (session_id.empty()) {
      SetJson(res, 400,
              ErrorBody(message.id, kInvalidRequest,
                        "Bad Request: the Mcp-Session-Id header is required (initialize first, "
                        "or send 2026-07-28 requests with _meta)"));
      return;
    }
    if (!version_header.empty() && !legacy_header) {
      SetJson(res, 400,
              ErrorBody(message.id, kInvalidRequest,
                        "Bad Request: unsupported MCP-Protocol-Version " + version_header,
                        json{{"supported", LegacyVersions()}, {"requested", version_header}}));
      return;
    }
    auto s = Acquire(session_id);
    if (!s) {
      SetJson(res, 404,
              ErrorBody(message.id, kInvalidRequest,
                        "Session not found: it ended or expired; initialize a new one"));
      return;
    }
    // Held until the request is answered, which for a stream is after this handler returns.
    std::shared_ptr<SessionUse> use(new SessionUse{this, s});
    if (message.kind != Message::Kind::kRequest) {
      server.Handle(s->state, message, nullptr);
      res.status = 202;
      return;
    }
    Serve(s->state, use, message, res, false);
  }

  /// JSON-RPC batches: only in a session negotiated at 2025-03-26 (the one version that has
  /// them); anything else, including 2026-07-28 requests, gets 400 with -32600.
  void PostBatch(httplib::Request const& req, httplib::Response& res, json const& batch) {
    t_access.mcp = "(batch of " + std::to_string(batch.size()) + ")";
    auto refuse = [&res](ErrorObject const& e) { SetJson(res, 400, MakeError(nullptr, e)); };
    std::string const session_id = req.get_header_value("Mcp-Session-Id");
    std::string const version_header = req.get_header_value("MCP-Protocol-Version");
    bool modern_member = false;
    for (auto const& item : batch) {
      if (item.is_object() && item.contains("params") && item["params"].is_object() &&
          IsModernMeta(item["params"].value("_meta", json()))) {
        modern_member = true;
      }
    }
    if (batch.empty() || session_id.empty() || modern_member ||
        (!version_header.empty() && version_header != kBatchVersion)) {
      return refuse(
          *BatchRefusal("", batch, kMaxBatchMembers));  // empty, or outside a 2025-03-26 session
    }
    auto s = Acquire(session_id);
    if (!s) {
      SetJson(res, 404,
              ErrorBody(nullptr, kInvalidRequest,
                        "Session not found: it ended or expired; initialize a new one"));
      return;
    }
    std::shared_ptr<SessionUse> use(new SessionUse{this, s});
    std::string version;
    {
      std::lock_guard lock(s->state.mu);
      version = s->state.protocol_version;
    }
    if (auto refusal = BatchRefusal(version, batch, kMaxBatchMembers)) return refuse(*refusal);
    ServeBatch(s->state, use, batch, res);
  }

  void Get(httplib::Request const& req, httplib::Response& res) {
    std::string const session_id = req.get_header_value("Mcp-Session-Id");
    std::string const version_header = req.get_header_value("MCP-Protocol-Version");
    auto const& legacy = LegacyVersions();
    if (session_id.empty() ||
        (!version_header.empty() &&
         std::find(legacy.begin(), legacy.end(), version_header) == legacy.end())) {
      res.set_header("Allow", "POST");
      SetJson(res, 405,
              ErrorBody(nullptr, kInvalidRequest,
                        "Method Not Allowed: no standalone stream without a session"));
      return;
    }
    if (Lower(req.get_header_value("Accept")).find("text/event-stream") == std::string::npos) {
      SetJson(res, 406,
              ErrorBody(nullptr, kInvalidRequest, "Not Acceptable: Accept text/event-stream"));
      return;
    }
    auto s = Acquire(session_id);
    if (!s) {
      SetJson(res, 404, ErrorBody(nullptr, kInvalidRequest, "Session not found"));
      return;
    }
    SessionUse use{this, s};
    auto ex = std::make_shared<Exchange>();
    {
      std::lock_guard lock(mu);
      if (s->stream && !s->stream->done) {
        SetJson(res, 409,
                ErrorBody(nullptr, kInvalidRequest,
                          "Conflict: this session already has a standalone stream"));
        return;
      }
      if (get_streams >= std::max<std::size_t>(1, options.threads / 2) || stopping) {
        SetJson(res, 503,
                ErrorBody(nullptr, kInternalError, "Server busy: too many standalone streams"));
        return;
      }
      get_streams++;
      s->stream = ex;
      active.insert(ex);
    }
    StreamTo(res, ex, true);
  }

  void Delete(httplib::Request const& req, httplib::Response& res) {
    std::string const session_id = req.get_header_value("Mcp-Session-Id");
    if (session_id.empty()) {
      res.set_header("Allow", "POST");
      SetJson(res, 405,
              ErrorBody(nullptr, kInvalidRequest,
                        "Method Not Allowed: DELETE needs an Mcp-Session-Id to end"));
      return;
    }
    std::lock_guard lock(mu);
    auto it = sessions.find(session_id);
    if (it == sessions.end()) {
      SetJson(res, 404, ErrorBody(nullptr, kInvalidRequest, "Session not found"));
      return;
    }
    EndSessionLocked(*it->second);
    sessions.erase(it);
    res.status = 200;
  }

  void ProtectedResourceMetadata(httplib::Request const& req, httplib::Response& res) {
    json body{{"resource", BaseUrl(req) + options.path},
              {"authorization_servers", json::array({options.auth_server})},
              {"bearer_methods_supported", json::array({"header"})},
              {"resource_name", "halo-mcp"}};
    SetJson(res, 200, body);
  }

  void AccessLog(httplib::Request const& req, httplib::Response const& res) {
    if (!options.access_log) return;
    long long ms = -1;
    if (t_access.start != Clock::time_point{}) {
      ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t_access.start)
               .count();
    }
    spdlog::info("http {} {} {}{}{} {} {}ms", req.remote_addr, req.method, req.path,
                 t_access.mcp.empty() ? "" : " ", t_access.mcp, res.status, ms);
    t_access = AccessInfo{};
  }
};

HttpTransport::HttpTransport(McpServer& server, HttpOptions options)
    : impl_(std::make_unique<Impl>(server, std::move(options))) {}

HttpTransport::~HttpTransport() {
  Stop();
  if (impl_->janitor.joinable()) impl_->janitor.join();
}

std::string HttpTransport::url() const {
  std::string host = impl_->options.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(impl_->options.tls_cert.empty() ? "http" : "https") + "://" + host + ":" +
         std::to_string(port_) + impl_->options.path;
}

std::size_t HttpTransport::session_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->sessions.size();
}

std::optional<std::string> HttpTransport::Bind() {
  Impl& d = *impl_;
  auto& o = d.options;
  d.loopback = IsLoopbackHost(o.host);
  for (auto const& t : o.tokens) {
    if (!t.empty()) d.token_digests.push_back(Sha256(t));
  }
  if (!d.loopback && d.token_digests.empty()) {
    return "binding to " + o.host +
           " (not loopback) requires bearer tokens: set HALO_MCP_HTTP_TOKENS or "
           "--http-token-file";
  }
  for (auto const& h : o.allowed_hosts) d.allowed_hosts.insert(HostOnly(h));
  if (!d.loopback && o.host != "0.0.0.0" && o.host != "::") {
    d.allowed_hosts.insert(HostOnly(o.host));
  }
  if (!o.tls_cert.empty() || !o.tls_key.empty()) {
    if (auto problem = CheckTls(o)) return problem;
    auto ssl = std::make_unique<httplib::SSLServer>(o.tls_cert.c_str(), o.tls_key.c_str());
    if (!ssl->is_valid()) {
      return "cannot set up TLS with --tls-cert " + o.tls_cert + " and --tls-key " + o.tls_key;
    }
    d.http = std::move(ssl);
  } else {
    d.http = std::make_unique<httplib::Server>();
  }
  auto& svr = *d.http;
  std::size_t threads = std::max<std::size_t>(2, o.threads);
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_payload_max_length(o.max_message_bytes);
  svr.set_read_timeout(o.read_timeout);
  svr.set_write_timeout(o.write_timeout);
  svr.set_keep_alive_timeout(o.keep_alive_timeout.count());
  svr.set_keep_alive_max_count(1000);
  svr.set_pre_routing_handler(
      [&d](httplib::Request const& req, httplib::Response& res) { return d.PreRoute(req, res); });
  svr.set_logger(
      [&d](httplib::Request const& req, httplib::Response const& res) { d.AccessLog(req, res); });
  svr.set_exception_handler(
      [](httplib::Request const&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (std::exception const& e) {
          what = e.what();
        } catch (...) {
        }
        spdlog::error("http: handler failed: {}", what);
        SetJson(res, 500, ErrorBody(nullptr, kInternalError, "Internal error"));
      });
  svr.Post(o.path, [&d](auto const& req, auto& res) { d.Post(req, res); });
  svr.Get(o.path, [&d](auto const& req, auto& res) { d.Get(req, res); });
  svr.Delete(o.path, [&d](auto const& req, auto& res) { d.Delete(req, res); });
  svr.Get("/healthz", [&d](auto const&, auto& res) {
    SetJson(res, 200, json{{"status", "ok"}});
    (void)d;
  });
  if (!o.auth_server.empty()) {
    auto prm = [&d](auto const& req, auto& res) { d.ProtectedResourceMetadata(req, res); };
    svr.Get("/.well-known/oauth-protected-resource", prm);
    svr.Get("/.well-known/oauth-protected-resource" + o.path, prm);
  }
  // cpp-httplib 0.11.4 listens with a backlog of 5, which drops connections when many clients
  // connect at once; remember the listening socket and raise it after binding.
  int listen_fd = -1;
  svr.set_socket_options([&listen_fd](socket_t sock) {
    httplib::default_socket_options(sock);
    listen_fd = sock;
  });
  if (o.port == 0) {
    port_ = svr.bind_to_any_port(o.host);
    if (port_ <= 0) return "cannot bind " + o.host + " to any port";
  } else {
    if (!svr.bind_to_port(o.host, o.port)) {
      return "cannot bind " + o.host + ":" + std::to_string(o.port) + " (in use?)";
    }
    port_ = o.port;
  }
  if (listen_fd >= 0) ::listen(listen_fd, SOMAXCONN);
  svr.set_socket_options(httplib::default_socket_options);  // drop the reference to listen_fd
  d.pool = std::make_unique<WorkerPool>(std::max<std::size_t>(1, o.workers), o.max_queued);
  d.janitor = std::thread([&d] {
    std::unique_lock lock(d.mu);
    auto period = std::clamp(d.options.session_idle_timeout / 2, std::chrono::milliseconds(50),
                             std::chrono::milliseconds(30'000));
    while (!d.stopping) {
      d.stop_cv.wait_for(lock, period);
      d.SweepLocked(Clock::now());
    }
    // Draining: give running calls their time, then cancel them.
    auto deadline = Clock::now() + d.options.drain_timeout;
    while (!d.active.empty() && Clock::now() < deadline) {
      d.stop_cv.wait_for(lock, std::chrono::milliseconds(50));
    }
    for (auto const& ex : d.active) ex->Cancel();
    for (auto& [id, s] : d.sessions) d.EndSessionLocked(*s);
  });
  return std::nullopt;
}

void HttpTransport::Run() {
  if (!impl_->http) return;
  impl_->http->listen_after_bind();  // returns once stopped and the thread pool has drained
  impl_->pool->Drain();
}

void HttpTransport::Stop() {
  Impl& d = *impl_;
  {
    std::lock_guard lock(d.mu);
    if (d.stopping) return;
    d.stopping = true;
    // Standalone GET streams never end on their own.
    for (auto& [id, s] : d.sessions) {
      if (s->stream) s->stream->Finish(nullptr);
    }
    d.stop_cv.notify_all();
  }
  if (d.http) d.http->stop();
}

}  // namespace mcp
