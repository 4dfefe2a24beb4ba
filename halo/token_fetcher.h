#pragma once

#include "halo/clock.h"
#include "halo/http_client.h"
#include "halo/options.h"
#include "halo/rate_budget.h"
#include "halo/redactor.h"
#include "halo/split_url.h"
#include "halo/status.h"
#include "halo/token_store.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace halo::internal {

/**
 * The OAuth2 client-credentials grant against HaloPSA's token endpoint
 * ({auth_url}/token[?tenant=]), through the shared RetryLoop: asking for a token has no side
 * effect, so transport failures, 408, 429 and 5xx are retried; anything else is mapped to an
 * error naming the setting to check (HALOPSA_CLIENT_ID, HALOPSA_SCOPE, HALOPSA_TENANT, ...).
 *
 * The form and the answer are never logged; every token obtained is registered with the
 * Redactor before it is returned. Thread-safe (each Fetch has its own policies).
 */
class TokenFetcher {
 public:
  struct Deps {
    std::shared_ptr<HttpClient> http;
    std::shared_ptr<Clock const> clock;
    Sleeper sleeper;
    std::chrono::milliseconds sleep_slice{250};
    RateBudget* budget = nullptr;  ///< told about 429s (HaloPSA's limit may count tokens)
    Redactor* redactor = nullptr;
  };

  TokenFetcher(HaloOptions options, SplitUrlResult auth, Deps deps);

  StatusOr<AccessToken> Fetch(CallContext const& ctx, std::uint64_t seed);

  std::int64_t requests() const { return requests_.load(); }
  std::int64_t retries() const { return retries_.load(); }

 private:
  Status TokenError(int http_status, std::string const& body) const;

  HaloOptions const options_;
  SplitUrlResult const auth_;
  Deps const deps_;
  std::string const form_;  // holds the secret: never logged
  std::atomic<std::int64_t> requests_{0}, retries_{0};
};

}  // namespace halo::internal
