#include "sim/simulator.h"

#include "sim/api_routes.h"
#include "sim/api_util.h"
#include "sim/tenant_generator.h"

#include <httplib.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <dirent.h>
#include <filesystem>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <random>
#include <set>
#include <shared_mutex>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace halo_sim {
namespace {

/// An HTTP Date header (IMF-fixdate), as every real web server sends.
std::string HttpDate(std::chrono::system_clock::time_point t) {
  std::time_t const seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

using SteadyClock = std::chrono::steady_clock;

std::shared_ptr<spdlog::logger> Logger() {
  // Never stdout: the MCP server may embed the simulator while speaking JSON-RPC on stdout.
  static std::shared_ptr<spdlog::logger> const logger = [] {
    if (auto existing = spdlog::get("halo_sim")) return existing;
    auto l = std::make_shared<spdlog::logger>("halo_sim",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_level(spdlog::level::info);
    return l;
  }();
  return logger;
}

std::string RandomHex(std::size_t bytes) {
  static thread_local std::mt19937_64 rng{
      std::random_device{}() ^
      static_cast<std::uint64_t>(SteadyClock::now().time_since_epoch().count())};
  static char const* const kHex = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    auto b = static_cast<unsigned>(rng() & 0xff);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::set<std::string> const& KnownScopes() {
  static std::set<std::string> const kScopes = [] {
    std::set<std::string> s = {"all", "all:standard", "admin", "offline_access"};
    for (char const* area : {"tickets", "customers", "assets", "kb", "contracts", "invoices",
                             "sales", "timesheets", "calendar", "crm", "projects", "suppliers",
                             "items", "software", "reporting", "releases"}) {
      s.insert(std::string("read:") + area);
      s.insert(std::string("edit:") + area);
    }
    return s;
  }();
  return kScopes;
}

std::vector<std::string> SplitScopes(std::string const& scope) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : scope) {
    if (c == ' ' || c == '+' || c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string RawQuery(httplib::Request const& req) {
  auto pos = req.target.find('?');
  return pos == std::string::npos ? std::string() : req.target.substr(pos + 1);
}

std::string RedactSecret(std::string body) {
  auto pos = body.find("client_secret=");
  if (pos == std::string::npos) return body;
  pos += 14;
  auto end = body.find('&', pos);
  body.replace(pos, end == std::string::npos ? std::string::npos : end - pos, "REDACTED");
  return body;
}

int SockPort(sockaddr_storage const& addr) {
  if (addr.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<sockaddr_in const*>(&addr)->sin_port);
  }
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6 const*>(&addr)->sin6_port);
  }
  return -1;
}

/// cpp-httplib 0.11.4 gives handlers no access to the socket. Find the server side of this
/// connection among the process's descriptors (local port = ours, peer port = the client's) and
/// shut it down, so the client sees the connection close without a (complete) response.
/// Only used for the reset / ambiguous-write faults. Caveat: another thread may close and reuse
/// a descriptor during the scan (ThreadSanitizer reports the fstat as a race when the client
/// lives in the same process); both ports are re-checked right before the shutdown, so the
/// window is a few instructions wide.
bool ShutdownConnection(int local_port, int remote_port) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return false;
  bool done = false;
  while (auto* entry = ::readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == ::dirfd(dir)) continue;
    struct stat st {};
    if (::fstat(static_cast<int>(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t llen = sizeof local, plen = sizeof peer;
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &llen) != 0) {
      continue;
    }
    if (::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &plen) != 0) {
      continue;
    }
    if (SockPort(local) == local_port && SockPort(peer) == remote_port) {
      ::shutdown(static_cast<int>(fd), SHUT_RDWR);
      done = true;
      break;
    }
  }
  ::closedir(dir);
  return done;
}

Json FaultsToJson(Faults const& f) {
  return Json{{"latency_ms", f.latency_ms},
              {"latency_includes_work", f.latency_includes_work},
              {"fail_5xx_next", f.fail_5xx_next},
              {"reset_next", f.reset_next},
              {"ambiguous_writes_next", f.ambiguous_writes_next},
              {"slow_next", f.slow_next},
              {"slow_ms", f.slow_ms},
              {"rate_limit_next", f.rate_limit_next},
              {"revoke_tokens", f.revoke_tokens}};
}

void FaultsFromJson(Json const& j, Faults& f) {
  f.latency_ms = j.value("latency_ms", f.latency_ms);
  f.latency_includes_work = j.value("latency_includes_work", f.latency_includes_work);
  f.fail_5xx_next = j.value("fail_5xx_next", f.fail_5xx_next);
  f.reset_next = j.value("reset_next", f.reset_next);
  f.ambiguous_writes_next = j.value("ambiguous_writes_next", f.ambiguous_writes_next);
  f.slow_next = j.value("slow_next", f.slow_next);
  f.slow_ms = j.value("slow_ms", f.slow_ms);
  f.rate_limit_next = j.value("rate_limit_next", f.rate_limit_next);
  f.revoke_tokens = j.value("revoke_tokens", f.revoke_tokens);
}

struct TokenInfo {
  std::string client_id;
  std::set<std::string> scopes;
  SteadyClock::time_point expires;
};

/// A JSON answer already serialized.
void SendJsonText(httplib::Response& res, int status, std::string text) {
  res.status = status;
  res.body = std::move(text);
  res.set_header("Content-Type", "application/json; charset=utf-8");
}

void SendJson(httplib::Response& res, int status, Json const& body) {
  SendJsonText(res, status, body.dump());
}

}  // namespace

struct Simulator::Impl {
  explicit Impl(SimOptions o) : options(std::move(o)) {
    api.accept_bare_object = options.accept_bare_object;
    api.echo_paging = options.echo_paging;
    api.require_site_for_user = options.require_site_for_user;
    api.default_page_size = options.default_page_size;
    api.honour_actionby_agent = options.honour_actionby_agent;
  }

  SimOptions options;
  ApiOptions api;
  httplib::Server server;
  std::thread listener;
  std::atomic<int> port{0};
  bool started = false;

  mutable std::shared_mutex store_mu;  // guards store
  Store store;

  mutable std::mutex mu;  // guards everything below
  std::string client_id, client_secret;
  std::map<std::string, TokenInfo> tokens;
  std::map<std::string, std::deque<SteadyClock::time_point>> windows;
  Faults faults;
  std::deque<LoggedRequest> log;
  int token_requests = 0;

  // Debounced persistence.
  std::mutex file_mu;  // one writer of data_file at a time
  std::mutex save_mu;
  std::condition_variable save_cv;
  bool dirty = false;
  bool stopping = false;
  std::thread saver;

  std::optional<std::string> PrepareData();
  void GenerateInto(Store& s) const;
  void MarkDirty();
  void SaverLoop();
  std::optional<std::string> Save();

  void Handle(httplib::Request const& req, httplib::Response& res);
  void HandleAdmin(httplib::Request const& req, httplib::Response& res);
  int HandleToken(httplib::Request const& req, httplib::Response& res);
  /// Returns the status sent, or 0 when the connection was dropped.
  /// `answer_at`: when the request's answer is due (a dropped connection waits for it too).
  int HandleApiRequest(httplib::Request const& req, httplib::Response& res,
                       std::chrono::steady_clock::time_point answer_at);
  void Record(httplib::Request const& req, int status);
  static constexpr int kAlreadyLogged = -1;
  bool Drop(httplib::Request const& req, httplib::Response& res,
            std::chrono::steady_clock::time_point answer_at);
  std::string IssueToken(std::string const& cid, std::set<std::string> scopes,
                         std::chrono::seconds ttl);
  std::string RateLimitMessage() const;
};

void Simulator::Impl::GenerateInto(Store& s) const {
  TenantSize size;
  size.clients = options.clients;
  size.tickets = options.tickets;
  size.assets = options.assets;
  size.users_per_client = options.users_per_client;
  size.agents = options.agents;
  auto anchor = options.anchor_epoch != 0 ? options.anchor_epoch : NowSeconds();
  GenerateTenant(s, options.seed, size, anchor);
}

std::optional<std::string> Simulator::Impl::PrepareData() {
  Store fresh;
  bool loaded = false;
  if (!options.data_file.empty() && std::filesystem::exists(options.data_file)) {
    if (auto err = fresh.LoadFromFile(options.data_file)) return err;
    loaded = true;
    Logger()->debug("loaded tenant from {}", options.data_file);
  } else {
    GenerateInto(fresh);
  }
  {
    std::lock_guard lock(mu);
    client_id = options.client_id;
    client_secret = options.client_secret;
    // A data file keeps its credentials unless the options name others.
    auto const& meta = fresh.meta();
    if (client_id.empty()) client_id = meta.value("client_id", "");
    if (client_secret.empty()) client_secret = meta.value("client_secret", "");
    if (client_id.empty()) client_id = RandomHex(16);
    if (client_secret.empty()) client_secret = RandomHex(24);
    fresh.meta()["client_id"] = client_id;
    fresh.meta()["client_secret"] = client_secret;
  }
  {
    std::lock_guard lock(store_mu);
    store = std::move(fresh);
  }
  if (!options.data_file.empty() && !loaded) return Save();
  return std::nullopt;
}

std::optional<std::string> Simulator::Impl::Save() {
  if (options.data_file.empty()) return std::nullopt;
  std::lock_guard file_lock(file_mu);
  Json data;
  {
    std::lock_guard lock(store_mu);
    data = store.ToJson();
  }
  auto err = Store::WriteFileAtomic(options.data_file, data.dump());
  if (err) Logger()->error("saving {} failed: {}", options.data_file, *err);
  return err;
}

void Simulator::Impl::MarkDirty() {
  if (options.data_file.empty()) return;
  {
    std::lock_guard lock(save_mu);
    dirty = true;
  }
  save_cv.notify_one();
}

void Simulator::Impl::SaverLoop() {
  std::unique_lock lock(save_mu);
  while (true) {
    save_cv.wait(lock, [&] { return dirty || stopping; });
    if (stopping && !dirty) return;
    if (!stopping) {
      save_cv.wait_for(lock, std::chrono::milliseconds(options.save_debounce_ms),
                       [&] { return stopping; });
    }
    dirty = false;
    lock.unlock();
    Save();
    lock.lock();
  }
}

std::string Simulator::Impl::IssueToken(std::string const& cid, std::set<std::string> scopes,
                                        std::chrono::seconds ttl) {
  auto token = RandomHex(32);
  std::lock_guard lock(mu);
  tokens[token] = TokenInfo{cid, std::move(scopes), SteadyClock::now() + ttl};
  return token;
}

std::string Simulator::Impl::RateLimitMessage() const {
  auto const w = options.rate_limit_window_seconds;
  std::string window =
      w % 60 == 0 ? std::to_string(w / 60) + " minute" : std::to_string(w) + " second";
  return "Rate Limit Reached - " + std::to_string(options.rate_limit_requests) +
         " Requests per rolling " + window + " window";
}

bool Simulator::Impl::Drop(httplib::Request const& req, httplib::Response& res,
                           std::chrono::steady_clock::time_point answer_at) {
  std::this_thread::sleep_until(answer_at);
  int const local = req.local_port > 0 ? req.local_port : port.load();
  if (ShutdownConnection(local, req.remote_port)) {
    res.status = 500;
    res.set_header("Connection", "close");
    return true;
  }
  // Fallback: promise a body and never deliver it; the client sees a truncated response.
  res.status = 200;
  res.set_content_provider(1024, "application/json",
                           [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
  return false;
}

void Simulator::Impl::Handle(httplib::Request const& req, httplib::Response& res) {
  auto const path = Lower(req.path);
  if (path.rfind("/_sim", 0) == 0) {
    if (!options.admin) {
      SendJson(res, 404, Json{{"error", "Not found"}});
      return;
    }
    HandleAdmin(req, res);
    return;
  }
  Faults f;
  bool slow = false;
  {
    std::lock_guard lock(mu);
    f = faults;
    if (faults.slow_next > 0) {
      --faults.slow_next;
      slow = true;
    }
  }
  auto const arrived = std::chrono::steady_clock::now();
  int const before = (f.latency_includes_work ? 0 : f.latency_ms) + (slow ? f.slow_ms : 0);
  if (before > 0) std::this_thread::sleep_for(std::chrono::milliseconds(before));
  auto const answer_at = f.latency_includes_work
                             ? arrived + std::chrono::milliseconds(before + f.latency_ms)
                             : arrived;

  int status = 0;
  if (path == "/auth/token") {
    status = HandleToken(req, res);
  } else if (path == "/api" || path.rfind("/api/", 0) == 0) {
    status = HandleApiRequest(req, res, answer_at);
  } else {
    SendJson(res, 404, Json{{"error", "Not found"}});
    status = 404;
  }
  if (status != kAlreadyLogged) Record(req, status);
  // httplib sends the answer once this handler returns.
  std::this_thread::sleep_until(answer_at);
}

void Simulator::Impl::Record(httplib::Request const& req, int status) {
  std::lock_guard lock(mu);
  auto body = Lower(req.path) == "/auth/token" ? RedactSecret(req.body) : req.body;
  log.push_back(LoggedRequest{req.method, req.path, RawQuery(req), std::move(body), status});
  while (log.size() > options.max_logged_requests) log.pop_front();
}

int Simulator::Impl::HandleToken(httplib::Request const& req, httplib::Response& res) {
  {
    std::lock_guard lock(mu);
    ++token_requests;
  }
  auto oauth_error = [&](int status, std::string const& error, std::string const& description) {
    SendJson(res, status, Json{{"error", error}, {"error_description", description}});
    return status;
  };
  if (req.method != "POST") return oauth_error(405, "invalid_request", "Use POST");
  // httplib merges query and form parameters; some clients send tenant as a form field.
  std::string const tenant = req.get_param_value("tenant");
  if (!options.tenant.empty() && tenant != options.tenant) {
    return oauth_error(401, "invalid_client",
                       tenant.empty() ? "The tenant query parameter is required"
                                      : "Unknown tenant '" + tenant + "'");
  }
  auto const grant = req.get_param_value("grant_type");
  if (grant != "client_credentials") {
    return oauth_error(400, "unsupported_grant_type",
                       "Only grant_type=client_credentials is supported");
  }
  std::string expected_id, expected_secret;
  {
    std::lock_guard lock(mu);
    expected_id = client_id;
    expected_secret = client_secret;
  }
  if (req.get_param_value("client_id") != expected_id ||
      req.get_param_value("client_secret") != expected_secret) {
    return oauth_error(401, "invalid_client", "Invalid client id or secret");
  }
  auto scope = req.get_param_value("scope");
  if (scope.empty()) scope = "all";
  auto const scopes = SplitScopes(scope);
  for (auto const& s : scopes) {
    if (!KnownScopes().count(s)) {
      return oauth_error(400, "invalid_scope", "Unknown scope '" + s + "'");
    }
  }
  auto const ttl = std::chrono::seconds(options.token_ttl_seconds);
  auto token = IssueToken(expected_id, std::set<std::string>(scopes.begin(), scopes.end()), ttl);
  std::string joined;
  for (auto const& s : scopes) joined += (joined.empty() ? "" : " ") + s;
  SendJson(res, 200,
           Json{{"access_token", token},
                {"token_type", "Bearer"},
                {"expires_in", options.token_ttl_seconds},
                {"scope", joined}});
  return 200;
}

int Simulator::Impl::HandleApiRequest(httplib::Request const& req, httplib::Response& res,
                                      std::chrono::steady_clock::time_point answer_at) {
  // Split /api/<resource>[/<id>]; paths are case-insensitive in HaloPSA.
  std::vector<std::string> segments;
  {
    std::string_view rest(req.path);
    rest.remove_prefix(std::min<std::size_t>(4, rest.size()));
    while (!rest.empty()) {
      if (rest.front() == '/') {
        rest.remove_prefix(1);
        continue;
      }
      auto slash = rest.find('/');
      segments.emplace_back(rest.substr(0, slash));
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash);
    }
  }
  if (segments.size() == 1 && Lower(segments[0]) == "authinfo" && req.method == "GET") {
    SendJson(
        res, 200,
        Json{{"auth_url", "http://" + options.host + ":" + std::to_string(port.load()) + "/auth"},
             {"tenant_id", options.tenant}});
    return 200;
  }

  // Scripted faults, before anything is applied.
  enum class Fault { kNone, kRateLimit, kFail, kReset } fault = Fault::kNone;
  bool const is_write = req.method == "POST" || req.method == "DELETE";
  bool ambiguous = false;
  {
    std::lock_guard lock(mu);
    if (faults.rate_limit_next > 0) {
      --faults.rate_limit_next;
      fault = Fault::kRateLimit;
    } else if (faults.fail_5xx_next > 0) {
      --faults.fail_5xx_next;
      fault = Fault::kFail;
    } else if (faults.reset_next > 0) {
      --faults.reset_next;
      fault = Fault::kReset;
    } else if (is_write && faults.ambiguous_writes_next > 0) {
      --faults.ambiguous_writes_next;
      ambiguous = true;
    }
  }
  switch (fault) {
    case Fault::kRateLimit:
      if (options.send_retry_after) res.set_header("Retry-After", "5");
      SendJson(res, 429, Json{{"error", RateLimitMessage()}});
      return 429;
    case Fault::kFail:
      SendJson(res, 503, Json{{"error", "Service Unavailable"}});
      return 503;
    case Fault::kReset:
      Record(req, 0);
      Drop(req, res, answer_at);
      return kAlreadyLogged;
    case Fault::kNone:
      break;
  }

  // Bearer token.
  auto const auth = req.get_header_value("Authorization");
  std::string token;
  if (auth.size() > 7 && Lower(auth.substr(0, 7)) == "bearer ") token = auth.substr(7);
  TokenInfo info;
  bool valid = false;
  {
    std::lock_guard lock(mu);
    auto it = tokens.find(token);
    if (it != tokens.end() && it->second.expires > SteadyClock::now()) {
      info = it->second;
      valid = true;
    } else if (it != tokens.end()) {
      tokens.erase(it);
    }
  }
  if (!valid) {
    res.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    SendJson(res, 401,
             Json{{"error", "invalid_token"},
                  {"error_description", token.empty() ? "Authorization has been denied for "
                                                        "this request."
                                                      : "The access token is invalid or expired"}});
    return 401;
  }

  // Rolling window per API client.
  if (options.rate_limit_requests > 0) {
    auto const now = SteadyClock::now();
    auto const window = std::chrono::seconds(options.rate_limit_window_seconds);
    std::optional<std::chrono::seconds> retry;
    {
      std::lock_guard lock(mu);
      auto& w = windows[info.client_id];
      while (!w.empty() && w.front() + window <= now) w.pop_front();
      if (static_cast<int>(w.size()) >= options.rate_limit_requests) {
        auto wait = std::chrono::duration_cast<std::chrono::seconds>(w.front() + window - now);
        retry = std::max(wait + std::chrono::seconds(1), std::chrono::seconds(1));
      } else {
        w.push_back(now);
      }
    }
    if (retry) {
      if (options.send_retry_after) res.set_header("Retry-After", std::to_string(retry->count()));
      SendJson(res, 429, Json{{"error", RateLimitMessage()}});
      return 429;
    }
  }

  if (segments.empty() || segments.size() > 3) {
    SendJson(res, 404, Json{{"error", "Not found"}});
    return 404;
  }
  auto const* entity = FindEntity(segments[0]);
  if (entity == nullptr) {
    SendJson(res, 404, Json{{"error", "No HTTP resource was found that matches the request URI"}});
    return 404;
  }

  // Scopes: reads need read:<area>, edit:<area> or all; writes need edit:<area> or all.
  std::string const area(entity->area);
  if (!ScopeAllows(info.scopes, area, is_write)) {
    std::string const needed = area.empty() ? "all" : (is_write ? "edit:" : "read:") + area;
    SendJson(res, 403,
             Json{{"error", "insufficient_scope"},
                  {"error_description", "The access token does not grant '" + needed + "'"}});
    return 403;
  }

  ApiRequest api_req;
  api_req.method = req.method;
  api_req.resource = std::string(entity->name);
  api_req.sub = segments.size() > 2 ? segments[1] : "";
  api_req.id = segments.size() > 1 ? segments.back() : "";
  for (auto const& [k, v] : req.params) api_req.params.emplace(Lower(k), v);
  api_req.body = req.body;
  api_req.scopes = info.scopes;
  ApiResponse out;
  if (ReadsOnly(api_req)) {
    // Lists share the lock: concurrent page fetches are served in parallel, as HaloPSA does.
    std::shared_lock lock(store_mu);
    out = HandleRead(store, api, api_req, NowSeconds());
  } else {
    std::lock_guard lock(store_mu);
    out = HandleApi(store, api, api_req, NowSeconds());
  }
  if (out.wrote) MarkDirty();
  if (ambiguous) {
    // The write is applied; the client never learns it.
    // Logged before the connection drops, so a test that sees the client's error also sees
    // the request in the log.
    Record(req, 0);
    Drop(req, res, answer_at);
    return kAlreadyLogged;
  }
  if (!out.content_type.empty()) {
    res.status = out.status;
    std::string name;
    for (char c : out.filename) name.push_back(c == '"' || c == '\\' || c < ' ' ? '_' : c);
    res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
    res.set_content(out.raw, out.content_type.c_str());
    return out.status;
  }
  if (!out.json_text.empty()) {
    SendJsonText(res, out.status, std::move(out.json_text));
  } else {
    SendJson(res, out.status, out.body);
  }
  return out.status;
}

void Simulator::Impl::HandleAdmin(httplib::Request const& req, httplib::Response& res) {
  auto const path = Lower(req.path);
  if (path == "/_sim/faults") {
    if (req.method == "POST") {
      auto body = Json::parse(req.body, nullptr, false);
      if (!body.is_object()) {
        SendJson(res, 400, Json{{"error", "body must be a JSON object of Faults fields"}});
        return;
      }
      Faults f;
      {
        std::lock_guard lock(mu);
        f = faults;
      }
      FaultsFromJson(body, f);
      if (f.revoke_tokens) {
        std::lock_guard lock(mu);
        tokens.clear();
        f.revoke_tokens = false;
      }
      std::lock_guard lock(mu);
      faults = f;
      SendJson(res, 200, FaultsToJson(faults));
      return;
    }
    if (req.method == "DELETE") {
      std::lock_guard lock(mu);
      faults = Faults{};
      SendJson(res, 200, FaultsToJson(faults));
      return;
    }
    std::lock_guard lock(mu);
    SendJson(res, 200, FaultsToJson(faults));
    return;
  }
  if (path == "/_sim/requests") {
    std::lock_guard lock(mu);
    if (req.method == "DELETE") {
      log.clear();
      SendJson(res, 200, Json{{"cleared", true}});
      return;
    }
    Json out = Json::array();
    for (auto const& r : log) {
      out.push_back(Json{{"method", r.method},
                         {"path", r.path},
                         {"query", r.query},
                         {"body", r.body},
                         {"status", r.status}});
    }
    SendJson(res, 200, out);
    return;
  }
  if (path == "/_sim/revoke" && req.method == "POST") {
    std::lock_guard lock(mu);
    tokens.clear();
    SendJson(res, 200, Json{{"revoked", true}});
    return;
  }
  if (path == "/_sim/token" && req.method == "POST") {
    auto body = Json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (!body.is_object()) body = Json::object();
    auto scopes = SplitScopes(body.value("scope", std::string("all")));
    auto ttl = std::chrono::seconds(body.value("ttl_seconds", options.token_ttl_seconds));
    std::string cid;
    {
      std::lock_guard lock(mu);
      cid = client_id;
    }
    auto token = IssueToken(cid, std::set<std::string>(scopes.begin(), scopes.end()), ttl);
    SendJson(res, 200, Json{{"access_token", token}, {"expires_in", ttl.count()}});
    return;
  }
  if (path == "/_sim/reset" && req.method == "POST") {
    Store fresh;
    GenerateInto(fresh);
    {
      std::lock_guard lock(mu);
      fresh.meta()["client_id"] = client_id;
      fresh.meta()["client_secret"] = client_secret;
    }
    {
      std::lock_guard lock(store_mu);
      store = std::move(fresh);
    }
    MarkDirty();
    SendJson(res, 200, Json{{"reset", true}});
    return;
  }
  SendJson(res, 404, Json{{"error", "Unknown admin endpoint"}});
}

Simulator::Simulator(SimOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Simulator::~Simulator() { Stop(); }

std::optional<std::string> Simulator::Start() {
  auto& d = *impl_;
  if (d.started) return "already started";
  if (auto err = d.PrepareData()) return err;

  auto const threads = static_cast<std::size_t>(std::max(1, d.options.threads));
  d.server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Headers and body go out in separate writes: with Nagle on, each answer waits for the
  // client's delayed ACK (tens of ms on loopback), which no real tenant adds.
  d.server.set_tcp_nodelay(true);
  auto handler = [&d](httplib::Request const& req, httplib::Response& res) {
    res.set_header("Date", HttpDate(std::chrono::system_clock::now() +
                                    std::chrono::seconds(d.options.clock_skew_seconds)));
    try {
      d.Handle(req, res);
    } catch (std::exception const& e) {
      Logger()->error("request {} {} failed: {}", req.method, req.path, e.what());
      SendJson(res, 500, Json{{"error", "Internal error"}});
    }
  };
  // One catch-all handler per method: HaloPSA paths are case-insensitive, httplib's are not.
  d.server.Get(".*", handler);
  d.server.Post(".*", handler);
  d.server.Delete(".*", handler);
  d.server.Put(".*", handler);
  d.server.Patch(".*", handler);

  int bound = 0;
  if (d.options.port == 0) {
    bound = d.server.bind_to_any_port(d.options.host);
  } else if (d.server.bind_to_port(d.options.host, d.options.port)) {
    bound = d.options.port;
  }
  if (bound <= 0) {
    return "cannot bind " + d.options.host + ":" + std::to_string(d.options.port);
  }
  d.port = bound;
  d.listener = std::thread([&d] { d.server.listen_after_bind(); });
  auto const deadline = SteadyClock::now() + std::chrono::seconds(10);
  while (!d.server.is_running() && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!d.server.is_running()) {
    d.server.stop();
    if (d.listener.joinable()) d.listener.join();
    return "server did not start listening";
  }
  d.stopping = false;
  if (!d.options.data_file.empty()) d.saver = std::thread([&d] { d.SaverLoop(); });
  d.started = true;
  Logger()->debug("HaloPSA simulator listening on {}", base_url());
  return std::nullopt;
}

void Simulator::Stop() {
  auto& d = *impl_;
  if (!d.started) return;
  d.server.stop();
  if (d.listener.joinable()) d.listener.join();
  {
    std::lock_guard lock(d.save_mu);
    d.stopping = true;
  }
  d.save_cv.notify_all();
  if (d.saver.joinable()) d.saver.join();
  d.started = false;
}

int Simulator::port() const { return impl_->port.load(); }

std::string Simulator::base_url() const {
  return "http://" + impl_->options.host + ":" + std::to_string(impl_->port.load());
}

std::string Simulator::tenant() const { return impl_->options.tenant; }

std::string Simulator::client_id() const {
  std::lock_guard lock(impl_->mu);
  return impl_->client_id;
}

std::string Simulator::client_secret() const {
  std::lock_guard lock(impl_->mu);
  return impl_->client_secret;
}

void Simulator::SetFaults(Faults const& f) {
  std::lock_guard lock(impl_->mu);
  impl_->faults = f;
  if (f.revoke_tokens) {
    impl_->tokens.clear();
    impl_->faults.revoke_tokens = false;
  }
}

Faults Simulator::faults() const {
  std::lock_guard lock(impl_->mu);
  return impl_->faults;
}

std::vector<LoggedRequest> Simulator::requests() const {
  std::lock_guard lock(impl_->mu);
  return {impl_->log.begin(), impl_->log.end()};
}

void Simulator::ClearRequests() {
  std::lock_guard lock(impl_->mu);
  impl_->log.clear();
}

void Simulator::RevokeTokens() {
  std::lock_guard lock(impl_->mu);
  impl_->tokens.clear();
}

std::string Simulator::IssueToken(std::string const& scope, std::chrono::seconds ttl) {
  auto scopes = SplitScopes(scope);
  return impl_->IssueToken(client_id(), std::set<std::string>(scopes.begin(), scopes.end()), ttl);
}

int Simulator::token_requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->token_requests;
}

void Simulator::WithStore(std::function<void(Store&)> const& f) {
  {
    std::lock_guard lock(impl_->store_mu);
    f(impl_->store);
  }
  impl_->MarkDirty();
}

void Simulator::ResetData() {
  Store fresh;
  impl_->GenerateInto(fresh);
  {
    std::lock_guard lock(impl_->mu);
    fresh.meta()["client_id"] = impl_->client_id;
    fresh.meta()["client_secret"] = impl_->client_secret;
  }
  {
    std::lock_guard lock(impl_->store_mu);
    impl_->store = std::move(fresh);
  }
  impl_->MarkDirty();
}

std::optional<std::string> Simulator::SaveNow() { return impl_->Save(); }

}  // namespace halo_sim
