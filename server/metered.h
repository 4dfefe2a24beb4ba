#pragma once

// Decorators that feed Metrics from the seams: tool calls (ToolCaller), HaloPSA answers
// (halo::HttpClient), rate-limit waits (halo::RateBudget) and token fetches (halo::TokenStore).
// Each forwards everything and only counts.

#include "halo/http_client.h"
#include "halo/rate_budget.h"
#include "halo/token_store.h"
#include "server/mcp_server.h"
#include "server/metrics.h"

#include <memory>

namespace mcp {

class MeteredCaller final : public ToolCaller {
 public:
  MeteredCaller(std::shared_ptr<ToolCaller> inner, std::shared_ptr<Metrics> metrics)
      : inner_(std::move(inner)), metrics_(std::move(metrics)) {}
  nlohmann::json Call(ToolSpec const& tool, nlohmann::json const& arguments,
                      CallScope& scope) override;

 private:
  std::shared_ptr<ToolCaller> inner_;
  std::shared_ptr<Metrics> metrics_;
};

class MeteredHttpClient final : public halo::HttpClient {
 public:
  MeteredHttpClient(std::shared_ptr<halo::HttpClient> inner, std::shared_ptr<Metrics> metrics)
      : inner_(std::move(inner)), metrics_(std::move(metrics)) {}
  halo::HttpResult Send(halo::HttpRequest const& request, halo::CallContext const& ctx) override;

 private:
  std::shared_ptr<halo::HttpClient> inner_;
  std::shared_ptr<Metrics> metrics_;
};

class MeteredRateBudget final : public halo::RateBudget {
 public:
  MeteredRateBudget(std::shared_ptr<halo::RateBudget> inner, std::shared_ptr<Metrics> metrics)
      : inner_(std::move(inner)), metrics_(std::move(metrics)) {}
  AcquireResult Acquire(halo::CallContext const& ctx, halo::Clock::time_point deadline) override;
  void OnThrottled(halo::Throttle const& throttle) override { inner_->OnThrottled(throttle); }
  void OnAccepted() override { inner_->OnAccepted(); }

 private:
  std::shared_ptr<halo::RateBudget> inner_;
  std::shared_ptr<Metrics> metrics_;
};

class MeteredTokenStore final : public halo::TokenStore {
 public:
  MeteredTokenStore(std::shared_ptr<halo::TokenStore> inner, std::shared_ptr<Metrics> metrics)
      : inner_(std::move(inner)), metrics_(std::move(metrics)) {}
  halo::StatusOr<std::string> Get(halo::CallContext const& ctx, Fetch const& fetch) override;
  void Invalidate(std::string const& stale) override { inner_->Invalidate(stale); }

 private:
  std::shared_ptr<halo::TokenStore> inner_;
  std::shared_ptr<Metrics> metrics_;
};

}  // namespace mcp
