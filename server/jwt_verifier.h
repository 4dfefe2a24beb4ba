#pragma once

// OAuth access tokens as JWTs (RFC 9068 profile, RFC 7519 claims) for the HTTP endpoint, where
// the MSP runs its own authorisation server. The rules live here behind two seams, the wall
// clock and the source of the issuer's key set, so each one is tested without sockets; the
// HTTPS key source is in jwks_source.h.

#include "halo/status.h"
#include "server/jwk.h"
#include "server/mcp_server.h"

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp {

struct JwtSettings {
  std::string issuer;    ///< must equal the token's "iss" exactly
  std::string audience;  ///< must be the token's "aud" or one of its members
  /// The claim naming the technician's HaloPSA agent (name, email or id). No fallback to other
  /// claims: a token without it is refused rather than acting as someone guessed.
  std::string agent_claim = "halopsa_agent";
  std::string jwks_url;  ///< empty = discovered from the issuer's metadata
  std::vector<std::string> algorithms{"RS256", "ES256"};
  std::chrono::seconds leeway{60};  ///< clock skew allowed on exp, nbf and iat
  std::chrono::seconds jwks_ttl{600};
  /// Least time between two fetches of the key set, so that tokens with made-up key ids cannot
  /// make this server hammer the issuer.
  std::chrono::seconds refetch_interval{30};
  std::size_t max_token_bytes = 8192;
};

/// What is wrong with the settings (an unsupported or forbidden algorithm, no audience, ...),
/// or nullopt.
std::optional<std::string> JwtSettingsProblem(JwtSettings const& settings);

/// Wall-clock seam: token times are seconds since the epoch.
class WallClock {
 public:
  virtual ~WallClock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;
};

class SystemWallClock final : public WallClock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
};

/// Where the issuer's key set comes from: the JWKS document's text, or why there is none.
class JwksSource {
 public:
  virtual ~JwksSource() = default;
  virtual halo::StatusOr<std::string> Fetch() = 0;
};

/**
 * Checks bearer tokens that look like JWTs: size, structure, header (alg allowed and never
 * "none" or HMAC, no "crit", typ JWT or at+jwt), signature against the issuer's key for the
 * token's kid, then iss, aud, exp/nbf/iat with the leeway, and the agent claim. The key set is
 * cached for jwks_ttl (an old set keeps serving while the issuer cannot be reached), and
 * fetched again on an unknown kid at most once per refetch_interval. Thread-safe.
 *
 * A token that passes acts as Principal{"oauth:" + sub, agent claim, server policy}: the
 * server's own tool filter applies unnarrowed (per-token policies belong to the token file).
 */
class JwtVerifier {
 public:
  JwtVerifier(JwtSettings settings, std::shared_ptr<JwksSource> source,
              std::shared_ptr<WallClock const> clock);

  /// Whether Verify may fetch the key set when it has none, a stale one, or none for the
  /// token's kid; without, it checks with the keys at hand.
  enum class Fetching { kAllowed, kKeysAtHand };

  /// The principal a token acts as, or kUnauthenticated with a reason fit for an
  /// error_description (it never repeats the token).
  halo::StatusOr<std::shared_ptr<Principal const>> Verify(std::string_view token,
                                                          Fetching fetching = Fetching::kAllowed);

  /// Fetches the key set now (at start-up, so that the first request does not wait).
  halo::Status Prime();

  /// Whether Verify(token) may fetch the key set, and so wait on the issuer: there is none yet,
  /// it is stale, or it has no key for the token's kid, and the last fetch is old enough for
  /// another. The HTTP transport then verifies off its network threads. Times are judged a few
  /// seconds ahead, so that the answer still holds when Verify runs a moment later.
  bool MayFetch(std::string_view token) const;

  JwtSettings const& settings() const { return settings_; }

 private:
  /// The cached key set, fetched first when missing or stale (and a fetch is allowed).
  std::shared_ptr<JwkSet const> Keys(Fetching fetching);
  /// Fetches when the last attempt is at least `min_gap` old and no other fetch is running;
  /// false when it did not try.
  bool Refresh(std::chrono::seconds min_gap);

  JwtSettings settings_;
  std::shared_ptr<JwksSource> source_;
  std::shared_ptr<WallClock const> clock_;
  std::mutex fetch_mu_;    // one fetch at a time; verifications go on with the keys at hand
  mutable std::mutex mu_;  // guards the fields below
  std::shared_ptr<JwkSet const> keys_;
  std::chrono::system_clock::time_point fetched_at_{};
  std::optional<std::chrono::system_clock::time_point> last_attempt_;
  std::string last_error_;
};

/// Whether a bearer token is shaped like a JWT (three dot-separated base64url parts), so that
/// it is checked as one rather than looked up among the token file's digests.
bool LooksLikeJwt(std::string_view token);

}  // namespace mcp
