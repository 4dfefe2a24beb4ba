#include "server/jwks_source.h"

#include "halo/bounded_json.h"
#include "halo/split_url.h"
#include "halo/text.h"
#include "server/http_security.h"

namespace mcp {

std::optional<std::string> KeyUrlProblem(std::string_view url) {
  std::string const lower = halo::AsciiLower(url);
  std::string_view rest;
  if (lower.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else if (lower.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return "\"" + std::string(url) + "\" is not an https:// URL";
  }
  std::string_view const authority = rest.substr(0, rest.find_first_of("/?#"));
  auto host = AuthorityHost(authority);
  if (!host) return "\"" + std::string(url) + "\" has no valid host";
  if (lower[4] == ':' && !IsLoopbackHost(*host)) {
    return "\"" + std::string(url) + "\" must use https:// (plain http only for loopback)";
  }
  return std::nullopt;
}

std::vector<std::string> IssuerMetadataUrls(std::string const& issuer) {
  std::string base = issuer;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::vector<std::string> out{base + "/.well-known/openid-configuration"};
  auto const scheme_end = base.find("://");
  auto const path_start =
      scheme_end == std::string::npos ? std::string::npos : base.find('/', scheme_end + 3);
  if (path_start == std::string::npos) {
    out.push_back(base + "/.well-known/oauth-authorization-server");
  } else {
    out.push_back(base.substr(0, path_start) + "/.well-known/oauth-authorization-server" +
                  base.substr(path_start));
  }
  return out;
}

HttpJwksSource::HttpJwksSource(std::string issuer, std::string jwks_url,
                               std::shared_ptr<halo::HttpClient> http)
    : issuer_(std::move(issuer)), http_(std::move(http)), jwks_url_(std::move(jwks_url)) {}

halo::StatusOr<std::string> HttpJwksSource::Get(std::string const& url) {
  if (auto problem = KeyUrlProblem(url)) return halo::FailedPreconditionError(*problem);
  auto split = halo::internal::SplitUrl(url);
  if (!split.ok()) return split.status();
  halo::HttpRequest request;
  request.method = "GET";
  request.origin = split->origin;
  request.target = split->path_prefix.empty() ? "/" : split->path_prefix;
  if (!split->query.empty()) request.target += "?" + split->query;
  request.headers.emplace_back("Accept", "application/json");
  request.max_response_bytes = kMaxDocumentBytes;
  auto result = http_->Send(request, halo::CallContext{});
  if (result.failure == halo::TransportFailure::kTooLarge) {
    return halo::UnavailableError(url + " answered more than " + std::to_string(kMaxDocumentBytes) +
                                  " bytes");
  }
  if (result.failure != halo::TransportFailure::kNone) {
    return halo::UnavailableError(url + " cannot be reached (" + result.error_name + ")");
  }
  if (result.status != 200) {
    return halo::UnavailableError(url + " answered HTTP " + std::to_string(result.status));
  }
  return std::move(result.body);
}

halo::StatusOr<std::string> HttpJwksSource::Discover() {
  std::string failures;
  for (auto const& url : IssuerMetadataUrls(issuer_)) {
    auto body = Get(url);
    if (!body.ok()) {
      failures += (failures.empty() ? "" : "; ") + body.status().message();
      continue;
    }
    auto doc = halo::ParseBoundedJson(*body, halo::JsonLimits{16, 10'000});
    if (!doc.ok() || !doc.value.is_object()) {
      failures += (failures.empty() ? "" : "; ") + url + " is not a JSON object";
      continue;
    }
    // RFC 8414 section 3.3: metadata naming another issuer must not be used.
    auto iss = doc.value.find("issuer");
    if (iss == doc.value.end() || !iss->is_string() || *iss != issuer_) {
      failures += (failures.empty() ? "" : "; ") + url + " names another issuer";
      continue;
    }
    auto jwks = doc.value.find("jwks_uri");
    if (jwks == doc.value.end() || !jwks->is_string()) {
      failures += (failures.empty() ? "" : "; ") + url + " has no jwks_uri";
      continue;
    }
    return jwks->get<std::string>();
  }
  return halo::UnavailableError("cannot discover the issuer's jwks_uri (" + failures +
                                "); set --http-jwt-jwks-url");
}

halo::StatusOr<std::string> HttpJwksSource::Fetch() {
  std::string url;
  {
    std::lock_guard lock(mu_);
    url = jwks_url_;
  }
  if (url.empty()) {
    auto discovered = Discover();
    if (!discovered.ok()) return discovered.status();
    url = *discovered;
    std::lock_guard lock(mu_);
    jwks_url_ = url;
  }
  return Get(url);
}

}  // namespace mcp
