// Drives the real halo-mcp binary over Streamable HTTP (--http 127.0.0.1:0) with HaloPSA played
// by the in-process simulator (or --demo): 64 concurrent clients, the access log, --help, SIGTERM
// draining, and the attacks that once took the server down.
#include "sim/simulator.h"
#include "tests/support/mcp_process.h"
#include "tests/support/raw_connection.h"
#include "tests/support/simulator_env.h"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <signal.h>
#include <thread>
#include <unistd.h>

using halo_test::HttpStatusOf;
using halo_test::McpPostHead;
using halo_test::McpProcess;
using halo_test::RawConnection;
using halo_test::SimulatorEnv;
using halo_test::StartSimulator;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

struct HttpFixture {
  std::unique_ptr<halo_sim::Simulator> sim;
  std::unique_ptr<McpProcess> mcp;
  std::string port_file;
  int port = 0;

  /// halo-mcp over HTTP against the in-process simulator, or with --demo when `demo` is set.
  explicit HttpFixture(bool demo = false, std::map<std::string, std::string> env = {}) {
    port_file = "/tmp/halo-http-test-" + std::to_string(getpid()) + ".port";
    std::remove(port_file.c_str());
    std::vector<std::string> argv{HALO_MCP_BINARY, "--http",    "127.0.0.1:0", "--http-port-file",
                                  port_file,       "--workers", "16"};
    if (demo) {
      argv.push_back("--demo");
    } else {
      halo_sim::SimOptions o;
      o.tickets = 200;
      o.clients = 10;
      o.assets = 20;
      o.rate_limit_requests = 0;
      sim = StartSimulator(o);
      env.insert({"HALOPSA_RATE_LIMIT", "off"});  // the caller's settings win
      env = SimulatorEnv(*sim, std::move(env));
    }
    mcp = McpProcess::Start(argv, env);
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(port_file);
      if (in >> port && port > 0) break;
      std::this_thread::sleep_for(20ms);
    }
    INFO(mcp->Stderr());
    REQUIRE(port > 0);
  }
  ~HttpFixture() { std::remove(port_file.c_str()); }

  httplib::Headers Headers(std::string const& session = "") const {
    httplib::Headers h{{"Accept", "application/json, text/event-stream"}};
    if (!session.empty()) h.emplace("Mcp-Session-Id", session);
    return h;
  }
};

json Modern(std::string const& method, json params, int id) {
  params["_meta"]["io.modelcontextprotocol/protocolVersion"] = "2026-07-28";
  params["_meta"]["io.modelcontextprotocol/clientCapabilities"] = json::object();
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
}

}  // namespace

TEST_CASE("http e2e: 64 concurrent clients for 3 s, every call answered correctly", "[e2e][http]") {
  HttpFixture f;
  std::atomic<int> ok{0}, bad{0};
  std::mutex first_failure_mu;
  std::string first_failure;
  std::vector<std::thread> clients;
  auto const end = std::chrono::steady_clock::now() + 3s;
  for (int c = 0; c < 64; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client cli("127.0.0.1", f.port);
      cli.set_read_timeout(30, 0);
      bool modern = c % 2 == 1;  // half the clients stateless, half with a session
      std::string session;
      if (!modern) {
        json init{{"jsonrpc", "2.0"},
                  {"id", 0},
                  {"method", "initialize"},
                  {"params",
                   {{"protocolVersion", "2025-11-25"},
                    {"capabilities", json::object()},
                    {"clientInfo", {{"name", "load"}, {"version", "1"}}}}}};
        auto r = cli.Post("/mcp", f.Headers(), init.dump(), "application/json");
        if (!r || r->status != 200) {
          bad++;
          return;
        }
        session = r->get_header_value("Mcp-Session-Id");
      }
      for (int i = 1; std::chrono::steady_clock::now() < end; ++i) {
        json params{{"name", "halopsa_list_tickets"}, {"arguments", {{"limit", 1 + (c + i) % 5}}}};
        json req =
            modern
                ? Modern("tools/call", params, i)
                : json{{"jsonrpc", "2.0"}, {"id", i}, {"method", "tools/call"}, {"params", params}};
        auto h = f.Headers(session);
        if (modern) {
          h.emplace("MCP-Protocol-Version", "2026-07-28");
          h.emplace("Mcp-Method", "tools/call");
          h.emplace("Mcp-Name", "halopsa_list_tickets");
        }
        auto r = cli.Post("/mcp", h, req.dump(), "application/json");
        bool good = false;
        if (r && r->status == 200) {
          std::string body = r->body;
          if (r->get_header_value("Content-Type") == "text/event-stream") {
            auto pos = body.rfind("data: ");
            body = pos == std::string::npos ? "" : body.substr(pos + 6);
          }
          json resp = json::parse(body, nullptr, false);
          good = resp.is_object() && resp["id"] == i && resp.contains("result") &&
                 !resp["result"].value("isError", false) &&
                 resp["result"]["structuredContent"]["items"].size() ==
                     params["arguments"]["limit"].get<std::size_t>();
        }
        if (!good) {
          std::lock_guard lock(first_failure_mu);
          if (first_failure.empty()) {
            first_failure = r ? std::to_string(r->status) + " " + r->body.substr(0, 400)
                              : "transport error " + httplib::to_string(r.error());
          }
        }
        (good ? ok : bad)++;
      }
    });
  }
  for (auto& t : clients) t.join();
  INFO("answered " << ok << ", wrong " << bad << "; first failure: " << first_failure);
  if (bad > 0) {
    std::string log = f.mcp->Stderr();
    std::string lines;
    for (std::size_t pos = 0, n; (n = log.find('\n', pos)) != std::string::npos; pos = n + 1) {
      std::string line = log.substr(pos, n - pos);
      if (line.find(" 200 ") == std::string::npos) lines += line + "\n";
    }
    WARN(lines.substr(0, 3000));
  }
  CHECK(bad == 0);
  CHECK(ok >= 64);
  f.mcp->Signal(SIGTERM);
  CHECK(f.mcp->Wait(10s) == 0);
  std::string log = f.mcp->Stderr();
  CHECK_THAT(log, Catch::Matchers::Contains("listening on http://127.0.0.1:"));
  CHECK_THAT(log, Catch::Matchers::Contains("POST /mcp tools/call halopsa_list_tickets 200"));
  CHECK_THAT(log, !Catch::Matchers::Contains(f.sim->client_secret()));
}

TEST_CASE("http e2e: SIGTERM lets a running call finish, /healthz needs no HaloPSA",
          "[e2e][http]") {
  HttpFixture f;
  httplib::Client cli("127.0.0.1", f.port);
  cli.set_read_timeout(30, 0);
  auto health = cli.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  // HaloPSA answers slowly, so the call is surely running when SIGTERM arrives.
  halo_sim::Faults slow;
  slow.latency_ms = 800;
  f.sim->SetFaults(slow);
  f.sim->ClearRequests();
  std::optional<httplib::Result> result;
  std::thread caller([&] {
    // Two pages (200 tickets): the simulator logs a request once answered, so when page 1 shows
    // up in its log, page 2 is still being fetched.
    json params{{"name", "halopsa_list_tickets"}, {"arguments", {{"limit", 250}}}};
    auto h = f.Headers();
    h.emplace("MCP-Protocol-Version", "2026-07-28");
    h.emplace("Mcp-Method", "tools/call");
    h.emplace("Mcp-Name", "halopsa_list_tickets");
    result.emplace(cli.Post("/mcp", h, Modern("tools/call", params, 9).dump(), "application/json"));
  });
  auto const deadline = std::chrono::steady_clock::now() + 20s;
  auto reached = [&] {
    for (auto const& r : f.sim->requests()) {
      if (r.path == "/api/Tickets") return true;
    }
    return false;
  };
  while (!reached() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  REQUIRE(reached());
  f.mcp->Signal(SIGTERM);
  caller.join();
  REQUIRE(result);
  REQUIRE(*result);  // accepted before the stop: answered, not dropped
  CHECK((*result)->status == 200);
  CHECK_THAT((*result)->body, Catch::Matchers::Contains("tickets"));
  CHECK(f.mcp->Wait(10s) == 0);
}

TEST_CASE("http e2e: --help documents the HTTP flags and variables", "[e2e][http]") {
  std::string out;
  FILE* pipe = popen((std::string(HALO_MCP_BINARY) + " --help").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  CHECK(pclose(pipe) == 0);
  for (char const* flag :
       {"--http", "--http-port-file", "--http-token-file", "HALO_MCP_HTTP_TOKENS",
        "--http-allowed-hosts", "--http-allowed-origins", "--http-auth-server",
        "--http-session-idle", "--http-max-sessions", "--http-max-connections", "--tls-cert",
        "--tls-key", "--http-jwt-issuer", "--http-jwt-audience", "--http-jwt-agent-claim",
        "--http-jwt-jwks-url", "--http-jwt-algorithms", "--http-jwt-leeway",
        "HALO_MCP_HTTP_JWT_ISSUER"}) {
    CHECK_THAT(out, Catch::Matchers::Contains(flag));
  }
}

TEST_CASE("http e2e: unreadable --tls-cert or --tls-key stops start-up with a clear message",
          "[e2e][http][tls]") {
  std::string const missing = "/tmp/halo-tls-missing-" + std::to_string(getpid());
  std::string const not_pem = "/tmp/halo-tls-not-pem-" + std::to_string(getpid()) + ".pem";
  {
    std::ofstream out(not_pem);
    out << "not a certificate\n";
  }
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  for (auto const& c : std::vector<Case>{
           {{"--tls-cert", missing + ".crt", "--tls-key", missing + ".key"},
            "cannot read --tls-cert " + missing + ".crt"},
           {{"--tls-cert", not_pem, "--tls-key", missing + ".key"}, "--tls-cert " + not_pem},
           {{"--tls-cert", not_pem}, "TLS needs both --tls-cert and --tls-key"}}) {
    std::vector<std::string> argv{HALO_MCP_BINARY, "--http", "127.0.0.1:0"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto mcp = McpProcess::Start(
        argv, {{"HALOPSA_BASE_URL", ""}, {"HALO_MCP_TLS_CERT", ""}, {"HALO_MCP_TLS_KEY", ""}});
    auto status = mcp->Wait(10s);
    INFO(mcp->Stderr());
    REQUIRE(status);
    CHECK(*status == 2);
    CHECK_THAT(mcp->Stderr(), Catch::Matchers::Contains(c.expect));
  }
  std::remove(not_pem.c_str());
}

namespace {

/// The legacy session a client opens with initialize (protocol `version`).
std::string OpenSession(httplib::Client& cli, HttpFixture const& f, std::string const& version) {
  json init{{"jsonrpc", "2.0"},
            {"id", 0},
            {"method", "initialize"},
            {"params",
             {{"protocolVersion", version},
              {"capabilities", json::object()},
              {"clientInfo", {{"name", "e2e"}, {"version", "1"}}}}}};
  auto r = cli.Post("/mcp", f.Headers(), init.dump(), "application/json");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  return r->get_header_value("Mcp-Session-Id");
}

json ErrorOf(httplib::Result const& r) {
  REQUIRE(r);
  json body = json::parse(r->body, nullptr, false);
  REQUIRE(body.is_object());
  return body["error"];
}

}  // namespace

TEST_CASE("http e2e: each attack gets a clear error and the server keeps serving",
          "[e2e][http][hostile]") {
  HttpFixture f(/*demo=*/true);
  httplib::Client cli("127.0.0.1", f.port);
  cli.set_read_timeout(30, 0);

  // JSON nested 100,000 levels deep (600 KB) once overflowed the stack.
  std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"x":)" +
                     std::string(100'000, '[') + std::string(100'000, ']') + "}}";
  auto nested = cli.Post("/mcp", f.Headers(), deep, "application/json");
  REQUIRE(nested);
  CHECK(nested->status == 400);
  CHECK(ErrorOf(nested)["code"] == -32600);
  CHECK_THAT(ErrorOf(nested)["message"].get<std::string>(), Catch::Matchers::Contains("64"));

  // DNS rebinding: a Host (and Origin) that only looks like loopback.
  auto rebound = cli.Post("/mcp",
                          httplib::Headers{{"Accept", "application/json, text/event-stream"},
                                           {"Host", "127.attacker.example"},
                                           {"Origin", "http://127.attacker.example"}},
                          "{}", "application/json");
  REQUIRE(rebound);
  CHECK(rebound->status == 403);
  CHECK_THAT(ErrorOf(rebound)["message"].get<std::string>(),
             Catch::Matchers::Contains("127.attacker.example is not allowed"));

  // Another local program's page (another port) without a token.
  auto other_port = cli.Post("/mcp",
                             httplib::Headers{{"Accept", "application/json, text/event-stream"},
                                              {"Origin", "http://localhost:6274"}},
                             "{}", "application/json");
  REQUIRE(other_port);
  CHECK(other_port->status == 403);

  // A 545 KiB batch of 10,000 tools/list calls once took the process to 5.2 GB.
  std::string sid = OpenSession(cli, f, "2025-03-26");
  json batch = json::array();
  for (int i = 0; i < 10'000; ++i) {
    batch.push_back({{"jsonrpc", "2.0"}, {"id", i}, {"method", "tools/list"}});
  }
  auto huge = cli.Post("/mcp", f.Headers(sid), batch.dump(), "application/json");
  REQUIRE(huge);
  CHECK(huge->status == 400);
  CHECK_THAT(ErrorOf(huge)["message"].get<std::string>(),
             Catch::Matchers::Contains("at most 64 messages"));

  // Header floods on 8 connections: each is cut off at the cap.
  std::vector<std::thread> floods;
  std::atomic<int> cut_off{0};
  for (int i = 0; i < 8; ++i) {
    floods.emplace_back([&] {
      RawConnection raw(f.port);
      raw.Send("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      std::string headers;
      for (int h = 0; h < 1000; ++h) headers += "X-Flood: y\r\n";
      std::size_t sent = 0;
      while (sent < 64u * 1024 * 1024 && raw.Send(headers)) sent += headers.size();
      if (sent < 64u * 1024 * 1024) cut_off++;
    });
  }
  for (auto& t : floods) t.join();
  CHECK(cut_off == 8);

  // A body larger than allowed is refused from its Content-Length, unread.
  RawConnection big(f.port);
  big.Send(McpPostHead(f.port, "", 64u * 1024 * 1024));
  CHECK(HttpStatusOf(big.Read(3s, "\r\n\r\n")) == 413);

  // 150 idle and 40 trickling connections: a client is still served within a second.
  std::optional<halo_test::SlowClients> slow(std::in_place, f.port, 150, 40, 1s);
  for (int i = 0; i < 3; ++i) {
    auto start = std::chrono::steady_clock::now();
    httplib::Client fresh("127.0.0.1", f.port);
    auto r = fresh.Get("/healthz");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(std::chrono::steady_clock::now() - start < 1s);
  }
  slow.reset();

  // And real work is still answered correctly.
  json call{{"jsonrpc", "2.0"},
            {"id", 5},
            {"method", "tools/call"},
            {"params", {{"name", "halopsa_list_tickets"}, {"arguments", {{"limit", 3}}}}}};
  std::string session = OpenSession(cli, f, "2025-11-25");
  auto answered = cli.Post("/mcp", f.Headers(session), call.dump(), "application/json");
  REQUIRE(answered);
  CHECK(answered->status == 200);
  CHECK(json::parse(answered->body)["result"]["structuredContent"]["items"].size() == 3);
  f.mcp->Signal(SIGTERM);
  CHECK(f.mcp->Wait(15s) == 0);
}

TEST_CASE("http e2e: with tokens, a request is refused from its headers before its body",
          "[e2e][http][hostile]") {
  HttpFixture f(/*demo=*/true, {{"HALO_MCP_HTTP_TOKENS", "e2e-token"}});
  RawConnection raw(f.port);
  raw.Send(McpPostHead(f.port, "", 4'000'000));  // the body never comes
  auto start = std::chrono::steady_clock::now();
  std::string response = raw.Read(3s, "\r\n\r\n");
  CHECK(HttpStatusOf(response) == 401);
  CHECK(std::chrono::steady_clock::now() - start < 1s);
  httplib::Client cli("127.0.0.1", f.port);
  cli.set_bearer_token_auth("e2e-token");
  auto health =
      cli.Post("/mcp", f.Headers(), R"({"jsonrpc":"2.0","method":"x"})", "application/json");
  REQUIRE(health);
  CHECK(health->status == 400);  // authenticated: now the session rules apply
  CHECK_THAT(f.mcp->Stderr(), !Catch::Matchers::Contains("e2e-token"));
}
