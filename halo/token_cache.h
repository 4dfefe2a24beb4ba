#pragma once

#include "halo/clock.h"
#include "halo/status.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace halo {

/// A bearer token as the token endpoint returned it. `value` is never logged.
struct AccessToken {
  std::string value;
  std::chrono::seconds expires_in{3600};
};

/**
 * Caches one OAuth2 access token and refreshes it single-flight: however many threads find the
 * token missing or expired at once, exactly one calls `fetch`; the others wait for that result
 * (success or failure) instead of issuing their own request.
 *
 * A token counts as expired `margin` before HaloPSA's `expires_in` runs out (halved for very
 * short-lived tokens, so a 60 s token with a 60 s margin is still usable for 30 s).
 *
 * Thread-safe. Time comes from the injected Clock.
 */
class TokenCache {
 public:
  using Fetch = std::function<StatusOr<AccessToken>(CallContext const&)>;

  TokenCache(Fetch fetch, std::shared_ptr<Clock const> clock, std::chrono::seconds margin);

  /// A currently valid token, fetching one when needed. Waiting for another thread's fetch is
  /// cancellable through `ctx`.
  StatusOr<std::string> Get(CallContext const& ctx);

  /// HaloPSA answered 401 to `stale`: forget it, unless another thread already replaced it.
  void Invalidate(std::string const& stale);

  /// Number of fetches started (for tests).
  std::int64_t fetches() const;

 private:
  Fetch fetch_;
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
