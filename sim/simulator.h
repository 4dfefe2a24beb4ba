#pragma once

#include "sim/store.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace halo_sim {

/// How the simulator is sized and which HaloPSA behaviours it reproduces.
struct SimOptions {
  std::string host = "127.0.0.1";
  int port = 0;            ///< 0 = pick a free port
  std::uint64_t seed = 1;  ///< deterministic data
  int clients = 40, tickets = 3000, assets = 1200, users_per_client = 8;
  int agents = 15;
  /// Dates in the generated tenant are spread over the year before this time (epoch seconds,
  /// rounded down to midnight UTC). 0 = now.
  std::int64_t anchor_epoch = 0;
  std::string tenant = "demo";  ///< token endpoint requires ?tenant=<tenant> when non-empty
  std::string client_id, client_secret;  ///< generated (random) when empty
  int rate_limit_requests = 300;         ///< rolling window per API client; 0 = off
  int rate_limit_window_seconds = 300;
  bool send_retry_after = false;
  int token_ttl_seconds = 3600;
  bool admin = false;     ///< enable /_sim admin endpoints (faults, request log, reset)
  std::string data_file;  ///< load/save tenant JSON (atomic write: temp file + rename)
  int threads = 16;
  // Open questions in halo-api.md, as switches.
  bool accept_bare_object = false;    ///< accept a bare object as a POST body (else 400)
  bool echo_paging = false;           ///< echo page_no/page_size in paginated wrapped lists
  bool require_site_for_user = true;  ///< ticket create with user_id but no site_id -> 400
  int default_page_size = 50;         ///< rows returned without full pagination
  bool honour_actionby_agent = true;  ///< credit actions to `actionby_agent_id` (else API agent)
  std::size_t max_logged_requests = 10000;
  int save_debounce_ms = 200;  ///< data_file is written at most this often after writes
  /// How far the Date header of every answer is from this machine's clock (a tenant whose
  /// clock differs, for halo-mcp doctor's check).
  int clock_skew_seconds = 0;
};

/// One request as the simulator saw it. The client secret in a token request body is redacted.
struct LoggedRequest {
  std::string method, path;
  std::string query;  ///< raw query string
  std::string body;
  int status;  ///< 0 when the connection was dropped without a response
};

/// Scripted failures; all off by default. Counted faults apply to /api requests only.
struct Faults {
  int latency_ms = 0;  ///< added to every request (token endpoint included)
  /// How latency_ms meets the simulator's own work. false: the work starts after latency_ms, so
  /// a request takes latency_ms plus the work. true: latency_ms is the time from a request's
  /// arrival to its answer, the work included (as a remote HaloPSA's work is part of the latency
  /// its clients see), and only a request whose work takes longer answers later. Benchmarks use
  /// true: the work is then not on the critical path twice, once as the machine's CPU and once
  /// on top of the latency the bound assumes.
  bool latency_includes_work = false;
  int fail_5xx_next = 0;          ///< next N /api requests answer 503
  int reset_next = 0;             ///< next N /api requests: connection closed, nothing applied
  int ambiguous_writes_next = 0;  ///< next N POST/DELETE: the write is applied, then the
                                  ///< connection is closed without a response
  int slow_next = 0;              ///< next N requests take slow_ms extra
  int slow_ms = 0;
  int rate_limit_next = 0;     ///< next N /api requests answer 429 (storm)
  bool revoke_tokens = false;  ///< invalidate all issued tokens once (then clears itself)
};

/**
 * A HaloPSA stand-in on a real HTTP port: `POST /auth/token` (client credentials) and `/api/...`
 * with HaloPSA's paging, list shapes, filters, validation and rate limit (halo-api.md §1).
 *
 * Thread-safe: every method may be called while the server runs. The data is deterministic for
 * a given seed and sizes; see tenant_generator.h for the reference ids.
 *
 * @code
 * halo_sim::Simulator sim(halo_sim::SimOptions{.tickets = 100});
 * if (auto err = sim.Start()) return Fail(*err);
 * httplib::Client http(sim.base_url());
 * // POST /auth/token?tenant=demo with sim.client_id() / sim.client_secret(), then /api/Tickets
 * @endcode
 */
class Simulator {
 public:
  explicit Simulator(SimOptions options);
  ~Simulator();  ///< stops and joins
  Simulator(Simulator const&) = delete;
  Simulator& operator=(Simulator const&) = delete;

  /// Loads or generates the tenant and listens. nullopt on success, else an error message.
  /// Returns once the server accepts connections.
  std::optional<std::string> Start();
  void Stop();

  int port() const;
  std::string base_url() const;  ///< "http://127.0.0.1:<port>" (no /api)
  std::string tenant() const;
  std::string client_id() const;
  std::string client_secret() const;

  void SetFaults(Faults const& f);
  Faults faults() const;

  std::vector<LoggedRequest> requests() const;
  void ClearRequests();

  /// Every issued token becomes invalid (401).
  void RevokeTokens();
  /// Issues a token without going through /auth/token. `scope` is space separated.
  std::string IssueToken(std::string const& scope = "all",
                         std::chrono::seconds ttl = std::chrono::seconds(3600));
  /// Number of successful and failed calls to /auth/token so far.
  int token_requests() const;

  /// Runs `f` with the store locked (direct data access for tests). Writes are persisted.
  void WithStore(std::function<void(Store&)> const& f);
  /// Regenerates the tenant from the seed (drops all changes).
  void ResetData();
  /// Writes data_file now (no-op without one). nullopt on success.
  std::optional<std::string> SaveNow();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace halo_sim
