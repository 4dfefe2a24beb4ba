#include "server/client_seams.h"

#include "halo/rate_limiter.h"
#include "halo/token_cache.h"
#include "server/digest.h"
#include "server/metered.h"
#include "server/redis_shared_state.h"
#include "server/shared_rate_budget.h"
#include "server/shared_token_store.h"

#include <spdlog/spdlog.h>

namespace mcp {

halo::StatusOr<ClientSeams> BuildClientSeams(halo::HaloOptions const& options,
                                             FleetSettings const& fleet,
                                             std::shared_ptr<Metrics> const& metrics) {
  ClientSeams seams;
  auto clock = std::make_shared<halo::SystemClock>();
  std::shared_ptr<halo::RateBudget> budget;
  std::shared_ptr<halo::TokenStore> tokens;
  if (fleet.shared_state.empty()) {
    budget = halo::MakeDefaultRateLimiter(options);
    tokens = std::make_shared<halo::TokenCache>(clock, options.token_refresh_margin);
  } else {
    auto address = ParseRedisUrl(fleet.shared_state);
    if (!address.ok()) return address.status();
    auto state = std::make_shared<RedisSharedState>(*address);
    seams.shared = state;
    // Keys per tenant and API application, so that one Redis can serve several deployments.
    std::string const prefix =
        "halo-mcp:{" + Hex(Sha256(options.base_url + "|" + options.client_id)).substr(0, 16) + "}";
    seams.shared_prefix = prefix;
    int const limit = options.rate_limit_requests;
    if (limit > 0) {
      SharedRateBudget::Options o;
      o.key = prefix + ":rate";
      o.limit = limit;
      o.window = std::chrono::duration_cast<std::chrono::milliseconds>(options.rate_limit_window);
      o.local_share =
          std::max(1, limit / static_cast<int>(std::max<std::size_t>(1, fleet.replicas)));
      auto shared = std::make_shared<SharedRateBudget>(
          state, o, halo::MakeDefaultRateLimiter(options, 0), clock, halo::RealSleeper());
      metrics->AddGauge("halo_mcp_budget_in_use",
                        "HaloPSA requests in the current window (the fleet's; this replica's "
                        "while Redis is away).",
                        [shared] { return static_cast<double>(shared->InUse()); });
      metrics->AddGauge("halo_mcp_budget_degraded", "1 while serving on the local share.",
                        [shared] { return shared->degraded() ? 1.0 : 0.0; });
      budget = shared;
    } else {
      budget = halo::MakeDefaultRateLimiter(options);
    }
    SharedTokenStore::Options t;
    t.key = prefix + ":token";
    t.refresh_margin = options.token_refresh_margin;
    tokens = std::make_shared<SharedTokenStore>(
        state, TokenSealer(options.client_secret, options.base_url + "|" + options.client_id), t,
        clock, halo::RealSleeper());
    metrics->AddGauge("halo_mcp_shared_state_up", "1 when the last Redis call succeeded.",
                      [state] { return state->healthy() ? 1.0 : 0.0; });
    spdlog::info("shared state: Redis at {} (budget {} per {} s for the fleet, {} each without it)",
                 address->Describe(), limit, options.rate_limit_window.count(),
                 std::max(1, limit / static_cast<int>(std::max<std::size_t>(1, fleet.replicas))));
  }
  halo::ClientDependencies& deps = seams.deps;
  deps.http = std::make_shared<MeteredHttpClient>(halo::MakeDefaultHttpClient(options), metrics);
  deps.rate_budget = std::make_shared<MeteredRateBudget>(budget, metrics);
  deps.token_store = std::make_shared<MeteredTokenStore>(tokens, metrics);
  return seams;
}

}  // namespace mcp
