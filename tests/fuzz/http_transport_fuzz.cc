// Fuzz target: an HTTP request (request line, headers, body) -> the Streamable HTTP transport
// (host, origin and token checks, sessions, both protocol eras) -> McpServer with the real tool
// registry -> ToolExecutor over an in-memory HaloClient. The transport is served for real on a
// loopback port and each input is sent on a fresh connection, because the transport has no
// entry point that takes request bytes; Frame() says what of the input is sent as it is.
// TODO: fuzz without sockets if the transport grows an entry point that takes request bytes.
// Invariants: no crash; the answer starts with an HTTP/1.x status line; no request makes a
// handler throw (500); the server still answers /healthz afterwards.
#include "server/http_transport.h"
#include "tests/fuzz/canned_halo.h"
#include "tests/fuzz/fuzz_fail.h"

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

constexpr char kToken[] = "fuzz-token";
constexpr std::size_t kMaxBody = 16 * 1024;  // larger bodies are refused (413) unread

using halo_fuzz::Fail;

/// The server every input is sent to; stopped and joined at exit.
class Fixture {
 public:
  Fixture() : server_(halo_fuzz::MakeServer()) {
    mcp::HttpOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.tokens = {kToken};
    o.auth_server = "https://auth.example.com";
    o.max_message_bytes = kMaxBody;
    o.io_threads = 2;
    o.workers = 2;
    o.max_queued = 4;
    o.max_sessions = 64;
    o.read_timeout = std::chrono::seconds(2);
    o.keep_alive_timeout = std::chrono::seconds(1);
    o.sse_after = std::chrono::milliseconds(50);
    o.keepalive_interval = std::chrono::milliseconds(100);
    o.drain_timeout = std::chrono::milliseconds(100);
    o.access_log = false;
    transport_ = std::make_unique<mcp::HttpTransport>(*server_, o);
    if (auto error = transport_->Bind()) Fail("cannot bind", *error);
    thread_ = std::thread([this] { transport_->Run(); });
  }
  ~Fixture() {
    transport_->Stop();
    thread_.join();
  }
  int port() const { return transport_->port(); }

 private:
  std::unique_ptr<mcp::McpServer> server_;
  std::unique_ptr<mcp::HttpTransport> transport_;
  std::thread thread_;
};

Fixture& Server() {
  static Fixture fixture;
  return fixture;
}

/// The request the input describes, with framing the server can finish reading: the input's
/// request line and header lines up to its first blank line (lines end at '\n'; every '\r' is
/// dropped; its own Content-Length, Transfer-Encoding and Connection headers are dropped), then
/// Content-Length and Connection: close for the rest of the input, the body. Parsing HTTP
/// framing is Beast's job; what this target fuzzes is what halo-mcp makes of the method,
/// path, headers and body, and a request whose length the server cannot know only waits for the
/// read timeout.
std::string Frame(std::string_view input) {
  std::string out;
  while (!input.empty()) {
    auto eol = input.find('\n');
    std::string_view raw = input.substr(0, eol);
    input.remove_prefix(eol == std::string_view::npos ? input.size() : eol + 1);
    std::string line;
    for (char c : raw) {
      if (c != '\r') line.push_back(c);
    }
    if (line.empty()) break;  // end of the head
    std::string name = line.substr(0, line.find(':'));
    std::string lower;
    for (char c : name) {
      if (c != ' ' && c != '\t') lower.push_back(static_cast<char>(std::tolower(c)));
    }
    if (lower == "content-length" || lower == "transfer-encoding" || lower == "connection") {
      continue;
    }
    out += line + "\r\n";
  }
  out += "Content-Length: " + std::to_string(input.size()) + "\r\nConnection: close\r\n\r\n";
  out.append(input);
  return out;
}

/// Whether `data` holds one whole response: headers, then a Content-Length or chunked body.
/// (The server keeps a connection open after some answers, whatever the request said.)
bool ResponseComplete(std::string_view data) {
  auto head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return false;
  std::string head(data.substr(0, head_end));
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view body = data.substr(head_end + 4);
  if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
    for (;;) {
      auto eol = body.find("\r\n");
      if (eol == std::string_view::npos) return false;
      std::size_t size = std::strtoul(std::string(body.substr(0, eol)).c_str(), nullptr, 16);
      if (size == 0) return body.find("\r\n\r\n", eol) != std::string_view::npos;
      if (body.size() < eol + 2 + size + 2) return false;
      body.remove_prefix(eol + 2 + size + 2);
    }
  }
  auto length = head.find("\r\ncontent-length:");
  if (length == std::string::npos) return false;  // read until the server closes
  return body.size() >= std::strtoul(head.c_str() + length + 17, nullptr, 10);
}

/// Sends `request` on a new connection and reads its answer until complete, the server closes,
/// or `budget` passes (a standalone SSE stream stays open; it is abandoned, as a client may).
/// The sending side is never shut down early, so a half-closed peer is not part of what is fuzzed.
std::string Exchange(std::string const& request, std::chrono::milliseconds budget) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(Server().port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = -1;
  // Thousands of connections a second can use up the client's ephemeral ports (TIME_WAIT):
  // that is this harness's limit, not the server's, so wait for ports to free up. A signal (the
  // campaign paused and resumed) interrupts connect: start again on a fresh socket.
  for (int attempt = 0;; ++attempt) {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) Fail("socket", std::strerror(errno));
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) break;
    int const error = errno;
    close(fd);
    if ((error != EADDRNOTAVAIL && error != EINTR) || attempt == 3000) {
      Fail("the server no longer accepts connections", std::strerror(error));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  for (std::size_t off = 0; off < request.size();) {
    ssize_t n = send(fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may refuse early (413, 400) and close
    off += static_cast<std::size_t>(n);
  }
  std::string response;
  auto const deadline = std::chrono::steady_clock::now() + budget;
  char buf[16384];
  while (!ResponseComplete(response)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    response.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return response;
}

void CheckResponse(std::string_view response) {
  if (response.empty()) return;  // closed without answering: bytes that are not HTTP
  // Beast answers in the request's version, so an HTTP/1.0 request gets an HTTP/1.0 status line.
  auto const version = response.substr(0, 9);
  if (response.size() < 12 || (version != "HTTP/1.1 " && version != "HTTP/1.0 ")) {
    Fail("answer without a status line", response.substr(0, 200));
  }
  // Only the first answer is read: later ones (pipelined requests) could not be told apart from
  // a body that echoes the input.
  if (response.substr(9, 3) == "500") Fail("a handler threw (500)", response.substr(0, 400));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  halo_fuzz::SilenceLogs();
  Server();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
  static std::uint64_t runs = 0;
  std::string_view input(reinterpret_cast<char const*>(data), size);
  CheckResponse(Exchange(Frame(input), std::chrono::milliseconds(2000)));
  if (++runs % 256 == 0) {
    std::string health = Exchange(Frame("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                                  std::chrono::seconds(5));
    if (health.rfind("HTTP/1.1 200", 0) != 0) Fail("/healthz does not answer", health);
  }
  return 0;
}
