#pragma once

#include "halo/bounded_json.h"
#include "halo/status.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace halo {

/// Everything the HaloPSA client needs. Plain aggregate; defaults live here and nowhere else.
struct HaloOptions {
  std::string base_url;  // normalised: https://acme.halopsa.com (no trailing /, no /api)
  std::string auth_url;  // authorisation server base; token endpoint is {auth_url}/token
  std::string tenant;    // hosted tenants: sent as ?tenant= on the token request
  std::string client_id;
  std::string client_secret;  // never logged, never echoed
  std::string scope = "all";

  /// Rolling window; 0 requests = limiter off. Default: 300 per 300 s (hosted HaloPSA). A
  /// window stated in a 429 from HaloPSA replaces it at run time.
  int rate_limit_requests = 300;
  std::chrono::seconds rate_limit_window{300};
  /// Longest an idempotent call (a read) may wait for a rate-limit slot, 429 back-off included;
  /// a slot further away fails the call with kResourceExhausted and retry_after.
  std::chrono::milliseconds max_read_slot_wait{60'000};
  /// The same for a non-idempotent write.
  std::chrono::milliseconds max_write_slot_wait{30'000};
  /// Back-off after a 429 without Retry-After: first wait, doubled per consecutive 429, capped.
  /// The cap keeps a read that may wait a minute alive through a storm of six 429s (1+2+4+8+15+15
  /// s); pacing over HaloPSA's own window comes from the window its 429 message states.
  std::chrono::milliseconds throttle_initial_backoff{1'000};
  std::chrono::milliseconds throttle_max_backoff{15'000};

  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds read_timeout{30'000};
  /// Per-call budget across retries.
  std::chrono::milliseconds call_deadline{120'000};
  int max_attempts = 4;
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{20'000};
  std::chrono::seconds token_refresh_margin{60};
  /// A longer HaloPSA answer is abandoned while reading: the call fails (a write's outcome is
  /// then unknown).
  std::size_t max_response_bytes = std::size_t{32} << 20;
  /// Nesting and size limits for every HaloPSA body parsed.
  JsonLimits response_json_limits{64, 4'000'000};

  int page_size = 100;              // HaloPSA caps at 100
  int max_concurrent_requests = 4;  // page fan-out and GetMany
  std::int64_t max_list_records = 10'000;
  int connection_pool_size = 4;
  std::string user_agent;  // "halo-mcp/<version>"

  std::string api_url() const { return base_url + "/api"; }
  std::string token_url() const;  // {auth_url}/token[?tenant=...]
};

/// Looks up a variable; tests pass a map instead of the real environment.
using EnvReader = std::function<std::optional<std::string>(std::string const& name)>;

/// Values given on the command line; unset ones fall back to the environment.
struct HaloOptionOverrides {
  std::optional<std::string> base_url, auth_url, tenant, client_id, client_secret, scope,
      rate_limit;
};

/// Reads HALOPSA_BASE_URL, HALOPSA_CLIENT_ID, HALOPSA_CLIENT_SECRET, HALOPSA_TENANT,
/// HALOPSA_AUTH_URL, HALOPSA_SCOPE, HALOPSA_RATE_LIMIT (flags win), normalises what people
/// paste, and fails with a message naming the variable and an example. Never echoes the secret.
StatusOr<HaloOptions> LoadHaloOptions(EnvReader const& env, HaloOptionOverrides const& flags);

}  // namespace halo
