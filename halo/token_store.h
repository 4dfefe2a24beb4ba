#pragma once

#include "halo/clock.h"
#include "halo/status.h"

#include <chrono>
#include <functional>
#include <string>

namespace halo {

/// A bearer token as the token endpoint returned it. `value` is never logged.
struct AccessToken {
  std::string value;
  std::chrono::seconds expires_in{3600};
};

/**
 * Where the client keeps its access token. The in-process TokenCache is the default; a store
 * shared between processes (issue 12) would implement the same two calls. Implementations are
 * thread-safe and call `fetch` only when they hold no usable token, once for all concurrent
 * callers.
 */
class TokenStore {
 public:
  using Fetch = std::function<StatusOr<AccessToken>(CallContext const&)>;

  virtual ~TokenStore() = default;

  /// A currently valid token, calling `fetch` when there is none. Waiting for a fetch that
  /// another caller started is cancellable through `ctx`.
  virtual StatusOr<std::string> Get(CallContext const& ctx, Fetch const& fetch) = 0;
  /// HaloPSA answered 401 to `stale`: forget it, unless it has been replaced already.
  virtual void Invalidate(std::string const& stale) = 0;
};

}  // namespace halo
