#pragma once

#include "halo/clock.h"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace halo {

/// How a request failed below HTTP, which decides whether a write may be repeated.
enum class TransportFailure {
  kNone,       ///< an HTTP response arrived (any status)
  kNotSent,    ///< the request certainly did not reach the server (connect failure)
  kAmbiguous,  ///< the request may have been processed (reset after sending, read timeout, ...)
  kTls,        ///< certificate verification failed: a configuration problem, never retried
  kCancelled,  ///< the caller cancelled before sending or while downloading a read's answer
  kTooLarge,   ///< the answer exceeded HttpRequest::max_response_bytes; the read was abandoned
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// One HTTP exchange as the HaloPSA client describes it.
struct HttpRequest {
  std::string method;  ///< "GET", "POST" or "DELETE"
  std::string origin;  ///< "https://acme.halopsa.com" or "http://127.0.0.1:8080"
  std::string target;  ///< path and query, e.g. "/api/Tickets?page_no=2"
  HeaderList headers;
  std::string body;  ///< sent with POST
  std::string content_type;
  /// The body is read up to this many bytes; a longer answer is abandoned (kTooLarge).
  std::size_t max_response_bytes = std::size_t{32} << 20;
  /// A cancelled context may abort the download. Only for reads: a write's answer is always read.
  bool abort_on_cancel = false;
};

/// What came back: a response (failure == kNone) or why there is none.
struct HttpResult {
  TransportFailure failure = TransportFailure::kNone;
  std::string error_name;  ///< the transport's name for the failure, when failure != kNone
  int status = 0;          ///< HTTP status; also set with kTooLarge when the status line arrived
  std::string body;
  std::string retry_after;  ///< Retry-After header, if any
  std::string date;         ///< Date header, if any (halo-mcp doctor compares clocks)
};

/**
 * The HTTP seam of the HaloPSA client. Production uses pooled Boost.Beast connections
 * (beast_client.h); tests use a scripted fake (testing/scripted_http.h), so that every retry
 * and write-safety rule is checked without sockets.
 *
 * Implementations are thread-safe, never throw, and classify failures honestly: kNotSent only
 * when the request certainly did not leave (a write is then repeated), kAmbiguous whenever it
 * may have been processed.
 */
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual HttpResult Send(HttpRequest const& request, CallContext const& ctx) = 0;
};

}  // namespace halo
