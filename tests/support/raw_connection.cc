#include "tests/support/raw_connection.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cstdint>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace halo_test {

RawConnection::RawConnection(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawConnection::Send(std::string_view data) {
  if (fd_ < 0) return false;
  while (!data.empty()) {
    ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string RawConnection::Read(std::chrono::milliseconds timeout, std::string_view needle) {
  std::string out;
  if (fd_ < 0) return out;
  auto const deadline = std::chrono::steady_clock::now() + timeout;
  while (!peer_closed_ && std::chrono::steady_clock::now() < deadline) {
    if (!needle.empty() && out.find(needle) != std::string::npos) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) continue;
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      peer_closed_ = true;
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

SlowClients::SlowClients(int port, int idle, int trickling, std::chrono::milliseconds every) {
  for (int i = 0; i < idle; ++i) idle_.push_back(std::make_unique<RawConnection>(port));
  for (int i = 0; i < trickling; ++i) {
    trickling_.push_back(std::make_unique<RawConnection>(port));
    trickling_.back()->Send("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  }
  thread_ = std::thread([this, every] {
    while (!stop_) {
      for (auto& t : trickling_) t->Send("X");
      for (auto waited = std::chrono::milliseconds(0); waited < every && !stop_;
           waited += std::chrono::milliseconds(10)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  });
}

SlowClients::~SlowClients() {
  stop_ = true;
  thread_.join();
}

int HttpStatusOf(std::string const& response) {
  if (response.size() < 12 || response.compare(0, 5, "HTTP/") != 0) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string McpPostHead(int port, std::string const& extra, std::size_t content_length) {
  return "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nAccept: application/json, text/event-stream\r\nContent-Type: application/json\r\n" +
         extra + "Content-Length: " + std::to_string(content_length) + "\r\n\r\n";
}

}  // namespace halo_test
