#pragma once

#include "halo/clock.h"
#include "server/jwt_verifier.h"
#include "server/shared_sessions.h"
#include "server/token_file.h"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mcp {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8787;  // 0 = any free port (tests); port() tells which
  std::string path = "/mcp";

  // ---- what one request may be ----
  std::size_t max_message_bytes = 4 * 1024 * 1024;   // a larger body gets 413
  std::size_t max_header_bytes = 16 * 1024;          // request line and headers; over: 431
  std::size_t max_header_count = 64;                 // over: 431
  std::size_t max_batch_length = 64;                 // JSON-RPC batch members; over: -32600
  std::size_t max_response_bytes = 2 * 1024 * 1024;  // a larger response becomes an error
  /// Whole-request deadline: headers and body must arrive within this (not per byte).
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{30};      // each write of a response
  std::chrono::seconds keep_alive_timeout{5};  // idle time allowed before a request starts

  // ---- what the server holds at once ----
  std::size_t max_connections = 256;  // at the cap the longest-waiting idle one gives way
  std::size_t io_threads = 2;         // threads doing all network I/O
  /// Threads admitting and serving the requests that may wait on the OAuth issuer or the shared
  /// session store (HttpEndpoint::MayBlock); started only when either is configured.
  std::size_t offload_threads = 4;
  std::size_t workers = 16;      // tool calls (and other slow methods) running at once
  std::size_t max_queued = 256;  // calls waiting for a worker before 503
  std::chrono::milliseconds max_queue_wait{5000};  // a call still waiting after this gets 503
  /// Bytes of request bodies and parsed messages held at once; a request that does not fit
  /// gets 503 (MessageMemoryEstimate says what a message may cost).
  std::size_t max_request_memory = 24 * 1024 * 1024;
  std::size_t max_sessions = 1000;  // the least recently used idle session is evicted beyond it
  std::chrono::milliseconds session_idle_timeout{30 * 60 * 1000};
  /// Legacy sessions shared with other replicas (--shared-state); null = this process only.
  std::shared_ptr<SharedSessions> shared_sessions;

  // ---- streams ----
  /// A call that has produced no answer after this long switches its response to an SSE
  /// stream anyway, so that keep-alive comments can notice a client that went away.
  std::chrono::milliseconds sse_after{1000};
  std::chrono::milliseconds keepalive_interval{2000};  // SSE comment lines
  std::chrono::milliseconds drain_timeout{10'000};     // Stop(): then running calls are cancelled

  // ---- who may connect ----
  std::vector<std::string> tokens;      // bearer tokens; required when not bound to loopback
  std::vector<Credential> credentials;  // per-technician tokens (--http-token-file)
  std::shared_ptr<JwtVerifier> jwt;     // OAuth access tokens accepted too (--http-jwt-issuer)
  std::string metrics_token;  // GET /metrics needs it when set; otherwise loopback peers only
  /// Renders GET /metrics (Prometheus text); unset = no /metrics route.
  std::function<std::string()> metrics;
  std::vector<std::string> allowed_hosts;    // Host names accepted besides loopback ones
  std::vector<std::string> allowed_origins;  // full origins, e.g. https://app.example.com
  std::string auth_server;        // RFC 9728: advertised authorization server (enables metadata)
  std::string public_url;         // canonical URL of the endpoint (default from the Host header)
  std::string tls_cert, tls_key;  // both set = HTTPS
  bool access_log = true;

  /// Time for session expiry, queue waits and connection ages (tests pass a fake one).
  std::shared_ptr<halo::Clock const> clock = std::make_shared<halo::SystemClock>();
};

}  // namespace mcp
