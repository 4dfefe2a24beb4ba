#include "halo/testing/scripted_http.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace halo::testing {
namespace {

std::string Decode(std::string const& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() &&
               std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool IsTokenRequest(HttpRequest const& r, std::string const& path) {
  return r.method == "POST" && path.size() >= 6 && path.compare(path.size() - 6, 6, "/token") == 0;
}

}  // namespace

std::string SeenHttp::header(std::string const& name) const {
  for (auto const& [k, v] : request.headers) {
    if (k == name) return v;
  }
  return {};
}

HttpResult ScriptedHttp::Reply(int status, std::string body, std::string retry_after) {
  HttpResult r;
  r.status = status;
  r.body = std::move(body);
  r.retry_after = std::move(retry_after);
  return r;
}

HttpResult ScriptedHttp::Failure(TransportFailure failure, std::string error_name) {
  HttpResult r;
  r.failure = failure;
  r.error_name = std::move(error_name);
  return r;
}

void ScriptedHttp::Script(std::string const& method, std::string const& path, HttpResult result) {
  Script(method, path, [result](HttpRequest const&) { return result; });
}

void ScriptedHttp::Script(std::string const& method, std::string const& path, Handler handler) {
  std::lock_guard<std::mutex> lk(mu_);
  scripts_[method + " " + path].push_back(std::move(handler));
}

void ScriptedHttp::SetDefault(Handler handler) {
  std::lock_guard<std::mutex> lk(mu_);
  default_ = std::move(handler);
}

void ScriptedHttp::OnSend(std::function<void(HttpRequest const&)> hook) {
  std::lock_guard<std::mutex> lk(mu_);
  hook_ = std::move(hook);
}

HttpResult ScriptedHttp::Send(HttpRequest const& request, CallContext const&) {
  SeenHttp seen;
  seen.request = request;
  auto q = request.target.find('?');
  seen.path = request.target.substr(0, q);
  if (q != std::string::npos) {
    std::string rest = request.target.substr(q + 1);
    std::size_t pos = 0;
    while (pos <= rest.size()) {
      auto amp = rest.find('&', pos);
      std::string pair = rest.substr(pos, amp == std::string::npos ? amp : amp - pos);
      auto eq = pair.find('=');
      if (!pair.empty()) {
        seen.params[Decode(pair.substr(0, eq))] =
            eq == std::string::npos ? "" : Decode(pair.substr(eq + 1));
      }
      if (amp == std::string::npos) break;
      pos = amp + 1;
    }
  }
  Handler handler;
  std::function<void(HttpRequest const&)> hook;
  bool token = false;
  int token_no = 0;
  {
    std::lock_guard<std::mutex> lk(mu_);
    seen_.push_back(seen);
    hook = hook_;
    auto it = scripts_.find(request.method + " " + seen.path);
    if (it != scripts_.end() && !it->second.empty()) {
      handler = std::move(it->second.front());
      it->second.pop_front();
    } else if (IsTokenRequest(request, seen.path)) {
      token = true;
      token_no = ++tokens_issued_;
    } else {
      handler = default_;
    }
  }
  if (hook) hook(request);
  if (handler) return handler(request);
  if (token) {
    nlohmann::json body = {{"access_token", token_prefix + std::to_string(token_no)},
                           {"token_type", "Bearer"},
                           {"expires_in", 3600}};
    return Reply(200, body.dump());
  }
  return Reply(200, "{}");
}

std::vector<SeenHttp> ScriptedHttp::requests() const {
  std::lock_guard<std::mutex> lk(mu_);
  return seen_;
}

int ScriptedHttp::count(std::string const& method, std::string const& path) const {
  std::lock_guard<std::mutex> lk(mu_);
  return static_cast<int>(std::count_if(seen_.begin(), seen_.end(), [&](SeenHttp const& s) {
    return s.request.method == method && s.path == path;
  }));
}

int ScriptedHttp::token_requests() const {
  std::lock_guard<std::mutex> lk(mu_);
  return static_cast<int>(std::count_if(seen_.begin(), seen_.end(), [](SeenHttp const& s) {
    return IsTokenRequest(s.request, s.path);
  }));
}

std::string ScriptedHttp::last_token() const {
  std::lock_guard<std::mutex> lk(mu_);
  return tokens_issued_ == 0 ? "" : token_prefix + std::to_string(tokens_issued_);
}

}  // namespace halo::testing
