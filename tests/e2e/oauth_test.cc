// OAuth access tokens end to end: a local issuer in this test (keys generated here with OpenSSL,
// metadata and JWKS served from a loopback HTTP server), the real halo-mcp binary over HTTP, and
// HaloPSA played by the in-process simulator, so that a note's attribution can be read back.
#include "sim/simulator.h"
#include "tests/support/mcp_process.h"
#include "tests/support/simulator_env.h"
#include "tests/support/test_issuer.h"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <mutex>
#include <thread>
#include <unistd.h>

using halo_test::JwksOf;
using halo_test::McpProcess;
using halo_test::SimulatorEnv;
using halo_test::TestSigningKey;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// The MSP's authorisation server as far as a resource server sees it: discovery metadata and
/// a key set that the test can rotate, with fetches counted.
class LocalIssuer {
 public:
  LocalIssuer() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    server_.Get("/.well-known/openid-configuration", [this](auto const&, httplib::Response& res) {
      res.set_content(json{{"issuer", url()}, {"jwks_uri", url() + "/jwks"}}.dump(),
                      "application/json");
    });
    server_.Get("/jwks", [this](auto const&, httplib::Response& res) {
      fetches++;
      std::lock_guard lock(mu_);
      res.set_content(jwks_, "application/json");
    });
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~LocalIssuer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void Publish(json const& jwks) {
    std::lock_guard lock(mu_);
    jwks_ = jwks.dump();
  }
  std::atomic<int> fetches{0};

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string jwks_ = R"({"keys":[]})";
};

json Modern(std::string const& method, json params, int id) {
  params["_meta"]["io.modelcontextprotocol/protocolVersion"] = "2026-07-28";
  params["_meta"]["io.modelcontextprotocol/clientCapabilities"] = json::object();
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
}

struct Answer {
  int status = 0;
  std::string www_authenticate;
  json body;
};

/// A stateless tools/call with `token` as the bearer.
Answer CallTool(int port, std::string const& token, std::string const& tool, json arguments,
                int id) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(30, 0);
  httplib::Headers h{{"Accept", "application/json, text/event-stream"},
                     {"MCP-Protocol-Version", "2026-07-28"},
                     {"Mcp-Method", "tools/call"},
                     {"Mcp-Name", tool},
                     {"Authorization", "Bearer " + token}};
  json params{{"name", tool}, {"arguments", std::move(arguments)}};
  auto r = cli.Post("/mcp", h, Modern("tools/call", params, id).dump(), "application/json");
  Answer a;
  if (!r) return a;
  a.status = r->status;
  a.www_authenticate = r->get_header_value("WWW-Authenticate");
  std::string body = r->body;
  if (r->get_header_value("Content-Type") == "text/event-stream") {
    auto pos = body.rfind("data: ");
    body = pos == std::string::npos ? "" : body.substr(pos + 6);
  }
  a.body = json::parse(body, nullptr, false);
  return a;
}

json Claims(std::string const& issuer, json agent, std::int64_t exp_offset) {
  std::int64_t const now = std::time(nullptr);
  return {{"iss", issuer},   {"aud", "https://mcp.example.com/mcp"},
          {"sub", "tech-1"}, {"halopsa_agent", std::move(agent)},
          {"iat", now - 5},  {"exp", now + exp_offset}};
}

}  // namespace

TEST_CASE("oauth e2e: JWTs from a local issuer act as their agent, expired ones get 401",
          "[e2e][http][oauth]") {
  TestSigningKey rsa(TestSigningKey::Kind::kRsa2048, "rsa-1");
  TestSigningKey ec(TestSigningKey::Kind::kEcP256, "ec-1");
  LocalIssuer issuer;
  issuer.Publish(JwksOf({&rsa, &ec}));

  halo_sim::SimOptions so;
  so.tickets = 50;
  so.clients = 5;
  so.assets = 5;
  so.rate_limit_requests = 0;
  halo_sim::Simulator sim(so);
  REQUIRE_FALSE(sim.Start());
  // Two technicians of the tenant (active, not API agents), and a ticket to write notes on.
  std::vector<json> agents;
  int ticket = 0;
  {
    httplib::Client api(sim.base_url());
    httplib::Headers auth{{"Authorization", "Bearer " + sim.IssueToken()}};
    auto r = api.Get("/api/Agent", auth);
    REQUIRE(r);
    for (auto const& a : json::parse(r->body)) {
      if (a.value("id", 0) > 1 && !a.value("isdisabled", false) && !a.value("isapiagent", false)) {
        agents.push_back(a);
      }
    }
    auto t = api.Get("/api/Tickets?page_size=5&pageinate=true&page_no=1", auth);
    REQUIRE(t);
    ticket = json::parse(t->body)["tickets"][0]["id"];
  }
  REQUIRE(agents.size() >= 2);

  std::string const port_file = "/tmp/halo-oauth-test-" + std::to_string(getpid()) + ".port";
  std::remove(port_file.c_str());
  auto mcp = McpProcess::Start(
      {HALO_MCP_BINARY, "--http", "127.0.0.1:0", "--http-port-file", port_file, "--http-jwt-issuer",
       issuer.url(), "--http-jwt-audience", "https://mcp.example.com/mcp"},
      SimulatorEnv(sim, {{"HALOPSA_RATE_LIMIT", "off"}}));
  int port = 0;
  for (auto deadline = std::chrono::steady_clock::now() + 15s;
       std::chrono::steady_clock::now() < deadline && port == 0;) {
    std::ifstream in(port_file);
    if (!(in >> port)) std::this_thread::sleep_for(20ms);
  }
  std::remove(port_file.c_str());
  INFO(mcp->Stderr());
  REQUIRE(port > 0);
  CHECK(issuer.fetches == 1);  // discovered and fetched at start-up

  // ---- a note by each technician, attributed to the agent their token's claim names ----
  std::string const by_name = rsa.Sign(Claims(issuer.url(), agents[0]["name"], 300));
  std::string const by_id = ec.Sign(Claims(issuer.url(), agents[1]["id"], 300));
  std::size_t const before = sim.requests().size();
  Answer first = CallTool(port, by_name, "halopsa_add_action",
                          {{"ticket_id", ticket}, {"note", "oauth note one"}}, 1);
  INFO(first.body.dump());
  REQUIRE(first.status == 200);
  CHECK(first.body["result"].contains("content"));
  CHECK_FALSE(first.body["result"].value("isError", false));
  Answer second = CallTool(port, by_id, "halopsa_add_action",
                           {{"ticket_id", ticket}, {"note", "oauth note two"}}, 2);
  INFO(second.body.dump());
  REQUIRE(second.status == 200);
  CHECK(second.body["result"].contains("content"));
  CHECK_FALSE(second.body["result"].value("isError", false));
  std::vector<int> authors;
  auto const log = sim.requests();
  for (std::size_t i = before; i < log.size(); ++i) {
    if (log[i].path == "/api/Actions" && log[i].method == "POST") {
      json body = json::parse(log[i].body, nullptr, false);
      if (body.is_array() && !body.empty()) body = body[0];
      authors.push_back(body.value("actionby_agent_id", 0));
    }
  }
  CHECK(authors == std::vector<int>{agents[0]["id"].get<int>(), agents[1]["id"].get<int>()});

  // ---- refusals: 401 naming the metadata and the reason, the server keeps serving ----
  std::string const expired = rsa.Sign(Claims(issuer.url(), agents[0]["name"], -3600));
  Answer late = CallTool(port, expired, "halopsa_add_action",
                         {{"ticket_id", ticket}, {"note", "must not be written"}}, 3);
  CHECK(late.status == 401);
  CHECK_THAT(late.www_authenticate, Catch::Contains("error_description=\"the token has expired\""));
  CHECK_THAT(late.www_authenticate,
             Catch::Contains("resource_metadata=\"http://127.0.0.1:" + std::to_string(port) +
                             "/.well-known/oauth-protected-resource/mcp\""));
  TestSigningKey stranger(TestSigningKey::Kind::kRsa2048, "rsa-1");
  Answer forged = CallTool(port, stranger.Sign(Claims(issuer.url(), agents[0]["name"], 300)),
                           "halopsa_list_tickets", {{"limit", 1}}, 4);
  CHECK(forged.status == 401);
  CHECK_THAT(forged.www_authenticate, Catch::Contains("signature does not verify"));
  std::size_t writes = 0;
  for (auto const& r : sim.requests()) {
    writes += r.method == "POST" && r.path == "/api/Actions" ? 1 : 0;
  }
  CHECK(writes == 2);

  // ---- unknown kids: the key set is not fetched again within 30 s of the last fetch, however
  // many arrive (a rotation is picked up after that; the unit tests step the clock) ----
  TestSigningKey rotated(TestSigningKey::Kind::kEcP256, "ec-2");
  issuer.Publish(JwksOf({&rsa, &ec, &rotated}));
  for (int i = 0; i < 20; ++i) {
    Answer unknown = CallTool(port, rotated.Sign(Claims(issuer.url(), agents[0]["name"], 300)),
                              "halopsa_list_tickets", {{"limit", 1}}, 5);
    CHECK(unknown.status == 401);
    CHECK_THAT(unknown.www_authenticate, Catch::Contains("no ES256 key with the token's kid"));
  }
  CHECK(issuer.fetches == 1);
  Answer still = CallTool(port, by_id, "halopsa_list_tickets", {{"limit", 1}}, 6);
  CHECK(still.status == 200);

  // ---- a legacy session belongs to the token's subject: a renewed token continues it, another
  // technician's token cannot ----
  {
    httplib::Client cli("127.0.0.1", port);
    auto post = [&](std::string const& token, std::string const& session, json const& message) {
      httplib::Headers h{{"Accept", "application/json, text/event-stream"},
                         {"Authorization", "Bearer " + token}};
      if (!session.empty()) h.emplace("Mcp-Session-Id", session);
      return cli.Post("/mcp", h, message.dump(), "application/json");
    };
    json init{{"jsonrpc", "2.0"},
              {"id", 1},
              {"method", "initialize"},
              {"params",
               {{"protocolVersion", "2025-11-25"},
                {"capabilities", json::object()},
                {"clientInfo", {{"name", "oauth-e2e"}, {"version", "1"}}}}}};
    auto opened = post(by_name, "", init);
    REQUIRE(opened);
    REQUIRE(opened->status == 200);
    std::string const session = opened->get_header_value("Mcp-Session-Id");
    REQUIRE_FALSE(session.empty());
    json list{{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}};
    json renewed_claims = Claims(issuer.url(), agents[0]["name"], 600);
    auto renewed = post(rsa.Sign(renewed_claims), session, list);
    REQUIRE(renewed);
    CHECK(renewed->status == 200);
    json other_claims = Claims(issuer.url(), agents[1]["name"], 300);
    other_claims["sub"] = "tech-2";
    auto other = post(ec.Sign(other_claims), session, list);
    REQUIRE(other);
    CHECK(other->status == 404);
  }

  // ---- the protected resource metadata advertises the issuer ----
  httplib::Client cli("127.0.0.1", port);
  auto meta = cli.Get("/.well-known/oauth-protected-resource/mcp");
  REQUIRE(meta);
  CHECK(json::parse(meta->body)["authorization_servers"] == json::array({issuer.url()}));

  std::string const err = mcp->Stderr();
  for (auto const& token : {by_name, by_id, expired}) {
    CHECK(err.find(token.substr(token.rfind('.') + 1)) == std::string::npos);
    CHECK(err.find(token.substr(0, token.find('.'))) == std::string::npos);
  }
}
