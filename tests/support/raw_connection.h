#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace halo_test {

/**
 * A raw TCP connection to 127.0.0.1, for what an HTTP client library will not send: header
 * floods, trickled requests, bodies announced and never sent, connections left idle.
 */
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(RawConnection const&) = delete;
  RawConnection& operator=(RawConnection const&) = delete;

  bool connected() const { return fd_ >= 0; }
  /// Sends everything; false once the server has closed (or reset) the connection.
  bool Send(std::string_view data);
  /// What arrives until the server closes, `needle` shows up, or `timeout` passes.
  std::string Read(std::chrono::milliseconds timeout, std::string_view needle = "");
  bool peer_closed() const { return peer_closed_; }

 private:
  int fd_ = -1;
  bool peer_closed_ = false;
};

/// Connections that hold the server's attention without ever completing a request: `idle` ones
/// that send nothing, and `trickling` ones that send a request line, then one byte every
/// `every`, until this is destroyed.
class SlowClients {
 public:
  SlowClients(int port, int idle, int trickling, std::chrono::milliseconds every);
  ~SlowClients();
  SlowClients(SlowClients const&) = delete;
  SlowClients& operator=(SlowClients const&) = delete;

 private:
  std::vector<std::unique_ptr<RawConnection>> idle_, trickling_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// The status code of a raw HTTP response ("HTTP/1.1 431 ..."), 0 when there is none.
int HttpStatusOf(std::string const& response);

/// "POST /mcp" request line and headers, with the Accept and Content-Type MCP wants; `extra` is
/// more header lines, each ending in CRLF.
std::string McpPostHead(int port, std::string const& extra, std::size_t content_length);

}  // namespace halo_test
