#pragma once

// A redis-server of a test's (or benchmark's) own on a free loopback port.

#include "tests/support/mcp_process.h"

#include <memory>
#include <string>

namespace halo_test {

/// A free loopback TCP port (bound and released; good enough for a test's own servers).
int FreePort();

/// redis-server on 127.0.0.1:`port`, without persistence; Start() waits until it answers PING.
class RedisServer {
 public:
  explicit RedisServer(int port = FreePort()) : port_(port) {}
  ~RedisServer() { Stop(); }
  bool Start();
  void Stop();
  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

 private:
  int port_;
  std::unique_ptr<McpProcess> process_;
};

}  // namespace halo_test
