#pragma once

// MCP Streamable HTTP for both protocol eras on one endpoint, over plain request and reply
// values: the legacy session shape (initialize, Mcp-Session-Id, GET stream, DELETE, 2025-03-26
// batches) and the stateless 2026-07-28 shape (per-request _meta, Mcp-Method / Mcp-Name). The
// transport reads and writes the bytes; everything decided about a request is decided here.

#include "server/http_exchange.h"
#include "server/http_limits.h"
#include "server/http_message.h"
#include "server/http_options.h"
#include "server/http_security.h"
#include "server/http_sessions.h"
#include "server/mcp_server.h"
#include "server/worker_pool.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace mcp {

/// Logs the exception being handled; call it from a catch block (every thread entry point of
/// the transport has one).
void LogException(char const* where);

/// The answer to a request: a complete reply, or an exchange that the connection drains (a call
/// running on a worker, or a standalone stream).
struct HttpOutcome {
  HttpReply reply;  // when there is no exchange
  std::shared_ptr<Exchange> exchange;
  std::function<void()> on_done;  // run once the exchange is over
  std::string label;              // what was asked, for the access log
};

class HttpEndpoint {
 public:
  HttpEndpoint(McpServer& server, HttpOptions const& options);
  ~HttpEndpoint();
  HttpEndpoint(HttpEndpoint const&) = delete;
  HttpEndpoint& operator=(HttpEndpoint const&) = delete;

  /// A configuration that cannot serve (no tokens off loopback, a malformed allowed origin).
  std::optional<std::string> Problem() const { return access_.Problem(); }

  /// Everything that can be decided from the request line and headers, before the body is read:
  /// Host, Origin and token (403/401), route (404/405), Accept and Content-Type (406/415),
  /// declared size (413), shutting down (503). A reply means: send it, read no further.
  std::optional<HttpReply> Admit(HttpRequestHead const& head) const;

  /// Whether admitting or serving this request may wait on another server: the OAuth issuer (a
  /// key set to fetch) or the shared session store (a legacy session to look up or publish).
  /// The transport runs those steps off its network threads, so that a slow issuer or Redis
  /// holds up only the requests that need it. Never true unless MayEverBlock().
  bool MayBlock(HttpRequestHead const& head) const;
  /// JWT validation or shared sessions are configured.
  bool MayEverBlock() const { return options_.jwt || options_.shared_sessions; }

  /// Serves an admitted request whose body has been read. `memory` paid for the body; it is
  /// grown to what the parsed message may take and held until the request is answered.
  HttpOutcome Serve(HttpRequestHead const& head, std::string body, MemoryBudget::Lease memory);

  /// New requests get 503 from now on; standalone streams end.
  void Stop();
  /// Cancels every call still running (the drain timeout passed).
  void CancelAll();
  /// Waits for the workers to finish what they run.
  void DrainWorkers();

  std::size_t session_count() { return sessions_.size(); }
  std::chrono::milliseconds sweep_period() const { return sessions_.sweep_period(); }
  void Sweep() { sessions_.Sweep(); }

 private:
  struct Held;  // what a request running on a worker keeps alive

  HttpOutcome Post(HttpRequestHead const& head, std::string body, MemoryBudget::Lease memory);
  HttpOutcome PostModern(HttpRequestHead const& head, Message message, nlohmann::json const& meta,
                         std::shared_ptr<Held> held);
  HttpOutcome PostLegacy(HttpRequestHead const& head, Message message, std::shared_ptr<Held> held);
  HttpOutcome PostBatch(HttpRequestHead const& head, nlohmann::json batch,
                        std::shared_ptr<Held> held);
  HttpOutcome Get(HttpRequestHead const& head);
  HttpOutcome Delete(HttpRequestHead const& head);
  HttpReply ProtectedResourceMetadata(HttpRequestHead const& head) const;

  /// Answers a request: on this thread when it is quick, else on a worker through an exchange.
  HttpOutcome Run(Session& session, Message message, bool modern, std::shared_ptr<Held> held);
  /// The one place the method layer is called for a single message, so that its request
  /// context is built once (with SenderFor, which batches use too).
  nlohmann::json Handle(Session& session, Message const& message,
                        std::shared_ptr<Exchange> const& exchange,
                        std::shared_ptr<Principal const> const& principal);
  /// A legacy session continues only with the token that opened it.
  bool Owns(Session& session, HttpRequestHead const& head) const;
  static CallScope::Sender SenderFor(std::shared_ptr<Exchange> const& exchange);
  std::shared_ptr<Exchange> NewExchange(Exchange::Kind kind, bool modern);
  /// Runs `work` on a worker and answers the exchange with what it returns (a batch returns
  /// null: it answered member by member). False (after `refused`) when the queue is full; a
  /// call that waited longer than max_queue_wait gets 503 instead of running.
  bool Submit(std::shared_ptr<Exchange> const& exchange, std::shared_ptr<Held> held,
              nlohmann::json id, std::function<nlohmann::json()> work,
              std::function<void()> refused);

  McpServer& server_;
  HttpOptions const& options_;
  AccessPolicy const access_;
  SessionStore sessions_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> get_streams_{0};
  std::mutex mu_;
  std::vector<std::weak_ptr<Exchange>> running_;  // for CancelAll
  WorkerPool pool_;                               // last: its threads stop first
};

}  // namespace mcp
