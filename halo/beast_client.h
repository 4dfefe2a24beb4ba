#pragma once

#include "halo/http_client.h"

#include <chrono>
#include <memory>

namespace halo {

struct HttpClientOptions {
  /// Keep-alive connections per origin; also the number of requests in flight per origin.
  int connections_per_origin = 4;
  std::chrono::milliseconds connect_timeout{10'000};
  /// The longest silence while sending a request or reading its answer.
  std::chrono::milliseconds read_timeout{30'000};
};

/**
 * The production HttpClient, on Boost.Beast and Asio: a bounded pool of keep-alive connections
 * per origin. One connection serves one request at a time, so concurrency per origin is bounded
 * by the pool size; callers wait (cancellably) for a free one. A connection whose request failed
 * below HTTP is closed, so a broken connection is never reused; an idle one the server has closed
 * is noticed before it is used, and replaced.
 *
 * Bodies (fixed-length or chunked) are read up to HttpRequest::max_response_bytes (a declared
 * Content-Length over it is refused before any of the body is read), so an oversized answer is
 * never held whole.
 *
 * TLS: OpenSSL's SSL side is set up on the first https request only (an http-only process never
 * initialises it). The server certificate is verified against the system CA store, with SNI and
 * host name (or IP address) verification.
 *
 * Failure classes: resolving, connecting and the TLS handshake fail with kNotSent (a handshake
 * refused for its certificate with kTls); anything after the first byte of the request may have
 * been written is kAmbiguous.
 */
std::shared_ptr<HttpClient> MakeHttpClient(HttpClientOptions options);

}  // namespace halo
