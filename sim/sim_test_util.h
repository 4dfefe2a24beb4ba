#pragma once

// Test helpers shared by the sim/*_test.cc files: a generated tenant called without HTTP, and a
// small simulator on 127.0.0.1:0 with an httplib client and a token.
#include "sim/api_routes.h"
#include "sim/simulator.h"
#include "sim/tenant_generator.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdint>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>

namespace halo_sim::testing {

inline constexpr std::int64_t kTestAnchor = 1767225600;  // 2026-01-01T00:00:00Z, a Thursday

/// A tenant small enough to start in milliseconds but big enough for the paging rules
/// (more than 100 tickets, more than 50 assets).
inline SimOptions SmallOptions() {
  SimOptions o;
  o.clients = 6;
  o.tickets = 260;
  o.assets = 130;
  o.users_per_client = 4;
  o.agents = 8;
  o.anchor_epoch = kTestAnchor;
  o.threads = 4;
  o.rate_limit_requests = 0;
  o.client_id = "test-client";
  o.client_secret = "test-secret";
  return o;
}

/// A generated tenant and a way to call the API on it without HTTP.
class ApiTenant {
 public:
  /// `anchor` is the generation time (data is dated up to it); calls happen at `now`.
  explicit ApiTenant(std::int64_t anchor = kTestAnchor, std::int64_t now = kTestAnchor + 3600,
                     std::uint64_t seed = 7)
      : now_(now) {
    auto const o = SmallOptions();
    GenerateTenant(store_, seed,
                   TenantSize{o.clients, o.tickets, o.assets, o.users_per_client, o.agents},
                   anchor);
  }

  /// `query` is "a=1&b=2" (names as sent; the router lower-cases them). `id` may be
  /// "document/5" for a sub-resource.
  ApiResponse Call(std::string method, std::string resource, std::string id = "",
                   std::string const& query = "", std::string body = "") {
    ApiRequest req;
    req.method = std::move(method);
    req.resource = std::move(resource);
    if (auto slash = id.find('/'); slash != std::string::npos) {
      req.sub = id.substr(0, slash);
      id = id.substr(slash + 1);
    }
    req.id = std::move(id);
    req.body = std::move(body);
    req.scopes = scopes;
    std::size_t pos = 0;
    while (pos < query.size()) {
      auto amp = query.find('&', pos);
      auto part = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
      auto eq = part.find('=');
      std::string key = part.substr(0, eq);
      for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.params.emplace(key, eq == std::string::npos ? "" : part.substr(eq + 1));
      if (amp == std::string::npos) break;
      pos = amp + 1;
    }
    auto response = HandleApi(store_, options_, req, now_);
    // Tests read lists as values, however the simulator sends them; the text must be exactly
    // what the value would serialize to (same members, same order).
    if (!response.json_text.empty()) {
      response.body = nlohmann::json::parse(response.json_text);
      if (response.body.dump() != response.json_text) {
        throw std::runtime_error("list text is not its value's serialization: " +
                                 response.json_text.substr(0, 200));
      }
    }
    return response;
  }
  /// A GET that must answer 200; returns the body.
  nlohmann::json List(std::string const& resource, std::string const& query = "") {
    auto r = Call("GET", resource, "", query);
    if (r.status != 200) {
      throw std::runtime_error(resource + "?" + query + " -> " + std::to_string(r.status) + " " +
                               r.body.dump());
    }
    return r.body;
  }
  nlohmann::json Get(std::string const& resource, std::string const& id,
                     std::string const& query = "") {
    auto r = Call("GET", resource, id, query);
    if (r.status != 200) {
      throw std::runtime_error(resource + "/" + id + " -> " + std::to_string(r.status) + " " +
                               r.body.dump());
    }
    return r.body;
  }
  ApiResponse Post(std::string const& resource, nlohmann::json const& body) {
    return Call("POST", resource, "", "", body.dump());
  }

  Store& store() { return store_; }
  ApiOptions& options() { return options_; }
  std::int64_t now() const { return now_; }
  std::set<std::string> scopes = {"all"};

 private:
  Store store_;
  ApiOptions options_;
  std::int64_t now_;
};

class SimHarness {
 public:
  explicit SimHarness(SimOptions options = SmallOptions())
      : sim_(std::make_unique<Simulator>(std::move(options))) {
    if (auto err = sim_->Start()) throw std::runtime_error(*err);
    http_ = std::make_unique<httplib::Client>(sim_->base_url());
    http_->set_read_timeout(5, 0);
  }

  Simulator& sim() { return *sim_; }
  httplib::Client& http() { return *http_; }

  /// A token from the real token endpoint.
  std::string Token(std::string const& scope = "all") {
    httplib::Params form{{"grant_type", "client_credentials"},
                         {"client_id", sim_->client_id()},
                         {"client_secret", sim_->client_secret()},
                         {"scope", scope}};
    auto res = http_->Post(("/auth/token?tenant=" + sim_->tenant()).c_str(), form);
    if (!res || res->status != 200) throw std::runtime_error("token request failed");
    return nlohmann::json::parse(res->body).at("access_token").get<std::string>();
  }

  httplib::Headers Auth(std::string const& token) { return {{"Authorization", "Bearer " + token}}; }
  httplib::Headers Auth() {
    if (token_.empty()) token_ = Token();
    return Auth(token_);
  }

  httplib::Result Get(std::string const& path) { return http_->Get(path.c_str(), Auth()); }
  httplib::Result Post(std::string const& path, nlohmann::json const& body) {
    return http_->Post(path.c_str(), Auth(), body.dump(), "application/json");
  }
  httplib::Result Delete(std::string const& path) { return http_->Delete(path.c_str(), Auth()); }

  /// GET that must succeed with 200; returns the parsed body.
  nlohmann::json GetJson(std::string const& path) {
    auto res = Get(path);
    if (!res) throw std::runtime_error("transport error on " + path);
    if (res->status != 200) {
      throw std::runtime_error(path + " -> " + std::to_string(res->status) + " " + res->body);
    }
    return nlohmann::json::parse(res->body);
  }

 private:
  std::unique_ptr<Simulator> sim_;
  std::unique_ptr<httplib::Client> http_;
  std::string token_;
};

}  // namespace halo_sim::testing
