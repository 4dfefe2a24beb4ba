#pragma once

#include "server/http_options.h"
#include "server/http_security.h"
#include "server/http_tls.h"
#include "server/mcp_server.h"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace mcp {

/**
 * MCP Streamable HTTP on one endpoint for both protocol eras (see HttpEndpoint), served with
 * asynchronous I/O on a few threads: an idle or trickling connection costs a socket and a few
 * kilobytes, never a thread. Every request must arrive whole within `read_timeout`; headers are
 * capped in count and bytes and checked (Host, Origin, token) before any of the body is read;
 * bodies and parsed messages share one memory allowance; calls run on a bounded worker pool and
 * answer with JSON, a streamed JSON array (batches) or SSE.
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
