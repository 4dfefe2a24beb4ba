#pragma once

#include "halo/http_client.h"

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace halo::testing {

/// One request as the fake saw it.
struct SeenHttp {
  HttpRequest request;
  std::string path;                           ///< target without the query, e.g. "/api/Tickets"
  std::map<std::string, std::string> params;  ///< decoded query parameters
  std::string header(std::string const& name) const;
};

/**
 * A scripted HttpClient for unit tests: no sockets, no threads of its own, instant.
 *
 *  - Answers queued with Script("GET", "/api/Tickets", ...) are consumed in order by requests
 *    with that method and path (query ignored).
 *  - POST .../token answers on its own, unless scripted: a fresh token "<token_prefix>N" with
 *    expires_in 3600.
 *  - Anything else gets the default answer (200 "{}" unless SetDefault says otherwise).
 *
 * Every request is recorded. Thread-safe.
 */
class ScriptedHttp final : public HttpClient {
 public:
  using Handler = std::function<HttpResult(HttpRequest const&)>;

  void Script(std::string const& method, std::string const& path, HttpResult result);
  void Script(std::string const& method, std::string const& path, Handler handler);
  void SetDefault(Handler handler);
  /// Runs before each answer, outside the lock (to cancel a call or move a clock mid-request).
  void OnSend(std::function<void(HttpRequest const&)> hook);

  HttpResult Send(HttpRequest const& request, CallContext const& ctx) override;

  std::vector<SeenHttp> requests() const;
  int count(std::string const& method, std::string const& path) const;
  int token_requests() const;
  std::string last_token() const;

  std::string token_prefix = "tok-";

  static HttpResult Reply(int status, std::string body = "{}", std::string retry_after = "");
  static HttpResult Failure(TransportFailure failure, std::string error_name = "scripted");

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::deque<Handler>> scripts_;  // "GET /api/Tickets"
  Handler default_;
  std::function<void(HttpRequest const&)> hook_;
  std::vector<SeenHttp> seen_;
  int tokens_issued_ = 0;
};

}  // namespace halo::testing
