// The Beast HttpClient against a real loopback server (the fake HaloPSA) and closed ports: how
// each failure below HTTP is classified, keep-alive reuse, cancellation, and origin parsing.
#include "halo/beast_client.h"

#include "halo/split_url.h"
#include "halo/testing/fake_halo.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <semaphore>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;
using halo::TransportFailure;
using halo::testing::FakeHalo;
using halo::testing::Scripted;

namespace {

halo::HttpRequest Get(std::string origin, std::string target) {
  halo::HttpRequest r;
  r.method = "GET";
  r.origin = std::move(origin);
  r.target = std::move(target);
  return r;
}

/// A loopback port with nothing listening on it.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

/// Asks the fake for a token (a form POST) and returns its Authorization header.
halo::HeaderList Authorized(FakeHalo& halo, halo::HttpClient& http) {
  auto req = Get(halo.base_url(), "/auth/token");
  req.method = "POST";
  req.content_type = "application/x-www-form-urlencoded";
  req.body = "grant_type=client_credentials&client_id=" + halo.client_id +
             "&client_secret=" + halo.client_secret + "&scope=all";
  auto r = http.Send(req, halo::CallContext{});
  REQUIRE(r.status == 200);
  auto token = nlohmann::json::parse(r.body).at("access_token").get<std::string>();
  return {{"Authorization", "Bearer " + token}};
}

/// A one-shot-per-connection HTTP server: each connection gets one keep-alive answer, then the
/// server closes it (as a load balancer closes idle connections). `closed` counts closures.
class ClosingServer {
 public:
  explicit ClosingServer(int connections) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 8);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this, connections] {
      for (int i = 0; i < connections; ++i) {
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        std::string request;
        char buf[4096];
        while (request.find("\r\n\r\n") == std::string::npos) {
          ssize_t n = read(c, buf, sizeof buf);
          if (n <= 0) break;
          request.append(buf, static_cast<std::size_t>(n));
        }
        std::string const answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        if (write(c, answer.data(), answer.size()) < 0) break;
        close(c);
        closed_.release();
      }
    });
  }
  ~ClosingServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void WaitClosed() { closed_.acquire(); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::counting_semaphore<16> closed_{0};
  std::thread thread_;
};

}  // namespace

TEST_CASE("An idle connection the server closed is replaced, not used", "[halo][http]") {
  ClosingServer server(2);
  auto http = halo::MakeHttpClient({1, 2000ms, 2000ms});
  halo::CallContext ctx;
  auto post = Get(server.origin(), "/api/Tickets");
  post.method = "POST";
  post.body = "[{}]";
  auto first = http->Send(post, ctx);
  REQUIRE(first.failure == TransportFailure::kNone);
  server.WaitClosed();
  // Writing on the dead pooled connection would make this write's outcome unknown.
  auto second = http->Send(post, ctx);
  CHECK(second.failure == TransportFailure::kNone);
  CHECK(second.body == "ok");
}

TEST_CASE("Origins are parsed for connecting and for the Host header", "[halo][http]") {
  auto o = halo::internal::ParseOrigin("https://Acme.halopsa.com");
  REQUIRE(o.ok());
  CHECK(o->tls);
  CHECK(o->port == "443");
  CHECK(o->host_header == "Acme.halopsa.com");
  CHECK_FALSE(o->host_is_address);
  auto v6 = halo::internal::ParseOrigin("http://[::1]:8080");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->host_header == "[::1]:8080");
  CHECK(v6->host_is_address);
  auto v4 = halo::internal::ParseOrigin("HTTP://127.0.0.1:80");
  REQUIRE(v4.ok());
  CHECK(v4->host_header == "127.0.0.1");
  for (char const* bad : {"ftp://x", "http://", "http://h:0", "http://h:99999", "http://h:8a",
                          "http://[::1", "http://u@h", "nohost"}) {
    INFO(bad);
    CHECK_FALSE(halo::internal::ParseOrigin(bad).ok());
  }
}

TEST_CASE("Failures before sending are kNotSent", "[halo][http]") {
  auto http = halo::MakeHttpClient({2, 2000ms, 2000ms});
  halo::CallContext ctx;
  SECTION("connection refused") {
    auto r = http->Send(Get("http://127.0.0.1:" + std::to_string(ClosedPort()), "/"), ctx);
    CHECK(r.failure == TransportFailure::kNotSent);
    CHECK_THAT(r.error_name, Catch::Contains("could not connect"));
  }
  SECTION("a name that does not resolve") {
    auto r = http->Send(Get("http://no-such-host.invalid", "/"), ctx);
    CHECK(r.failure == TransportFailure::kNotSent);
  }
  SECTION("TLS to a server that does not speak it: the handshake fails, nothing was sent") {
    FakeHalo halo;
    auto r = http->Send(Get("https://127.0.0.1:" + std::to_string(halo.port()), "/api/x"), ctx);
    CHECK(r.failure == TransportFailure::kNotSent);
    CHECK(halo.requests().empty());
  }
  SECTION("an unsupported method") {
    auto req = Get("http://127.0.0.1:1", "/");
    req.method = "PATCH";
    CHECK(http->Send(req, ctx).failure == TransportFailure::kNotSent);
  }
}

TEST_CASE("Answers, keep-alive and caps over a real connection", "[halo][http]") {
  FakeHalo halo;
  auto http = halo::MakeHttpClient({1, 2000ms, 2000ms});
  halo::CallContext ctx;
  std::string const origin = halo.base_url();
  halo::HeaderList const auth = Authorized(halo, *http);
  auto Get = [&](std::string const& at, std::string const& target) {
    auto r = ::Get(at, target);
    r.headers = auth;
    return r;
  };
  SECTION("requests in turn on a pool of one, with bodies and headers") {
    halo.Script("GET", "/api/A", Scripted::Reply(503, "busy", "7"));
    auto a = http->Send(Get(origin, "/api/A"), ctx);
    CHECK(a.failure == TransportFailure::kNone);
    CHECK(a.status == 503);
    CHECK(a.body == "busy");
    CHECK(a.retry_after == "7");
    auto post = Get(origin, "/api/B");
    post.method = "POST";
    post.body = R"([{"summary":"x"}])";
    post.content_type = "application/json";
    post.headers.emplace_back("User-Agent", "halo-mcp/test");
    halo.Script("POST", "/api/B", Scripted::Reply(201, R"({"id":1})"));
    auto b = http->Send(post, ctx);
    CHECK(b.status == 201);
    auto seen = halo.requests();
    REQUIRE(seen.size() == 3);  // the token, A, B
    CHECK(seen[2].body == post.body);
    CHECK(seen[2].user_agent == "halo-mcp/test");
  }
  SECTION("a chunked answer over the cap is abandoned with its status") {
    Scripted chunked = Scripted::Reply(200, std::string(10000, 'x'));
    chunked.action = Scripted::Action::kChunked;
    halo.Script("GET", "/api/C", chunked);
    auto req = Get(origin, "/api/C");
    req.max_response_bytes = 4096;
    auto r = http->Send(req, ctx);
    CHECK(r.failure == TransportFailure::kTooLarge);
    CHECK(r.status == 200);
    // The pool's only connection was dropped, not leaked: the next request is served.
    halo.Script("GET", "/api/C", Scripted::Reply(200, "ok"));
    CHECK(http->Send(Get(origin, "/api/C"), ctx).body == "ok");
  }
  SECTION("a read cancelled while waiting for its answer") {
    Scripted slow = Scripted::Reply(200, "late");
    slow.action = Scripted::Action::kDelay;
    slow.delay = 1500ms;
    halo.Script("GET", "/api/D", slow);
    halo::CallContext cancellable;
    cancellable.cancel = std::make_shared<halo::CancelToken>();
    std::thread canceller([&] {
      std::this_thread::sleep_for(100ms);
      cancellable.cancel->Cancel();
    });
    auto req = Get(origin, "/api/D");
    req.abort_on_cancel = true;
    auto const t0 = std::chrono::steady_clock::now();
    auto r = http->Send(req, cancellable);
    canceller.join();
    CHECK(r.failure == TransportFailure::kCancelled);
    CHECK(std::chrono::steady_clock::now() - t0 < 1000ms);
  }
  SECTION("a read timeout after sending is ambiguous") {
    auto impatient = halo::MakeHttpClient({1, 2000ms, 150ms});
    Scripted slow = Scripted::Reply(200, "late");
    slow.action = Scripted::Action::kDelay;
    slow.delay = 600ms;
    halo.Script("GET", "/api/E", slow);
    auto r = impatient->Send(Get(origin, "/api/E"), ctx);
    CHECK(r.failure == TransportFailure::kAmbiguous);
    CHECK_THAT(r.error_name, Catch::Contains("timed out"));
  }
}
