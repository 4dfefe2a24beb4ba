#pragma once

#include "halo/http_client.h"
#include "halo/status.h"

#include <chrono>
#include <memory>
#include <string>

namespace halo {

struct HttplibClientOptions {
  /// Keep-alive connections per origin; also the number of requests in flight per origin.
  int connections_per_origin = 4;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds read_timeout{30'000};
};

/**
 * The production HttpClient: a bounded pool of keep-alive cpp-httplib clients per origin. One
 * client serves one request at a time, so concurrency per origin is bounded by the pool size;
 * callers wait (cancellably) for a free one. A client whose request failed below HTTP is
 * discarded, so a broken connection is never reused.
 *
 * Bodies are read through a receiver that stops at HttpRequest::max_response_bytes (checked
 * against Content-Length first, then while reading), so an oversized answer is never held whole.
 *
 * TLS: server certificate and host name verification stay on, with OpenSSL's default (system)
 * CA store.
 */
std::shared_ptr<HttpClient> MakeHttplibClient(HttplibClientOptions options);

namespace internal {

/// An absolute URL split the way cpp-httplib wants it: the origin for the Client, and the path
/// prefix (self-hosted HaloPSA may live under a sub-path) to put in front of every request path.
struct SplitUrlResult {
  std::string origin;       // "https://acme.halopsa.com" or "http://127.0.0.1:8080"
  std::string path_prefix;  // "" or "/halo"
  std::string query;        // "tenant=acme" (without '?') or ""
};
StatusOr<SplitUrlResult> SplitUrl(std::string const& url);

}  // namespace internal
}  // namespace halo
