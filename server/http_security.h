#pragma once

// Who may talk to the HTTP endpoint: Host and Origin checks against DNS rebinding and foreign
// web pages, and bearer tokens. Pure functions of a request's headers, so every rule is tested
// without sockets.

#include "server/jwt_verifier.h"
#include "server/token_file.h"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp {

/// Whether `host` is loopback: an address in 127.0.0.0/8 or ::1 (IPv4-mapped ::ffff:127.x.x.x
/// too), or exactly the name "localhost". Accepts a bare address, "host:port" and "[v6]:port".
/// Other names, "*.localhost" and "127.attacker.example" included, are not loopback: a name can
/// be made to resolve anywhere (DNS rebinding), an address cannot.
bool IsLoopbackHost(std::string const& host);

/// The host of an authority ("host", "host:port", "[v6]", "[v6]:port"), lower-cased, brackets
/// removed; nullopt when it is not a well-formed authority (bad characters, bad port, ...).
std::optional<std::string> AuthorityHost(std::string_view authority);

/// An Origin header value in canonical form, "scheme://host[:port]": lower-cased, the default
/// port dropped; nullopt for "null", other schemes, paths or a malformed authority.
std::optional<std::string> CanonicalOrigin(std::string_view origin);

/// What the checks read from one request.
struct AccessRequest {
  std::string_view path;
  std::string_view host;  // the Host header ("" when absent)
  std::optional<std::string_view> origin;
  std::optional<std::string_view> authorization;
  std::string_view remote;  // the peer's address (for /metrics without its own token)
};

/// Why a request is turned away, and what to tell the client.
struct AccessRefusal {
  int status = 403;
  std::string message;           // for the JSON-RPC error body
  std::string www_authenticate;  // set with 401
};

struct AccessConfig {
  std::string bind_host;                     // the address the server listens on
  std::string path = "/mcp";                 // the MCP endpoint
  bool tls = false;                          // whether we are reached over https
  std::vector<std::string> tokens;           // accepted clear-text bearer tokens
  std::vector<Credential> credentials;       // per-technician tokens (digests and principals)
  std::string metrics_token;                 // /metrics bearer token; empty = loopback peers only
  std::vector<std::string> allowed_hosts;    // Host names accepted besides loopback ones
  std::vector<std::string> allowed_origins;  // browser origins accepted
  std::string auth_server;                   // RFC 9728 metadata, when set
  std::string public_url;                    // canonical URL of the endpoint, when set
  std::shared_ptr<JwtVerifier> jwt;          // OAuth access tokens (JWTs) accepted too, when set
};

/**
 * The Host, Origin and token rules:
 * - Host must be loopback on a loopback server, or a configured name (or the bind address);
 *   off loopback without a list, any Host passes and tokens protect.
 * - An Origin, when sent, must be a configured one, or the server's own origin (the Host we were
 *   reached by, already checked). With tokens, origins on loopback or configured hosts pass too
 *   (a page there still needs a token). A loopback server without tokens accepts no other
 *   origin: another local port is another program.
 * - Tokens are required off loopback (Bind refuses to start without them) and whenever set.
 *   With JWT validation on, a bearer token that is none of the token file's is checked as an
 *   OAuth access token; its refusal says why in error_description (never echoing the token).
 * /healthz needs nothing; /.well-known/ metadata needs Host and Origin but no token. /metrics
 * needs Host and Origin, then its own token when one is set, else a loopback peer.
 */
class AccessPolicy {
 public:
  explicit AccessPolicy(AccessConfig config);

  /// A start-up problem (no tokens off loopback, an allowed origin that is not an origin), or
  /// nullopt when the configuration can serve.
  std::optional<std::string> Problem() const { return problem_; }
  bool loopback() const { return loopback_; }

  std::optional<AccessRefusal> Check(AccessRequest const& request) const;

  /// Whether checking this request's token may wait on the OAuth issuer (JwtVerifier::MayFetch).
  bool MayWaitOnIssuer(std::optional<std::string_view> authorization) const;
  /// Who a request that passed Check() acts as: its token's principal (a JWT's from its
  /// claims), or null for the server's default (no tokens, or a clear-text one). A JWT that no
  /// longer verifies (it expired since Check) gets a principal allowed no tool, never null.
  std::shared_ptr<Principal const> PrincipalFor(
      std::optional<std::string_view> authorization) const;
  /// Who owns a legacy session opened with this request: the principal's name and a digest of
  /// the token (never the token), so that neither another technician nor another token of the
  /// default principal can continue it. "" without a token. Shared through Redis with the
  /// session, hence a digest of its own rather than the token file's. A verified OAuth subject
  /// ("oauth:<sub>") owns its sessions across renewed access tokens.
  static std::string SessionOwner(std::shared_ptr<Principal const> const& principal,
                                  std::optional<std::string_view> authorization);

  /// scheme://authority the endpoint is reached at: from public_url, else from the Host header.
  std::string BaseUrl(std::string_view host_header) const;

 private:
  bool HostAllowed(std::string_view host_header) const;
  bool OriginAllowed(std::string_view origin, std::string_view host_header) const;
  /// The credential a bearer token matches, compared in constant time over all of them.
  Credential const* Match(std::string_view presented) const;
  std::optional<AccessRefusal> CheckMetrics(AccessRequest const& request) const;
  /// Whether any bearer token is required (a token list, a token file or JWT validation).
  bool TokensRequired() const { return !credentials_.empty() || config_.jwt != nullptr; }

  AccessConfig config_;
  bool loopback_ = true;
  std::vector<std::string> hosts_;    // canonical allowed hosts
  std::vector<std::string> origins_;  // canonical allowed origins
  std::vector<Credential> credentials_;
  std::optional<Sha256Digest> metrics_digest_;
  std::optional<std::string> problem_;
};

}  // namespace mcp
