#include "server/jwt_verifier.h"

#include "halo/bounded_json.h"
#include "halo/text.h"
#include "server/base64.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace mcp {
namespace {

using halo::UnauthenticatedError;
using nlohmann::json;

constexpr halo::JsonLimits kClaimLimits{16, 2'000};
constexpr std::size_t kMaxAgentBytes = 256;

bool Base64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

/// A JSON object from one base64url part of the token, or why not.
halo::StatusOr<json> DecodePart(std::string_view part, char const* what) {
  auto bytes = DecodeBase64Url(part);
  if (!bytes) return UnauthenticatedError(std::string("the token's ") + what + " is not base64url");
  auto parsed = halo::ParseBoundedJson(*bytes, kClaimLimits);
  if (!parsed.ok() || !parsed.value.is_object()) {
    return UnauthenticatedError(std::string("the token's ") + what + " is not a JSON object");
  }
  return std::move(parsed.value);
}

/// A NumericDate claim in whole seconds; nullopt when absent, an error when not a sane number.
halo::StatusOr<std::optional<std::int64_t>> NumericDate(json const& claims, char const* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::optional<std::int64_t>();
  double const v = it->is_number() ? it->get<double>() : -1;
  if (!std::isfinite(v) || v < 0 || v > 1e11) {
    return UnauthenticatedError(std::string("the token's \"") + name + "\" is not a date");
  }
  return std::optional<std::int64_t>(static_cast<std::int64_t>(v));
}

std::string StringClaim(json const& claims, std::string const& name) {
  auto it = claims.find(name);
  if (it == claims.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());  // an agent id
  return {};
}

bool AudienceMatches(json const& claims, std::string const& audience) {
  auto it = claims.find("aud");
  if (it == claims.end()) return false;
  if (it->is_string()) return *it == audience;
  if (!it->is_array()) return false;
  return std::any_of(it->begin(), it->end(),
                     [&](json const& a) { return a.is_string() && a == audience; });
}

bool HmacOrNone(std::string_view alg) {
  std::string const lower = halo::AsciiLower(alg);
  return lower == "none" || lower.rfind("hs", 0) == 0;
}

}  // namespace

bool LooksLikeJwt(std::string_view token) {
  if (std::count(token.begin(), token.end(), '.') != 2) return false;
  return std::all_of(token.begin(), token.end(),
                     [](char c) { return c == '.' || Base64UrlChar(c); });
}

std::optional<std::string> JwtSettingsProblem(JwtSettings const& s) {
  if (s.issuer.empty()) return "the JWT issuer is not set";
  if (s.audience.empty()) {
    return "JWT validation needs an audience: set --http-jwt-audience or --http-public-url";
  }
  if (s.agent_claim.empty()) return "--http-jwt-agent-claim must name a claim";
  if (s.algorithms.empty()) return "--http-jwt-algorithms lists no algorithm";
  for (auto const& a : s.algorithms) {
    if (HmacOrNone(a)) {
      return "--http-jwt-algorithms: \"" + a +
             "\" is refused (unsigned or shared-secret tokens cannot be checked with an issuer's "
             "public keys); use RS256, RS384, RS512, ES256 or ES384";
    }
    if (!SupportedJwsAlgorithm(a)) {
      return "--http-jwt-algorithms: \"" + a +
             "\" is not supported; use RS256, RS384, RS512, ES256 or ES384";
    }
  }
  return std::nullopt;
}

JwtVerifier::JwtVerifier(JwtSettings settings, std::shared_ptr<JwksSource> source,
                         std::shared_ptr<WallClock const> clock)
    : settings_(std::move(settings)), source_(std::move(source)), clock_(std::move(clock)) {}

bool JwtVerifier::Refresh(std::chrono::seconds min_gap) {
  // While another thread fetches, carry on with the keys at hand rather than wait: requests on
  // other connections (the I/O threads) must not queue behind a slow issuer.
  std::unique_lock fetch(fetch_mu_, std::try_to_lock);
  if (!fetch.owns_lock()) return false;
  auto const now = clock_->Now();
  {
    std::lock_guard lock(mu_);
    if (last_attempt_ && now - *last_attempt_ < min_gap) return false;
    last_attempt_ = now;
  }
  auto text = source_->Fetch();
  halo::StatusOr<JwkSet> set = text.ok() ? ParseJwks(*text) : halo::StatusOr<JwkSet>(text.status());
  std::lock_guard lock(mu_);
  if (!set.ok()) {
    last_error_ = set.status().message();
    spdlog::warn("oauth: cannot refresh the issuer's signing keys: {}", last_error_);
    return true;
  }
  keys_ = std::make_shared<JwkSet const>(*std::move(set));
  fetched_at_ = now;
  last_error_.clear();
  return true;
}

std::shared_ptr<JwkSet const> JwtVerifier::Keys(Fetching fetching) {
  bool stale = false;
  {
    std::lock_guard lock(mu_);
    stale = !keys_ || clock_->Now() - fetched_at_ >= settings_.jwks_ttl;
  }
  // Even without any keys (the issuer was down) fetches keep the interval between them.
  if (stale && fetching == Fetching::kAllowed) Refresh(settings_.refetch_interval);
  std::lock_guard lock(mu_);
  return keys_;
}

halo::Status JwtVerifier::Prime() {
  Refresh(std::chrono::seconds(0));
  std::lock_guard lock(mu_);
  if (keys_) return halo::OkStatus();
  return halo::UnavailableError("cannot fetch the issuer's signing keys: " + last_error_);
}

namespace {
constexpr std::chrono::seconds kMayFetchMargin{5};
}  // namespace

bool JwtVerifier::MayFetch(std::string_view token) const {
  // As Verify reads the token: one it refuses before looking at keys fetches nothing.
  if (token.size() > settings_.max_token_bytes || !LooksLikeJwt(token)) return false;
  std::shared_ptr<JwkSet const> keys;
  {
    std::lock_guard lock(mu_);
    // Judged a little ahead: the request is verified a moment after this answer.
    auto const now = clock_->Now() + kMayFetchMargin;
    if (last_attempt_ && now - *last_attempt_ < settings_.refetch_interval) return false;
    if (!keys_ || now - fetched_at_ >= settings_.jwks_ttl) return true;
    keys = keys_;
  }
  auto header = DecodePart(token.substr(0, token.find('.')), "header");
  if (!header.ok()) return false;
  auto kid_it = header->find("kid");
  if (kid_it != header->end() && !kid_it->is_string()) return false;
  std::string const kid = kid_it != header->end() ? kid_it->get<std::string>() : "";
  return keys->Candidates(kid, StringClaim(*header, "alg")).empty() && !keys->HasKid(kid);
}

halo::StatusOr<std::shared_ptr<Principal const>> JwtVerifier::Verify(std::string_view token,
                                                                     Fetching fetching) {
  if (token.size() > settings_.max_token_bytes) {
    return UnauthenticatedError("the token is longer than " +
                                std::to_string(settings_.max_token_bytes) + " bytes");
  }
  if (!LooksLikeJwt(token)) {
    return UnauthenticatedError("the token is not a JWT (three base64url parts)");
  }
  std::size_t const dot1 = token.find('.');
  std::size_t const dot2 = token.find('.', dot1 + 1);
  auto header = DecodePart(token.substr(0, dot1), "header");
  if (!header.ok()) return header.status();
  std::string const alg = StringClaim(*header, "alg");
  if (alg.empty()) return UnauthenticatedError("the token's header has no \"alg\"");
  // Named in the reason only when it looks like an algorithm name: the header is the sender's.
  bool const nameable = alg.size() <= 16 && std::all_of(alg.begin(), alg.end(), [](char c) {
                          return std::isalnum(static_cast<unsigned char>(c)) != 0;
                        });
  std::string const named = nameable ? "alg " + alg : "alg";
  if (HmacOrNone(alg)) return UnauthenticatedError("the token's " + named + " is refused");
  if (std::find(settings_.algorithms.begin(), settings_.algorithms.end(), alg) ==
      settings_.algorithms.end()) {
    return UnauthenticatedError("the token's " + named + " is not allowed here");
  }
  if (header->contains("crit")) {
    return UnauthenticatedError("the token's header has \"crit\" extensions this server lacks");
  }
  if (auto typ = header->find("typ"); typ != header->end()) {
    std::string const t = typ->is_string() ? halo::AsciiLower(typ->get<std::string>()) : "";
    if (t != "jwt" && t != "at+jwt" && t != "application/at+jwt") {
      return UnauthenticatedError("the token's typ is not JWT or at+jwt");
    }
  }
  auto kid_it = header->find("kid");
  if (kid_it != header->end() && !kid_it->is_string()) {
    return UnauthenticatedError("the token's kid is not a string");
  }
  std::string const kid = kid_it != header->end() ? kid_it->get<std::string>() : "";

  auto keys = Keys(fetching);
  std::vector<Jwk const*> candidates;
  if (keys) candidates = keys->Candidates(kid, alg);
  if (candidates.empty() && (!keys || !keys->HasKid(kid)) && fetching == Fetching::kAllowed) {
    // A key the issuer added since the last fetch (a rotation), at most once per interval.
    if (Refresh(settings_.refetch_interval)) {
      std::lock_guard lock(mu_);
      keys = keys_;
    }
    if (keys) candidates = keys->Candidates(kid, alg);
  }
  if (!keys) {
    return UnauthenticatedError("the issuer's signing keys are unavailable; retry later");
  }
  if (candidates.empty()) {
    return UnauthenticatedError("no " + alg + " key" +
                                (kid.empty() ? "" : " with the token's kid") +
                                " in the issuer's key set");
  }
  std::string_view const signing_input = token.substr(0, dot2);
  auto signature = DecodeBase64Url(token.substr(dot2 + 1));
  if (!signature) return UnauthenticatedError("the token's signature is not base64url");
  bool const signed_ok = std::any_of(candidates.begin(), candidates.end(), [&](Jwk const* k) {
    return VerifyJwsSignature(*k, alg, signing_input, *signature);
  });
  if (!signed_ok) return UnauthenticatedError("the token's signature does not verify");

  auto claims = DecodePart(token.substr(dot1 + 1, dot2 - dot1 - 1), "payload");
  if (!claims.ok()) return claims.status();
  auto iss = claims->find("iss");
  if (iss == claims->end() || !iss->is_string() || *iss != settings_.issuer) {
    return UnauthenticatedError("the token's issuer is not " + settings_.issuer);
  }
  if (!AudienceMatches(*claims, settings_.audience)) {
    return UnauthenticatedError("the token is not for audience " + settings_.audience);
  }
  auto const now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_->Now().time_since_epoch()).count();
  auto const leeway = settings_.leeway.count();
  auto exp = NumericDate(*claims, "exp");
  auto nbf = NumericDate(*claims, "nbf");
  auto iat = NumericDate(*claims, "iat");
  for (auto const* date : {&exp, &nbf, &iat}) {
    if (!date->ok()) return date->status();
  }
  if (!exp->has_value()) return UnauthenticatedError("the token has no expiry (\"exp\")");
  if (now > exp->value() + leeway) return UnauthenticatedError("the token has expired");
  if (nbf->has_value() && now + leeway < nbf->value()) {
    return UnauthenticatedError("the token is not valid yet");
  }
  if (iat->has_value() && now + leeway < iat->value()) {
    return UnauthenticatedError("the token was issued in the future (check the clocks)");
  }
  std::string const agent = StringClaim(*claims, settings_.agent_claim);
  if (agent.empty() || agent.size() > kMaxAgentBytes) {
    return UnauthenticatedError("the token has no usable \"" + settings_.agent_claim +
                                "\" claim naming the technician's HaloPSA agent");
  }
  if (settings_.agent_claim == "email") {
    auto verified = claims->find("email_verified");
    if (verified != claims->end() && *verified == false) {
      return UnauthenticatedError("the token's email is not verified");
    }
  }
  std::string sub = StringClaim(*claims, "sub");
  if (sub.empty() || sub.size() > kMaxAgentBytes) sub = agent;
  Principal p;
  p.name = "oauth:" + sub;
  p.agent = agent;
  return std::make_shared<Principal const>(std::move(p));
}

}  // namespace mcp
