#include "tests/support/redis_server.h"

#include "tests/support/raw_connection.h"

#include <arpa/inet.h>
#include <chrono>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace halo_test {

using namespace std::chrono_literals;

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool RedisServer::Start() {
  process_ =
      McpProcess::Start({"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind",
                         "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"});
  for (auto deadline = std::chrono::steady_clock::now() + 5s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(20ms)) {
    RawConnection c(port_);
    if (c.connected() && c.Send("PING\r\n") &&
        c.Read(500ms, "PONG").find("PONG") != std::string::npos) {
      return true;
    }
  }
  return false;
}

void RedisServer::Stop() {
  if (!process_) return;
  process_->Signal(SIGTERM);
  process_->Wait(5s);
  process_.reset();
}

}  // namespace halo_test
