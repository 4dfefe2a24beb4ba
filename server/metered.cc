#include "server/metered.h"

#include <chrono>

namespace mcp {

using Steady = std::chrono::steady_clock;

nlohmann::json MeteredCaller::Call(ToolSpec const& tool, nlohmann::json const& arguments,
                                   CallScope& scope) {
  auto const start = Steady::now();
  try {
    nlohmann::json result = inner_->Call(tool, arguments, scope);
    metrics_->ToolCall(tool.name, result.value("isError", false) ? "error" : "ok",
                       Steady::now() - start);
    return result;
  } catch (...) {
    metrics_->ToolCall(tool.name, "error", Steady::now() - start);
    throw;
  }
}

halo::HttpResult MeteredHttpClient::Send(halo::HttpRequest const& request,
                                         halo::CallContext const& ctx) {
  halo::HttpResult result = inner_->Send(request, ctx);
  metrics_->Upstream(result.failure == halo::TransportFailure::kNone ? result.status : 0);
  return result;
}

halo::RateBudget::AcquireResult MeteredRateBudget::Acquire(halo::CallContext const& ctx,
                                                           halo::Clock::time_point deadline) {
  auto const start = Steady::now();
  AcquireResult result = inner_->Acquire(ctx, deadline);
  metrics_->LimiterWait(Steady::now() - start);
  return result;
}

halo::StatusOr<std::string> MeteredTokenStore::Get(halo::CallContext const& ctx,
                                                   Fetch const& fetch) {
  return inner_->Get(ctx, [this, &fetch](halo::CallContext const& c) {
    metrics_->TokenFetch();
    return fetch(c);
  });
}

}  // namespace mcp
