#include "server/http_security.h"

#include "server/digest.h"
#include "server/http_message.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cstring>
#include <netinet/in.h>

namespace mcp {
namespace {

bool IsLoopbackAddress(std::string const& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

bool ValidPort(std::string_view port) {
  if (port.size() > 5) return false;
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

/// Letters, digits, '-', '.' and '_': what a DNS name or an IPv4 address is made of.
bool ValidName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_';
  });
}

/// host and port of an authority; nullopt when malformed.
std::optional<std::pair<std::string, std::string>> SplitAuthority(std::string_view authority) {
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto end = authority.find(']');
    if (end == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, end - 1);
    std::string_view rest = authority.substr(end + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, std::string(host).c_str(), &v6) != 1) return std::nullopt;
  } else {
    auto colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (!ValidName(host)) return std::nullopt;
  }
  if (!ValidPort(port)) return std::nullopt;
  return std::pair{AsciiLower(host), std::string(port)};
}

}  // namespace

bool IsLoopbackHost(std::string const& host) {
  if (IsLoopbackAddress(host)) return true;  // a bare address, IPv6 ones included
  auto h = AuthorityHost(host);
  return h && (*h == "localhost" || IsLoopbackAddress(*h));
}

std::optional<std::string> AuthorityHost(std::string_view authority) {
  auto split = SplitAuthority(authority);
  if (!split) return std::nullopt;
  return std::move(split->first);
}

std::optional<std::string> CanonicalOrigin(std::string_view origin) {
  auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  std::string scheme = AsciiLower(origin.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  std::string_view authority = origin.substr(scheme_end + 3);
  if (!authority.empty() && authority.back() == '/') authority.remove_suffix(1);
  auto split = SplitAuthority(authority);
  if (!split) return std::nullopt;
  auto& [host, port] = *split;
  if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443")) port.clear();
  std::string out = scheme + "://";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (!port.empty()) out += ":" + port;
  return out;
}

AccessPolicy::AccessPolicy(AccessConfig config) : config_(std::move(config)) {
  loopback_ = IsLoopbackHost(config_.bind_host);
  credentials_ = config_.credentials;
  for (auto& c : PlainCredentials(config_.tokens)) credentials_.push_back(std::move(c));
  if (!config_.metrics_token.empty()) metrics_digest_ = Sha256(config_.metrics_token);
  if (!loopback_ && !TokensRequired()) {
    problem_ = "binding to " + config_.bind_host +
               " (not loopback) requires bearer tokens: set HALO_MCP_HTTP_TOKENS, "
               "--http-token-file or --http-jwt-issuer";
  }
  for (auto const& h : config_.allowed_hosts) {
    if (auto host = AuthorityHost(h)) {
      hosts_.push_back(*host);
    } else if (!problem_) {
      problem_ = "--http-allowed-hosts entry \"" + h + "\" is not a host name";
    }
  }
  if (!loopback_ && config_.bind_host != "0.0.0.0" && config_.bind_host != "::") {
    if (auto host = AuthorityHost(config_.bind_host)) hosts_.push_back(*host);
  }
  for (auto const& o : config_.allowed_origins) {
    if (auto origin = CanonicalOrigin(o)) {
      origins_.push_back(*origin);
    } else if (!problem_) {
      problem_ = "--http-allowed-origins entry \"" + o +
                 "\" is not an origin; write it as https://app.example.com[:port]";
    }
  }
}

bool AccessPolicy::HostAllowed(std::string_view host_header) const {
  auto host = AuthorityHost(host_header);
  if (!host) return false;
  if (std::find(hosts_.begin(), hosts_.end(), *host) != hosts_.end()) return true;
  if (loopback_) return *host == "localhost" || IsLoopbackAddress(*host);
  return config_.allowed_hosts.empty();  // off loopback without a list: tokens protect
}

bool AccessPolicy::OriginAllowed(std::string_view origin, std::string_view host_header) const {
  auto canonical = CanonicalOrigin(origin);
  if (!canonical) return false;
  if (std::find(origins_.begin(), origins_.end(), *canonical) != origins_.end()) return true;
  // The server's own origin: a page it served itself (the Host has been checked already).
  std::string own = std::string(config_.tls ? "https://" : "http://") + std::string(host_header);
  if (CanonicalOrigin(own) == canonical) return true;
  if (!TokensRequired()) return false;
  auto host = AuthorityHost(canonical->substr(canonical->find("://") + 3));
  return host && (*host == "localhost" || IsLoopbackAddress(*host) ||
                  std::find(hosts_.begin(), hosts_.end(), *host) != hosts_.end());
}

Credential const* AccessPolicy::Match(std::string_view presented) const {
  auto digest = Sha256(presented);
  Credential const* found = nullptr;
  for (auto const& c : credentials_) {
    if (DigestEqual(c.digest, digest) && found == nullptr) found = &c;
  }
  return found;
}

namespace {

/// The token of an "Authorization: Bearer <token>" header, or nullopt.
std::optional<std::string_view> BearerToken(std::optional<std::string_view> authorization) {
  std::string_view auth = authorization.value_or("");
  if (auth.size() > 7 && AsciiLower(auth.substr(0, 7)) == "bearer ") return auth.substr(7);
  return std::nullopt;
}

/// Text fit for a quoted-string of a challenge: printable ASCII without quotes or backslashes.
std::string QuotedSafe(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c >= 0x20 && c < 0x7f && c != '\\') out.push_back(c == '"' ? '\'' : c);
  }
  return out;
}

}  // namespace

bool AccessPolicy::MayWaitOnIssuer(std::optional<std::string_view> authorization) const {
  if (!config_.jwt) return false;
  auto token = BearerToken(authorization);
  return token && config_.jwt->MayFetch(*token);
}

std::shared_ptr<Principal const> AccessPolicy::PrincipalFor(
    std::optional<std::string_view> authorization) const {
  auto token = BearerToken(authorization);
  if (!token) return nullptr;
  if (Credential const* c = Match(*token)) return c->principal;
  if (config_.jwt && LooksLikeJwt(*token)) {
    // Check() verified it a moment ago, fetching what it needed: never wait on the issuer again.
    auto principal = config_.jwt->Verify(*token, JwtVerifier::Fetching::kKeysAtHand);
    if (principal.ok()) return *principal;
    // It passed Check() a moment ago and has expired since (or its key was withdrawn): it must
    // not fall back to the server's own principal, so it may use nothing.
    static auto const refused = std::make_shared<Principal const>(Principal{
        "oauth:refused", "", ToolPolicy{true, {}, {"(none: the token is no longer valid)"}, {}}});
    return refused;
  }
  return nullptr;
}

std::string AccessPolicy::SessionOwner(std::shared_ptr<Principal const> const& principal,
                                       std::optional<std::string_view> authorization) {
  auto token = BearerToken(authorization);
  if (!token) return "";
  std::string const name = principal ? principal->name : "";
  // An OAuth technician's access token is renewed every few minutes; the session is theirs
  // (the verified subject), not one token's. Any other token owns what it opened.
  if (name.rfind("oauth:", 0) == 0 && name != "oauth:refused") return name;
  return name + "/" + Hex(Sha256("halo-mcp session owner|" + std::string(*token))).substr(0, 32);
}

std::optional<AccessRefusal> AccessPolicy::CheckMetrics(AccessRequest const& request) const {
  if (metrics_digest_) {
    auto token = BearerToken(request.authorization);
    if (token && DigestEqual(*metrics_digest_, Sha256(*token))) return std::nullopt;
    return AccessRefusal{401, "Unauthorized: /metrics needs its own bearer token",
                         "Bearer realm=\"halo-mcp-metrics\""};
  }
  if (IsLoopbackAddress(std::string(request.remote))) return std::nullopt;
  return AccessRefusal{403,
                       "Forbidden: /metrics answers loopback clients only (or set "
                       "--metrics-token-file)",
                       ""};
}

std::optional<AccessRefusal> AccessPolicy::Check(AccessRequest const& request) const {
  if (request.path == "/healthz") return std::nullopt;  // liveness: nothing to protect
  if (!HostAllowed(request.host)) {
    return AccessRefusal{403,
                         request.host.empty()
                             ? "Forbidden: the Host header is required"
                             : "Forbidden: Host " + HeaderSafe(request.host) + " is not allowed",
                         ""};
  }
  if (request.origin && !OriginAllowed(*request.origin, request.host)) {
    return AccessRefusal{403,
                         "Forbidden: Origin " + HeaderSafe(*request.origin) +
                             " is not allowed (configure --http-allowed-origins)",
                         ""};
  }
  if (request.path == "/metrics") return CheckMetrics(request);
  if (!TokensRequired() || request.path.substr(0, 13) == "/.well-known/") return std::nullopt;
  std::string_view auth = request.authorization.value_or("");
  auto token = BearerToken(request.authorization);
  if (token && Match(*token) != nullptr) return std::nullopt;
  std::string reason;
  if (token && config_.jwt && LooksLikeJwt(*token)) {
    auto principal = config_.jwt->Verify(*token);
    if (principal.ok()) return std::nullopt;
    reason = principal.status().message();
  }
  std::string challenge = "Bearer realm=\"halo-mcp\"";
  if (!auth.empty()) challenge += ", error=\"invalid_token\"";
  if (!reason.empty()) challenge += ", error_description=\"" + QuotedSafe(reason) + "\"";
  if (!config_.auth_server.empty()) {
    challenge += ", resource_metadata=\"" + BaseUrl(request.host) +
                 "/.well-known/oauth-protected-resource" + config_.path + "\"";
  }
  return AccessRefusal{
      401, "Unauthorized: " + (reason.empty() ? "a valid bearer token is required" : reason),
      challenge};
}

std::string AccessPolicy::BaseUrl(std::string_view host_header) const {
  if (!config_.public_url.empty()) {
    std::string u = config_.public_url;
    std::string const& path = config_.path;
    if (u.size() >= path.size() && u.compare(u.size() - path.size(), path.size(), path) == 0) {
      u.resize(u.size() - path.size());
    }
    while (!u.empty() && u.back() == '/') u.pop_back();
    return u;
  }
  return std::string(config_.tls ? "https://" : "http://") + HeaderSafe(host_header);
}

}  // namespace mcp
