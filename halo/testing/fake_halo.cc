#include "halo/testing/fake_halo.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace halo::testing {
namespace {

using nlohmann::json;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string PercentDecode(std::string const& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> ParseForm(std::string const& body) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    auto amp = body.find('&', pos);
    std::string pair = body.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    auto eq = pair.find('=');
    if (!pair.empty()) {
      out[PercentDecode(pair.substr(0, eq))] =
          eq == std::string::npos ? "" : PercentDecode(pair.substr(eq + 1));
    }
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return out;
}

void Json(httplib::Response& res, int status, json const& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

}  // namespace

FakeHalo::FakeHalo() : server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(32); };
  server_->set_keep_alive_timeout(2);
  server_->set_tcp_nodelay(true);
  auto api = [this](httplib::Request const& req, httplib::Response& res) { Handle(req, res); };
  server_->Post("/auth/token", [this](httplib::Request const& req, httplib::Response& res) {
    HandleToken(req, res);
  });
  server_->Get(R"(/api/.*)", api);
  server_->Post(R"(/api/.*)", api);
  server_->Delete(R"(/api/.*)", api);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FakeHalo: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // cpp-httplib 0.11.4 has no wait_until_ready(): poll.
  for (int i = 0; i < 500 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

FakeHalo::~FakeHalo() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void FakeHalo::set_token_expires_in(int seconds) {
  std::lock_guard<std::mutex> lk(mu_);
  expires_in_ = seconds;
}

void FakeHalo::set_token_latency(std::chrono::milliseconds d) {
  std::lock_guard<std::mutex> lk(mu_);
  token_latency_ = d;
}

int FakeHalo::token_requests() const {
  std::lock_guard<std::mutex> lk(mu_);
  return token_requests_;
}

std::string FakeHalo::last_token() const {
  std::lock_guard<std::mutex> lk(mu_);
  return token_counter_ == 0 ? "" : "tok-" + std::to_string(token_counter_) + "-abcdef123456";
}

void FakeHalo::RevokeTokens() {
  std::lock_guard<std::mutex> lk(mu_);
  valid_tokens_.clear();
}

void FakeHalo::AddList(std::string const& path, json rows, std::string key, ListShape shape,
                       int served_page_cap) {
  std::lock_guard<std::mutex> lk(mu_);
  lists_[Lower(path)] = List{std::move(rows), std::move(key), shape, served_page_cap};
}

void FakeHalo::set_list_jitter(std::chrono::milliseconds max) {
  std::lock_guard<std::mutex> lk(mu_);
  list_jitter_ = max;
}

void FakeHalo::Script(std::string const& method, std::string const& path, Scripted s) {
  std::lock_guard<std::mutex> lk(mu_);
  scripts_[method + " " + Lower(path)].push_back(std::move(s));
}

std::vector<SeenRequest> FakeHalo::requests() const {
  std::lock_guard<std::mutex> lk(mu_);
  return seen_;
}

int FakeHalo::count(std::string const& method, std::string const& path) const {
  std::lock_guard<std::mutex> lk(mu_);
  return static_cast<int>(std::count_if(seen_.begin(), seen_.end(), [&](SeenRequest const& r) {
    return r.method == method && Lower(r.path) == Lower(path);
  }));
}

void FakeHalo::clear_requests() {
  std::lock_guard<std::mutex> lk(mu_);
  seen_.clear();
}

void FakeHalo::set_tenant(std::string tenant) {
  std::lock_guard<std::mutex> lk(mu_);
  tenant_ = std::move(tenant);
}

std::string FakeHalo::tenant() const {
  std::lock_guard<std::mutex> lk(mu_);
  return tenant_;
}

void FakeHalo::HandleToken(httplib::Request const& req, httplib::Response& res) {
  std::chrono::milliseconds latency;
  {
    std::lock_guard<std::mutex> lk(mu_);
    ++token_requests_;
    latency = token_latency_;
    SeenRequest seen;
    seen.method = req.method;
    seen.path = req.path;
    seen.body = req.body;
    seen.user_agent = req.get_header_value("User-Agent");
    for (auto const& [k, v] : req.params) seen.params[k] = v;
    seen_.push_back(std::move(seen));
  }
  if (latency.count() > 0) std::this_thread::sleep_for(latency);
  auto form = ParseForm(req.body);
  std::lock_guard<std::mutex> lk(mu_);
  if (req.get_header_value("Content-Type").find("application/x-www-form-urlencoded") != 0) {
    return Json(res, 400, {{"error", "invalid_request"}});
  }
  if (!tenant_.empty() && req.get_param_value("tenant") != tenant_) {
    return Json(res, 400, {{"error", "invalid_request"}, {"error_description", "Invalid tenant"}});
  }
  if (form["grant_type"] != "client_credentials") {
    return Json(res, 400, {{"error", "unsupported_grant_type"}});
  }
  if (form["client_id"] != client_id || form["client_secret"] != client_secret) {
    return Json(res, 401, {{"error", "invalid_client"}});
  }
  if (!scopes.count(form["scope"])) {
    return Json(res, 400, {{"error", "invalid_scope"}});
  }
  ++token_counter_;
  std::string token = "tok-" + std::to_string(token_counter_) + "-abcdef123456";
  valid_tokens_.insert(token);
  Json(res, 200,
       {{"access_token", token},
        {"token_type", "Bearer"},
        {"expires_in", expires_in_},
        {"scope", form["scope"]}});
}

void FakeHalo::Handle(httplib::Request const& req, httplib::Response& res) {
  std::string auth = req.get_header_value("Authorization");
  std::string key = req.method + " " + Lower(req.path);
  std::optional<Scripted> script;
  std::optional<List> list;
  std::chrono::milliseconds jitter{0};
  bool authorised = false;
  {
    std::lock_guard<std::mutex> lk(mu_);
    SeenRequest seen;
    seen.method = req.method;
    seen.path = req.path;
    seen.body = req.body;
    seen.authorization = auth;
    seen.user_agent = req.get_header_value("User-Agent");
    for (auto const& [k, v] : req.params) seen.params[k] = v;
    seen_.push_back(std::move(seen));
    authorised = auth.rfind("Bearer ", 0) == 0 && valid_tokens_.count(auth.substr(7)) > 0;
    if (authorised) {
      if (auto it = scripts_.find(key); it != scripts_.end() && !it->second.empty()) {
        script = it->second.front();
        it->second.pop_front();
      } else if (req.method == "GET") {
        if (auto l = lists_.find(Lower(req.path)); l != lists_.end()) list = l->second;
        if (list_jitter_.count() > 0) {
          rng_state_ ^= rng_state_ << 13;
          rng_state_ ^= rng_state_ >> 7;
          rng_state_ ^= rng_state_ << 17;
          jitter = std::chrono::milliseconds(rng_state_ %
                                             static_cast<std::uint64_t>(list_jitter_.count()));
        }
      }
    }
  }
  if (!authorised) return Json(res, 401, {{"error", "invalid_token"}});

  if (script) {
    switch (script->action) {
      case Scripted::Action::kDelay:
        std::this_thread::sleep_for(script->delay);
        [[fallthrough]];
      case Scripted::Action::kRespond:
        res.status = script->status;
        if (!script->retry_after.empty()) res.set_header("Retry-After", script->retry_after);
        res.set_content(script->body, "application/json");
        return;
      case Scripted::Action::kChunked: {
        res.status = script->status;
        std::string body = script->body;
        res.set_chunked_content_provider(
            "application/json", [body](std::size_t offset, httplib::DataSink& sink) {
              if (offset >= body.size()) {
                sink.done();
                return true;
              }
              auto n = std::min<std::size_t>(1024, body.size() - offset);
              return sink.write(body.data() + offset, n);
            });
        return;
      }
      case Scripted::Action::kTruncate: {
        std::string body = script->body.size() < 4 ? std::string(64, ' ') : script->body;
        res.status = 200;
        res.set_content_provider(body.size() * 2, "application/json",
                                 [body](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                   if (offset == 0) {
                                     sink.write(body.data(), body.size() / 2);
                                     return true;
                                   }
                                   return false;  // give up mid-body: the connection closes
                                 });
        return;
      }
    }
  }

  if (list) {
    if (jitter.count() > 0) std::this_thread::sleep_for(jitter);
    auto const& rows = list->rows;
    auto total = static_cast<std::int64_t>(rows.size());
    bool paging = req.get_param_value("pageinate") == "true" && req.has_param("page_no");
    std::int64_t size = 50;
    std::int64_t page_no = 1;
    if (paging) {
      size = req.has_param("page_size") ? std::stoll(req.get_param_value("page_size")) : 50;
      size = std::clamp<std::int64_t>(size, 1, std::min(100, list->cap));
      page_no = std::max<std::int64_t>(1, std::stoll(req.get_param_value("page_no")));
    } else {
      size = std::min<std::int64_t>(50, list->cap);
    }
    json page = json::array();
    for (auto i = (page_no - 1) * size; i < std::min(total, page_no * size); ++i) {
      page.push_back(rows[static_cast<std::size_t>(i)]);
    }
    switch (list->shape) {
      case ListShape::kBare:
        return Json(res, 200, page);
      case ListShape::kWrapped:
        return Json(res, 200, {{"record_count", total}, {list->key, page}});
      case ListShape::kWrappedWithoutKey:
        if (paging) return Json(res, 200, {{"record_count", total}});
        return Json(res, 200, rows);
    }
  }

  if (req.method == "POST") {
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_array()) return Json(res, 400, "A list of records must be sent");
    json saved = json::array();
    {
      std::lock_guard<std::mutex> lk(mu_);
      for (auto e : body) {
        if (!e.contains("id")) e["id"] = ++next_id_;
        saved.push_back(e);
      }
    }
    return Json(res, 200, saved.size() == 1 ? saved[0] : saved);
  }
  if (req.method == "DELETE") return Json(res, 200, json{{"id", 1}});
  Json(res, 404, {{"message", "Not found: " + req.path}});
}

}  // namespace halo::testing
