#pragma once

// The HaloPSA access token shared by a fleet (--shared-state): one fetch for all replicas. A
// replica that needs a token reads the fleet's from the store; when there is none (or it is
// about to expire) the replica that wins a short lock fetches it and stores it sealed
// (TokenSealer), while the others wait for it. Each replica also keeps it locally (TokenCache)
// so that the store is read once per refresh, not per request. When the store cannot be
// reached a replica fetches its own token rather than stop.

#include "halo/clock.h"
#include "halo/token_cache.h"
#include "halo/token_store.h"
#include "server/shared_state.h"
#include "server/token_sealer.h"

#include <chrono>
#include <memory>
#include <string>

namespace mcp {

class SharedTokenStore final : public halo::TokenStore {
 public:
  struct Options {
    std::string key;  // the token's key; the lock is key + ":lock"
    std::chrono::seconds refresh_margin{60};
    std::chrono::milliseconds lock_ttl{15'000};  // a fetcher that died frees the lock by then
    std::chrono::milliseconds poll{50};          // how often waiters look for the new token
  };
  SharedTokenStore(std::shared_ptr<SharedState> state, TokenSealer sealer, Options options,
                   std::shared_ptr<halo::Clock const> clock, halo::Sleeper sleeper);

  halo::StatusOr<std::string> Get(halo::CallContext const& ctx, Fetch const& fetch) override;
  void Invalidate(std::string const& stale) override;

 private:
  /// The fleet's token, fetching it (once for the fleet) when there is none.
  halo::StatusOr<halo::AccessToken> FleetToken(halo::CallContext const& ctx, Fetch const& fetch);

  std::shared_ptr<SharedState> state_;
  TokenSealer const sealer_;
  Options const options_;
  std::shared_ptr<halo::Clock const> clock_;
  halo::Sleeper sleeper_;
  std::string const owner_;  // this replica's lock value
  halo::TokenCache local_;
};

}  // namespace mcp
