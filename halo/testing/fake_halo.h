#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace halo::testing {

/// One request as the fake saw it.
struct SeenRequest {
  std::string method;
  std::string path;  // as sent, e.g. "/api/Tickets"
  std::map<std::string, std::string> params;
  std::string body;
  std::string authorization;
  std::string user_agent;
};

/// A canned answer for the next matching request.
struct Scripted {
  enum class Action {
    kRespond,   // status + body (+ Retry-After)
    kTruncate,  // 200 headers, then half a body and the connection closes
    kChunked,   // 200, body sent chunked (no Content-Length) in 1 KiB pieces
    kDelay,     // sleep delay, then respond (use with a short client read timeout)
  };
  Action action = Action::kRespond;
  int status = 200;
  std::string body = "{}";
  std::string retry_after;
  std::chrono::milliseconds delay{0};

  static Scripted Reply(int status, std::string body, std::string retry_after = "") {
    Scripted s;
    s.status = status;
    s.body = std::move(body);
    s.retry_after = std::move(retry_after);
    return s;
  }
};

/// How a registered list answers.
enum class ListShape { kWrapped, kBare, kWrappedWithoutKey };

/**
 * A small in-process HaloPSA stand-in for the client's tests: an httplib::Server on 127.0.0.1
 * (port chosen by the OS) with
 *  - POST /auth/token (form-encoded client credentials, optional ?tenant=, scope check,
 *    numbered tokens "tok-1", "tok-2", ...; optional latency);
 *  - every /api/ path requiring a token it issued (401 otherwise);
 *  - registered lists with HaloPSA's paging rules (pageinate + page_no, page_size capped at
 *    100 or at a per-list maximum, 50 rows without paging), wrapped or bare;
 *  - POST echoing the saved records with new ids (one element -> object, more -> array);
 *  - scripted answers per "METHOD /api/Path" consumed in order.
 * Everything is recorded for assertions. Paths match case-insensitively, as HaloPSA's do.
 */
class FakeHalo {
 public:
  FakeHalo();
  ~FakeHalo();
  FakeHalo(FakeHalo const&) = delete;
  FakeHalo& operator=(FakeHalo const&) = delete;

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // --- token endpoint -----------------------------------------------------------------------
  std::string client_id = "test-client-id";
  std::string client_secret = "S3cr3t-Value-Never-Logged";
  /// Requires ?tenant= on token requests when not empty. Set through here, under the lock:
  /// the server's threads read it.
  void set_tenant(std::string tenant);
  std::string tenant() const;
  std::set<std::string> scopes = {"all"};
  void set_token_expires_in(int seconds);
  void set_token_latency(std::chrono::milliseconds d);
  int token_requests() const;
  std::string last_token() const;
  /// Every token issued so far stops working (the API answers 401).
  void RevokeTokens();

  // --- lists ---------------------------------------------------------------------------------
  /// Serves `rows` at GET `path` (e.g. "/api/Tickets"). `served_page_cap` models endpoints
  /// that serve fewer rows than asked (Asset: 50).
  void AddList(std::string const& path, nlohmann::json rows, std::string key,
               ListShape shape = ListShape::kWrapped, int served_page_cap = 100);
  /// Random per-request latency up to `max` on list pages, so concurrent pages finish out of
  /// order.
  void set_list_jitter(std::chrono::milliseconds max);

  // --- scripted answers ----------------------------------------------------------------------
  void Script(std::string const& method, std::string const& path, Scripted s);

  // --- observations --------------------------------------------------------------------------
  std::vector<SeenRequest> requests() const;
  int count(std::string const& method, std::string const& path) const;
  void clear_requests();

 private:
  struct List {
    nlohmann::json rows;
    std::string key;
    ListShape shape;
    int cap;
  };
  void Handle(httplib::Request const& req, httplib::Response& res);
  void HandleToken(httplib::Request const& req, httplib::Response& res);

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mu_;
  std::vector<SeenRequest> seen_;
  std::map<std::string, std::deque<Scripted>> scripts_;  // key "GET /api/tickets"
  std::map<std::string, List> lists_;                    // key lower-case path
  std::set<std::string> valid_tokens_;
  std::string tenant_;  // guarded by mu_
  int token_counter_ = 0;
  int token_requests_ = 0;
  int expires_in_ = 3600;
  std::chrono::milliseconds token_latency_{0};
  std::chrono::milliseconds list_jitter_{0};
  std::int64_t next_id_ = 1000;
  std::uint64_t rng_state_ = 88172645463325252ULL;
};

}  // namespace halo::testing
