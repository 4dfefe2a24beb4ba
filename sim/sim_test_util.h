#pragma once

// Test helpers shared by the sim/*_test.cc files: a small simulator on 127.0.0.1:0 and an
// httplib client with a token.
#include "sim/simulator.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace halo_sim::testing {

/// A tenant small enough to start in milliseconds but big enough for the paging rules
/// (more than 100 tickets, more than 50 assets).
inline SimOptions SmallOptions() {
  SimOptions o;
  o.clients = 6;
  o.tickets = 260;
  o.assets = 130;
  o.users_per_client = 4;
  o.agents = 8;
  o.anchor_epoch = 1767225600;  // 2026-01-01T00:00:00Z
  o.threads = 4;
  o.rate_limit_requests = 0;
  o.client_id = "test-client";
  o.client_secret = "test-secret";
  return o;
}

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
