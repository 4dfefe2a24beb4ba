#pragma once

#include "halo/status.h"

#include <string>

namespace halo::internal {

/// An absolute URL split the way the HTTP seam wants it: the origin to connect to, and the path
/// prefix (self-hosted HaloPSA may live under a sub-path) to put in front of every request path.
struct SplitUrlResult {
  std::string origin;       // "https://acme.halopsa.com" or "http://127.0.0.1:8080"
  std::string path_prefix;  // "" or "/halo"
  std::string query;        // "tenant=acme" (without '?') or ""
};
StatusOr<SplitUrlResult> SplitUrl(std::string const& url);

/// An origin ("https://host[:port]") as a connection needs it. IPv6 literals keep no brackets in
/// `host`; `host_header` is what the Host header carries (port only when not the default).
struct Origin {
  bool tls = false;
  std::string host;         // "acme.halopsa.com", "127.0.0.1", "::1"
  std::string port;         // "443"
  std::string host_header;  // "acme.halopsa.com", "[::1]:8080"
  bool host_is_address = false;
};
StatusOr<Origin> ParseOrigin(std::string const& origin);

}  // namespace halo::internal
