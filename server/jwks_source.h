#pragma once

// The issuer's key set over HTTPS: from --http-jwt-jwks-url, or discovered through the issuer's
// metadata (OpenID Connect discovery, then RFC 8414), through the HttpClient seam.

#include "halo/http_client.h"
#include "server/jwt_verifier.h"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp {

/// Why `url` may not be fetched for keys: not absolute, or plain http to a host that is not
/// loopback (keys over plain http could be swapped on the way). nullopt when fine.
std::optional<std::string> KeyUrlProblem(std::string_view url);

/// Where the issuer publishes its metadata, in the order tried: OpenID Connect
/// ("{issuer}/.well-known/openid-configuration") and RFC 8414 ("/.well-known/
/// oauth-authorization-server" inserted before the issuer's path).
std::vector<std::string> IssuerMetadataUrls(std::string const& issuer);

class HttpJwksSource final : public JwksSource {
 public:
  /// `jwks_url` empty = discover it from the issuer's metadata on the first fetch.
  HttpJwksSource(std::string issuer, std::string jwks_url, std::shared_ptr<halo::HttpClient> http);

  halo::StatusOr<std::string> Fetch() override;

  static constexpr std::size_t kMaxDocumentBytes = 256 * 1024;

 private:
  halo::StatusOr<std::string> Get(std::string const& url);
  halo::StatusOr<std::string> Discover();

  std::string issuer_;
  std::shared_ptr<halo::HttpClient> http_;
  std::mutex mu_;
  std::string jwks_url_;  // configured or discovered
};

}  // namespace mcp
