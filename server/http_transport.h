#pragma once

#include "server/mcp_server.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mcp {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8787;  // 0 = any free port (tests); port() tells which
  std::string path = "/mcp";
  std::size_t max_message_bytes = 4 * 1024 * 1024;  // larger bodies get 413
  std::size_t threads = 32;      // connections served at once (httplib thread pool)
  std::size_t workers = 16;      // tool calls running at once
  std::size_t max_queued = 256;  // tool calls waiting for a worker before 503
  std::chrono::milliseconds session_idle_timeout{30 * 60 * 1000};
  std::size_t max_sessions = 1000;  // the least recently used idle session is evicted beyond it
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds keep_alive_timeout{5};
  /// A tool call that has produced no notification after this long switches its response to an
  /// SSE stream anyway, so that keep-alive comments can notice a client that went away.
  std::chrono::milliseconds sse_after{1000};
  std::chrono::milliseconds keepalive_interval{2000};  // SSE comment lines
  std::chrono::milliseconds drain_timeout{10'000};     // Stop(): then running calls are cancelled
  std::vector<std::string> tokens;           // bearer tokens; required when not bound to loopback
  std::vector<std::string> allowed_hosts;    // Host names accepted besides loopback ones
  std::vector<std::string> allowed_origins;  // full origins, e.g. https://app.example.com
  std::string auth_server;        // RFC 9728: advertised authorization server (enables metadata)
  std::string public_url;         // canonical URL of the endpoint (default from the Host header)
  std::string tls_cert, tls_key;  // both set = HTTPS
  bool access_log = true;
};

/// Whether a bind address is loopback (127.0.0.0/8, ::1, localhost).
bool IsLoopbackHost(std::string const& host);

/// When TLS is asked for: whether both --tls-cert and --tls-key are given, readable, PEM, and
/// the key belongs to the certificate. The message names the flag at fault; nullopt when fine.
std::optional<std::string> CheckTls(HttpOptions const& options);

/**
 * MCP Streamable HTTP on one endpoint for both protocol eras: the legacy session shape
 * (initialize, Mcp-Session-Id, GET stream, DELETE) and the stateless 2026-07-28 shape (per-request
 * _meta, Mcp-Method / Mcp-Name headers). Requests run on a bounded thread pool; tool calls answer
 * with JSON, or with an SSE stream once they produce notifications or take longer than
 * `sse_after`. Origin and Host are checked against an allow-list; bearer tokens when configured.
 */
class HttpTransport {
 public:
  HttpTransport(McpServer& server, HttpOptions options);
  ~HttpTransport();
  HttpTransport(HttpTransport const&) = delete;
  HttpTransport& operator=(HttpTransport const&) = delete;

  /// Binds the listening socket; returns a message on failure (bad TLS files, port in use,
  /// no tokens off loopback).
  std::optional<std::string> Bind();
  int port() const { return port_; }
  std::string url() const;  // http(s)://host:port/path

  /// Serves until Stop(); in-flight requests are drained (cancelled after drain_timeout).
  void Run();
  /// Safe from any thread (e.g. a signal-waiting thread).
  void Stop();

  std::size_t session_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace mcp
