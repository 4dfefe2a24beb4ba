#pragma once

#include "halo/clock.h"
#include "halo/status.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace httplib {
class Client;
}

namespace halo::internal {

/// An absolute URL split the way cpp-httplib wants it: the origin for the Client, and the path
/// prefix (self-hosted HaloPSA may live under a sub-path) to put in front of every request path.
struct SplitUrlResult {
  std::string origin;       // "https://acme.halopsa.com" or "http://127.0.0.1:8080"
  std::string path_prefix;  // "" or "/halo"
  std::string query;        // "tenant=acme" (without '?') or ""
};
StatusOr<SplitUrlResult> SplitUrl(std::string const& url);

/// How a request failed below HTTP, which decides whether a write may be repeated.
enum class TransportFailure {
  kNone,       // an HTTP response arrived (any status)
  kNotSent,    // the request certainly did not reach the server (connect failure)
  kAmbiguous,  // the request may have been processed (reset after sending, read timeout, ...)
  kTls,        // certificate verification failed: a configuration problem, never retried
  kCancelled,  // we aborted a download because the caller cancelled
};

struct HttpResult {
  TransportFailure failure = TransportFailure::kNone;
  std::string error_name;  // cpp-httplib's error name when failure != kNone
  int status = 0;
  std::string body;
  std::string retry_after;  // Retry-After header, if any
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/**
 * A bounded pool of keep-alive httplib::Client objects for one origin. One client serves one
 * request at a time (cpp-httplib serialises requests per client), so concurrency is bounded by
 * the pool size; callers wait (cancellably) for a free client. A client whose request failed
 * below HTTP is discarded, so a broken connection is never reused.
 *
 * TLS: server certificate and host name verification stay on, with OpenSSL's default (system)
 * CA store.
 */
class HttpPool {
 public:
  HttpPool(std::string origin, int size, std::chrono::milliseconds connect_timeout,
           std::chrono::milliseconds read_timeout);
  ~HttpPool();
  HttpPool(HttpPool const&) = delete;
  HttpPool& operator=(HttpPool const&) = delete;

  /// Sends one request. `target` is path + query. With `cancellable`, a cancelled context
  /// aborts the download (only used for reads).
  HttpResult Send(std::string const& method, std::string const& target, HeaderList const& headers,
                  std::string const* body, std::string const& content_type, CallContext const& ctx,
                  bool cancellable);

  std::string const& origin() const { return origin_; }

 private:
  std::unique_ptr<httplib::Client> Checkout(CallContext const& ctx);
  void Return(std::unique_ptr<httplib::Client> client, bool reusable);
  std::unique_ptr<httplib::Client> MakeClient() const;

  std::string origin_;
  int size_;
  std::chrono::milliseconds connect_timeout_, read_timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<httplib::Client>> idle_;  // guarded by mu_
  int in_use_ = 0;                                      // guarded by mu_
};

}  // namespace halo::internal
