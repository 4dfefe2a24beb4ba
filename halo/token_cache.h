#pragma once

#include "halo/clock.h"
#include "halo/status.h"
#include "halo/token_store.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace halo {

/**
 * The in-process TokenStore: caches one OAuth2 access token and refreshes it single-flight.
 * However many threads find the token missing or expired at once, exactly one calls `fetch`;
 * the others wait for that result (success or failure) instead of issuing their own request.
 *
 * A token counts as expired `margin` before HaloPSA's `expires_in` runs out (halved for very
 * short-lived tokens, so a 60 s token with a 60 s margin is still usable for 30 s).
 *
 * Thread-safe. Time comes from the injected Clock.
 */
class TokenCache final : public TokenStore {
 public:
  TokenCache(std::shared_ptr<Clock const> clock, std::chrono::seconds margin);

  StatusOr<std::string> Get(CallContext const& ctx, Fetch const& fetch) override;
  void Invalidate(std::string const& stale) override;

  /// Number of fetches started (for tests).
  std::int64_t fetches() const;

 private:
  std::shared_ptr<Clock const> clock_;
  std::chrono::seconds margin_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string token_;               // guarded by mu_
  Clock::time_point refresh_at_{};  // when token_ stops being used
  bool have_token_ = false;
  bool fetching_ = false;
  std::uint64_t generation_ = 0;  // bumped when a fetch finishes
  Status last_error_;             // result of the last failed fetch
  std::int64_t fetches_ = 0;
};

}  // namespace halo
