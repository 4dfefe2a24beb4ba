// The Streamable HTTP transport in process, driven by httplib::Client: every status code of both
// protocol eras, the security checks, sessions (expiry, cap), limits, streams and draining.
#include "server/http_transport.h"

#include "halo/testing/fake_clock.h"
#include "server/fake_shared_state.h"
#include "tests/support/raw_connection.h"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <unistd.h>

using halo_test::HttpStatusOf;
using halo_test::McpPostHead;
using nlohmann::json;
using Raw = halo_test::RawConnection;
using namespace std::chrono_literals;

namespace {

/// echo_tool answers at once; slow_tool reports progress and runs until cancelled or 5 s pass.
class TestCaller : public mcp::ToolCaller {
 public:
  std::atomic<int> cancelled{0};
  json Call(mcp::ToolSpec const& tool, json const& args, mcp::CallScope& scope) override {
    if (tool.name == "slow_tool") {
      int ms = args.value("ms", 5000);
      scope.Progress(1, 0, "started");
      auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
      while (std::chrono::steady_clock::now() < end) {
        if (scope.cancelled()) {
          cancelled++;
          return nullptr;
        }
        std::this_thread::sleep_for(10ms);
      }
      return mcp::ToolTextResult("slept");
    }
    return mcp::ToolTextResult("echo " + args.dump());
  }
};

std::shared_ptr<mcp::ToolRegistry const> Registry() {
  json echo = json::parse(R"({
    "name": "echo_tool", "title": "Echo", "description": "Echoes", "toolset": "t",
    "annotations": {"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true,
                    "openWorldHint": false},
    "inputSchema": {"type": "object", "additionalProperties": false,
                    "properties": {"n": {"type": "integer", "description": "N"}}},
    "halo": {"method": "GET", "path": "/X", "kind": "get", "unbound": ["n"]}})");
  json slow = echo;
  slow["name"] = "slow_tool";
  slow["inputSchema"]["properties"] = {{"ms", {{"type", "integer"}, {"description", "ms"}}}};
  slow["halo"]["unbound"] = {"ms"};
  auto reg = mcp::ToolRegistry::FromJson(
      json::parse(R"([{"id":"t","description":"T","default":true}])"), {echo, slow}, {});
  INFO(reg.status().message());
  REQUIRE(reg.ok());
  return std::make_shared<mcp::ToolRegistry const>(*std::move(reg));
}

struct Server {
  std::shared_ptr<TestCaller> caller = std::make_shared<TestCaller>();
  mcp::McpServer mcp{mcp::ServerInfo{"halo-mcp", "HaloPSA", "1.0", "", 100, nullptr}, Registry(),
                     caller};
  std::unique_ptr<mcp::HttpTransport> http;
  std::thread thread;

  explicit Server(mcp::HttpOptions o = {}) {
    o.port = 0;
    o.access_log = false;
    http = std::make_unique<mcp::HttpTransport>(mcp, o);
    auto err = http->Bind();
    REQUIRE_FALSE(err);
    thread = std::thread([this] { http->Run(); });
  }
  ~Server() {
    http->Stop();
    thread.join();
  }
  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", http->port());
    c.set_read_timeout(10, 0);
    return c;
  }
};

httplib::Headers Hdrs(std::initializer_list<std::pair<std::string, std::string>> extra = {}) {
  httplib::Headers h{{"Accept", "application/json, text/event-stream"}};
  for (auto const& [k, v] : extra) h.emplace(k, v);
  return h;
}

std::string const kInit =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
    R"("capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";

std::string Modern(std::string const& method, json params = json::object(), int id = 1,
                   std::string version = "2026-07-28") {
  params["_meta"]["io.modelcontextprotocol/protocolVersion"] = version;
  params["_meta"]["io.modelcontextprotocol/clientCapabilities"] = json::object();
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump();
}

httplib::Headers ModernHdrs(std::string const& method, std::string name = "",
                            std::string version = "2026-07-28") {
  auto h = Hdrs({{"MCP-Protocol-Version", version}, {"Mcp-Method", method}});
  if (!name.empty()) h.emplace("Mcp-Name", name);
  return h;
}

std::string InitSession(httplib::Client& c, std::string const& version = "2025-11-25") {
  json init = json::parse(kInit);
  init["params"]["protocolVersion"] = version;
  auto r = c.Post("/mcp", Hdrs(), init.dump(), "application/json");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  REQUIRE(json::parse(r->body)["result"]["protocolVersion"] == version);
  std::string sid = r->get_header_value("Mcp-Session-Id");
  REQUIRE(sid.size() == 32);
  auto n = c.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}}),
                  R"({"jsonrpc":"2.0","method":"notifications/initialized"})", "application/json");
  REQUIRE(n);
  CHECK(n->status == 202);
  return sid;
}

/// The JSON of each `data:` line of an SSE body.
std::vector<json> SseData(std::string const& body) {
  std::vector<json> out;
  for (std::size_t pos = 0; (pos = body.find("data: ", pos)) != std::string::npos;) {
    auto end = body.find('\n', pos);
    out.push_back(json::parse(body.substr(pos + 6, end - pos - 6)));
    pos = end;
  }
  return out;
}

/// Where a stalled dependency's calls wait while the test holds it.
class Gate {
 public:
  void Hold(bool held) {
    std::lock_guard lock(mu_);
    held_ = held;
    cv_.notify_all();
  }
  /// Whether a call is waiting (within 10 s).
  bool AwaitWaiting() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return waiting_ > 0; });
  }
  void Pass() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !held_; });
    --waiting_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  int waiting_ = 0;
};

/// Shared state whose session reads and writes wait at the gate, as a Redis that has stopped
/// answering.
class StalledState : public mcp::testing::FakeSharedState {
 public:
  using FakeSharedState::FakeSharedState;
  halo::StatusOr<std::optional<Value>> Get(std::string const& key) override {
    gate.Pass();
    return FakeSharedState::Get(key);
  }
  halo::StatusOr<bool> SetUnlessEquals(std::string const& key, std::string const& value,
                                       std::chrono::milliseconds ttl,
                                       std::string const& unless) override {
    gate.Pass();
    return FakeSharedState::SetUnlessEquals(key, value, ttl, unless);
  }
  Gate gate;
};

/// An issuer whose key set waits at the gate; then it is unreachable.
class StalledJwks final : public mcp::JwksSource {
 public:
  halo::StatusOr<std::string> Fetch() override {
    gate.Pass();
    return halo::UnavailableError("issuer unreachable");
  }
  Gate gate;
};

std::string Call(std::string const& tool, json args = json::object(), int id = 2) {
  return json{{"jsonrpc", "2.0"},
              {"id", id},
              {"method", "tools/call"},
              {"params", {{"name", tool}, {"arguments", args}}}}
      .dump();
}

}  // namespace

TEST_CASE("http legacy: sessions, status codes and JSON answers", "[http][legacy]") {
  Server s;
  auto c = s.Client();

  auto bad_accept = c.Post("/mcp", {{"Accept", "application/json"}}, kInit, "application/json");
  REQUIRE(bad_accept);
  CHECK(bad_accept->status == 406);
  auto bad_type = c.Post("/mcp", Hdrs(), kInit, "text/plain");
  REQUIRE(bad_type);
  CHECK(bad_type->status == 415);
  auto garbage = c.Post("/mcp", Hdrs(), "{nope", "application/json");
  REQUIRE(garbage);
  CHECK(garbage->status == 400);
  CHECK(json::parse(garbage->body)["error"]["code"] == -32700);

  std::string sid = InitSession(c);
  std::string sid2 = InitSession(c);
  CHECK(sid != sid2);
  CHECK(s.http->session_count() == 2);

  auto no_session = c.Post("/mcp", Hdrs(), Call("echo_tool"), "application/json");
  REQUIRE(no_session);
  CHECK(no_session->status == 400);
  auto unknown =
      c.Post("/mcp", Hdrs({{"Mcp-Session-Id", "0123"}}), Call("echo_tool"), "application/json");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  auto bad_version =
      c.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}, {"MCP-Protocol-Version", "1999-01-01"}}),
             Call("echo_tool"), "application/json");
  REQUIRE(bad_version);
  CHECK(bad_version->status == 400);

  auto ok = c.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}, {"MCP-Protocol-Version", "2025-11-25"}}),
                   Call("echo_tool", {{"n", 3}}), "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->get_header_value("Content-Type") == "application/json");
  json body = json::parse(ok->body);
  CHECK(body["id"] == 2);
  CHECK(body["result"]["content"][0]["text"] == "echo {\"n\":3}");

  auto batch = c.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}}), "[" + Call("echo_tool") + "]",
                      "application/json");
  REQUIRE(batch);
  CHECK(batch->status == 400);

  CHECK(c.Get("/mcp")->status == 405);     // no session: no standalone stream
  CHECK(c.Delete("/mcp")->status == 405);  // nothing to end
  auto del = c.Delete("/mcp", Hdrs({{"Mcp-Session-Id", sid}}));
  REQUIRE(del);
  CHECK(del->status == 200);
  auto after =
      c.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}}), Call("echo_tool"), "application/json");
  REQUIRE(after);
  CHECK(after->status == 404);
  CHECK(c.Delete("/mcp", Hdrs({{"Mcp-Session-Id", sid}}))->status == 404);
  CHECK(s.http->session_count() == 1);

  auto health = c.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
}

TEST_CASE("http legacy: a call refused before it runs frees its id", "[http][legacy][cancel]") {
  Server s;
  auto c = s.Client();
  std::string sid = InitSession(c);
  auto post = [&](std::string const& body) {
    auto r = c.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}}), body, "application/json");
    REQUIRE(r);
    return json::parse(r->body);
  };
  // Each is answered as itself, never "already in progress": the earlier ones with id 9 ended.
  for (int round = 0; round < 2; ++round) {
    json bad = post(Call("echo_tool", {{"n", "x"}}, 9));
    CHECK(bad["result"]["isError"] == true);
    json unknown = post(Call("no_such_tool", json::object(), 9));
    CHECK(unknown["error"]["code"] == mcp::kInvalidParams);
  }
  json ok = post(Call("echo_tool", {{"n", 1}}, 9));
  CHECK(ok["result"]["content"][0]["text"] == "echo {\"n\":1}");
}

TEST_CASE("http legacy: progress turns the answer into an SSE stream", "[http][legacy][sse]") {
  Server s;
  auto c = s.Client();
  std::string sid = InitSession(c);
  json req{
      {"jsonrpc", "2.0"},
      {"id", 7},
      {"method", "tools/call"},
      {"params",
       {{"name", "slow_tool"}, {"arguments", {{"ms", 50}}}, {"_meta", {{"progressToken", "p"}}}}}};
  auto r = c.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}}), req.dump(), "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "text/event-stream");
  auto progress = r->body.find("notifications/progress");
  auto result = r->body.find("\"result\"");
  CHECK(progress != std::string::npos);
  CHECK(result != std::string::npos);
  CHECK(progress < result);

  // A GET stream for the session: one at a time.
  httplib::Client g("127.0.0.1", s.http->port());
  g.set_read_timeout(0, 300'000);
  auto get = g.Get("/mcp", Hdrs({{"Mcp-Session-Id", sid}}));
  // The stream stays open until the read timeout ends it on our side.
  CHECK_FALSE(get);
}

TEST_CASE("http modern: stateless requests and header checks", "[http][modern]") {
  Server s;
  auto c = s.Client();
  auto list = c.Post("/mcp", ModernHdrs("tools/list"), Modern("tools/list"), "application/json");
  REQUIRE(list);
  CHECK(list->status == 200);
  CHECK_FALSE(list->has_header("Mcp-Session-Id"));
  json body = json::parse(list->body);
  CHECK(body["result"]["resultType"] == "complete");
  CHECK(body["result"]["tools"].size() == 2);

  auto call = c.Post("/mcp", ModernHdrs("tools/call", "echo_tool"),
                     Modern("tools/call", {{"name", "echo_tool"}}, 5), "application/json");
  REQUIRE(call);
  CHECK(call->status == 200);
  CHECK(json::parse(call->body)["result"]["content"][0]["text"] == "echo {}");

  auto code = [](httplib::Result const& r) { return json::parse(r->body)["error"]["code"]; };
  auto wrong_name = c.Post("/mcp", ModernHdrs("tools/call", "other"),
                           Modern("tools/call", {{"name", "echo_tool"}}, 6), "application/json");
  REQUIRE(wrong_name);
  CHECK(wrong_name->status == 400);
  CHECK(code(wrong_name) == -32020);
  CHECK(json::parse(wrong_name->body)["id"] == 6);
  auto b64_name = c.Post("/mcp", ModernHdrs("tools/call", "=?base64?ZWNob190b29s?="),
                         Modern("tools/call", {{"name", "echo_tool"}}), "application/json");
  REQUIRE(b64_name);
  CHECK(b64_name->status == 200);
  auto wrong_method =
      c.Post("/mcp", ModernHdrs("tools/call"), Modern("tools/list"), "application/json");
  REQUIRE(wrong_method);
  CHECK(wrong_method->status == 400);
  CHECK(code(wrong_method) == -32020);
  auto wrong_version = c.Post("/mcp", ModernHdrs("tools/list", "", "2025-11-25"),
                              Modern("tools/list"), "application/json");
  REQUIRE(wrong_version);
  CHECK(wrong_version->status == 400);
  CHECK(code(wrong_version) == -32020);
  auto unsupported =
      c.Post("/mcp", ModernHdrs("tools/list", "", "2099-01-01"),
             Modern("tools/list", json::object(), 1, "2099-01-01"), "application/json");
  REQUIRE(unsupported);
  CHECK(unsupported->status == 400);
  CHECK(code(unsupported) == -32022);
  json missing = json::parse(Modern("tools/list"));
  missing["params"]["_meta"].erase("io.modelcontextprotocol/clientCapabilities");
  auto missing_caps = c.Post("/mcp", ModernHdrs("tools/list"), missing.dump(), "application/json");
  REQUIRE(missing_caps);
  CHECK(missing_caps->status == 400);
  CHECK(code(missing_caps) == -32602);
  auto unknown = c.Post("/mcp", ModernHdrs("nope/nope"), Modern("nope/nope"), "application/json");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  CHECK(code(unknown) == -32601);
  auto init = c.Post("/mcp", ModernHdrs("initialize"), Modern("initialize"), "application/json");
  REQUIRE(init);
  CHECK(init->status == 404);
  auto unknown_tool = c.Post("/mcp", ModernHdrs("tools/call", "zzz"),
                             Modern("tools/call", {{"name", "zzz"}}), "application/json");
  REQUIRE(unknown_tool);
  CHECK(unknown_tool->status == 200);
  CHECK(code(unknown_tool) == -32602);
  CHECK(c.Get("/mcp", {{"MCP-Protocol-Version", "2026-07-28"}})->status == 405);
  CHECK(c.Delete("/mcp", {{"MCP-Protocol-Version", "2026-07-28"}})->status == 405);
  CHECK(s.http->session_count() == 0);
}

TEST_CASE("http modern: closing the stream cancels the call", "[http][modern][cancel]") {
  mcp::HttpOptions o;
  o.keepalive_interval = 50ms;
  o.sse_after = 50ms;
  Server s(o);
  // A raw connection: send the request, read the start of the stream, then hang up.
  std::string body = Modern("tools/call", {{"name", "slow_tool"}, {"arguments", {{"ms", 4000}}}});
  {
    Raw raw(s.http->port());
    REQUIRE(raw.connected());
    REQUIRE(raw.Send(McpPostHead(s.http->port(),
                                 "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: "
                                 "tools/call\r\nMcp-Name: slow_tool\r\n",
                                 body.size()) +
                     body));
    CHECK_FALSE(raw.Read(3s, "text/event-stream").empty());  // the stream has started
  }
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (s.caller->cancelled == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  CHECK(s.caller->cancelled == 1);
}

TEST_CASE("http security: Host and Origin allow-list, bearer tokens, metadata",
          "[http][security]") {
  SECTION("foreign Host or Origin gets 403, loopback ones pass") {
    Server s;
    auto c = s.Client();
    auto evil_host =
        c.Post("/mcp", Hdrs({{"Host", "evil.example.com"}}), kInit, "application/json");
    REQUIRE(evil_host);
    CHECK(evil_host->status == 403);
    auto evil_origin =
        c.Post("/mcp", Hdrs({{"Origin", "http://evil.example.com"}}), kInit, "application/json");
    REQUIRE(evil_origin);
    CHECK(evil_origin->status == 403);
    auto null_origin = c.Post("/mcp", Hdrs({{"Origin", "null"}}), kInit, "application/json");
    REQUIRE(null_origin);
    CHECK(null_origin->status == 403);
    // DNS rebinding: a name that merely starts like a loopback address.
    auto rebound = c.Post(
        "/mcp", Hdrs({{"Host", "127.attacker.example"}, {"Origin", "http://127.attacker.example"}}),
        kInit, "application/json");
    REQUIRE(rebound);
    CHECK(rebound->status == 403);
    // Another program on this machine (another port) is not trusted without a token...
    auto other_port =
        c.Post("/mcp", Hdrs({{"Origin", "http://localhost:6274"}, {"Host", "localhost"}}), kInit,
               "application/json");
    REQUIRE(other_port);
    CHECK(other_port->status == 403);
    // ...but the server's own origin is, and so is no Origin at all.
    std::string const self = "localhost:" + std::to_string(s.http->port());
    auto same = c.Post("/mcp", Hdrs({{"Origin", "http://" + self}, {"Host", self}}), kInit,
                       "application/json");
    REQUIRE(same);
    CHECK(same->status == 200);
  }
  SECTION("configured origins and hosts are accepted") {
    mcp::HttpOptions o;
    o.allowed_origins = {"https://app.example.com"};
    o.allowed_hosts = {"mcp.example.com"};
    Server s(o);
    auto c = s.Client();
    auto r = c.Post("/mcp",
                    Hdrs({{"Origin", "https://app.example.com"}, {"Host", "mcp.example.com:443"}}),
                    kInit, "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
    auto other =
        c.Post("/mcp", Hdrs({{"Origin", "https://other.example.com"}}), kInit, "application/json");
    REQUIRE(other);
    CHECK(other->status == 403);
  }
  SECTION("off loopback without tokens refuses to start") {
    mcp::HttpOptions o;
    o.host = "0.0.0.0";
    o.port = 0;
    mcp::McpServer m{mcp::ServerInfo{}, Registry(), std::make_shared<TestCaller>()};
    mcp::HttpTransport t(m, o);
    auto err = t.Bind();
    REQUIRE(err);
    CHECK_THAT(*err, Catch::Matchers::Contains("bearer tokens"));
  }
  SECTION("tokens: 401 with WWW-Authenticate without one, 200 with one; RFC 9728 metadata") {
    mcp::HttpOptions o;
    o.tokens = {"s3cret-token", "other"};
    o.auth_server = "https://auth.example.com";
    Server s(o);
    auto c = s.Client();
    auto none = c.Post("/mcp", Hdrs(), kInit, "application/json");
    REQUIRE(none);
    CHECK(none->status == 401);
    std::string challenge = none->get_header_value("WWW-Authenticate");
    CHECK_THAT(challenge, Catch::Matchers::StartsWith("Bearer "));
    CHECK_THAT(challenge, Catch::Matchers::Contains("/.well-known/oauth-protected-resource/mcp"));
    auto wrong =
        c.Post("/mcp", Hdrs({{"Authorization", "Bearer s3cret-tokem"}}), kInit, "application/json");
    REQUIRE(wrong);
    CHECK(wrong->status == 401);
    auto right =
        c.Post("/mcp", Hdrs({{"Authorization", "Bearer s3cret-token"}}), kInit, "application/json");
    REQUIRE(right);
    CHECK(right->status == 200);
    for (std::string path :
         {"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"}) {
      auto prm = c.Get(path.c_str());
      REQUIRE(prm);
      CHECK(prm->status == 200);
      json m = json::parse(prm->body);
      CHECK(m["authorization_servers"][0] == "https://auth.example.com");
      CHECK(m["resource"] == "http://127.0.0.1:" + std::to_string(s.http->port()) + "/mcp");
    }
    CHECK(c.Get("/healthz")->status == 200);  // liveness needs no token
  }
}

TEST_CASE("http limits: 413 for big bodies, session expiry and cap", "[http][limits]") {
  SECTION("413") {
    mcp::HttpOptions o;
    o.max_message_bytes = 2048;
    Server s(o);
    auto c = s.Client();
    json big = json::parse(kInit);
    big["params"]["clientInfo"]["name"] = std::string(4096, 'x');
    auto r = c.Post("/mcp", Hdrs(), big.dump(), "application/json");
    REQUIRE(r);
    CHECK(r->status == 413);
    auto fine = c.Post("/mcp", Hdrs(), kInit, "application/json");
    REQUIRE(fine);
    CHECK(fine->status == 200);
  }
  SECTION("an idle session expires by the injected clock and its memory is freed") {
    auto clock = std::make_shared<halo::testing::FakeClock>();
    mcp::HttpOptions o;
    o.clock = clock;
    Server s(o);
    auto c = s.Client();
    std::string sid = InitSession(c);
    CHECK(s.http->session_count() == 1);
    clock->Advance(29min);
    auto alive =
        c.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}}), Call("echo_tool"), "application/json");
    REQUIRE(alive);
    CHECK(alive->status == 200);  // used: the idle clock restarts
    clock->Advance(29min);
    CHECK(s.http->session_count() == 1);
    clock->Advance(2min);
    CHECK(s.http->session_count() == 0);
    auto gone =
        c.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}}), Call("echo_tool"), "application/json");
    REQUIRE(gone);
    CHECK(gone->status == 404);
  }
  SECTION("the cap evicts the least recently used session") {
    mcp::HttpOptions o;
    o.max_sessions = 2;
    Server s(o);
    auto c = s.Client();
    std::string a = InitSession(c);
    std::string b = InitSession(c);
    std::string third = InitSession(c);
    CHECK(s.http->session_count() == 2);
    auto ra = c.Post("/mcp", Hdrs({{"Mcp-Session-Id", a}}), Call("echo_tool"), "application/json");
    REQUIRE(ra);
    CHECK(ra->status == 404);
    auto rb = c.Post("/mcp", Hdrs({{"Mcp-Session-Id", b}}), Call("echo_tool"), "application/json");
    REQUIRE(rb);
    CHECK(rb->status == 200);
  }
}

TEST_CASE("http stop drains a running call before returning", "[http][drain]") {
  auto s = std::make_unique<Server>();
  auto c = s->Client();
  std::string sid = InitSession(c);
  std::optional<httplib::Result> result;
  std::thread caller([&] {
    result.emplace(c.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}}), Call("slow_tool", {{"ms", 600}}),
                          "application/json"));
  });
  std::this_thread::sleep_for(200ms);
  s.reset();  // Stop() + join: waits for the call
  caller.join();
  REQUIRE(result);
  REQUIRE(*result);
  CHECK((*result)->status == 200);
  CHECK_THAT((*result)->body, Catch::Matchers::Contains("slept"));
}

TEST_CASE("http legacy: JSON-RPC batches under 2025-03-26", "[http][legacy][batch]") {
  Server s;
  auto c = s.Client();
  std::string sid = InitSession(c, "2025-03-26");
  auto post = [&](std::string const& body, httplib::Headers extra = {}) {
    auto h = Hdrs({{"Mcp-Session-Id", sid}});
    for (auto const& [k, v] : extra) h.emplace(k, v);
    auto r = c.Post("/mcp", h, body, "application/json");
    REQUIRE(r);
    return r;
  };

  SECTION("each member is handled; the responses come back together, in order") {
    json batch = json::array({json::parse(Call("echo_tool", {{"n", 1}}, 7)),
                              {{"jsonrpc", "2.0"}, {"method", "notifications/whatever"}},
                              {{"jsonrpc", "2.0"}, {"id", "l"}, {"method", "tools/list"}},
                              42,
                              {{"jsonrpc", "2.0"}, {"id", 8}, {"method", "ping"}}});
    auto r = post(batch.dump());
    CHECK(r->status == 200);
    CHECK(r->get_header_value("Content-Type") == "application/json");
    json body = json::parse(r->body);
    REQUIRE(body.is_array());
    REQUIRE(body.size() == 4);
    CHECK(body[0]["id"] == 7);
    CHECK(body[0]["result"]["content"][0]["text"] == "echo {\"n\":1}");
    CHECK(body[1]["id"] == "l");
    CHECK(body[1]["result"]["tools"].size() == 2);
    CHECK(body[2]["id"].is_null());
    CHECK(body[2]["error"]["code"] == -32600);
    CHECK(body[3]["id"] == 8);
    CHECK(body[3]["result"] == json::object());
  }
  SECTION("a tool call that reports progress streams its notifications, then the array") {
    json slow = json::parse(Call("slow_tool", {{"ms", 50}}, 3));
    slow["params"]["_meta"]["progressToken"] = "p";
    auto r = post(json::array({slow, json::parse(Call("echo_tool", {}, 4))}).dump());
    CHECK(r->status == 200);
    CHECK(r->get_header_value("Content-Type") == "text/event-stream");
    CHECK_THAT(r->body, Catch::Matchers::Contains("notifications/progress"));
    // Each response is its own event, sent as soon as its member is done.
    std::vector<json> responses;
    for (auto const& data : SseData(r->body)) {
      if (data.contains("id")) responses.push_back(data);
    }
    REQUIRE(responses.size() == 2);
    CHECK(responses[0]["id"] == 3);
    CHECK(responses[0]["result"]["content"][0]["text"] == "slept");
    CHECK(responses[1]["id"] == 4);
  }
  SECTION("only notifications and responses: 202") {
    auto r = post(R"([{"jsonrpc":"2.0","method":"notifications/whatever"},)"
                  R"({"jsonrpc":"2.0","id":99,"result":{}}])");
    CHECK(r->status == 202);
    CHECK(r->body.empty());
  }
  SECTION("an empty batch: 400 -32600") {
    auto r = post("[]");
    CHECK(r->status == 400);
    json body = json::parse(r->body);
    CHECK(body["error"]["code"] == -32600);
    CHECK_THAT(body["error"]["message"].get<std::string>(), Catch::Matchers::Contains("empty"));
  }
  SECTION("a header naming another version, or modern members: refused") {
    auto r = post("[" + Call("echo_tool") + "]", {{"MCP-Protocol-Version", "2025-06-18"}});
    CHECK(r->status == 400);
    CHECK(json::parse(r->body)["error"]["code"] == -32600);
    auto modern = post("[" + Modern("tools/list") + "]");
    CHECK(modern->status == 400);
    CHECK(json::parse(modern->body)["error"]["code"] == -32600);
  }
  SECTION("a tool call cancelled by a later notification in the same session") {
    // Members run in order, so cancellation from another POST is what reaches them.
    std::optional<httplib::Result> result;
    std::thread caller([&] {
      auto c2 = s.Client();
      result.emplace(c2.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}}),
                             "[" + Call("slow_tool", {{"ms", 4000}}, 11) + "]",
                             "application/json"));
    });
    std::this_thread::sleep_for(200ms);
    auto cancel = post(R"({"jsonrpc":"2.0","method":"notifications/cancelled",)"
                       R"("params":{"requestId":11}})");
    CHECK(cancel->status == 202);
    caller.join();
    REQUIRE(result);
    REQUIRE(*result);
    CHECK((*result)->status == 202);  // the only request was cancelled: nothing is due
    CHECK(s.caller->cancelled == 1);
  }
}

TEST_CASE("http: batches are refused outside a 2025-03-26 session", "[http][batch]") {
  Server s;
  auto c = s.Client();
  auto refused = [](httplib::Result const& r) {
    REQUIRE(r);
    CHECK(r->status == 400);
    json body = json::parse(r->body);
    CHECK(body["error"]["code"] == -32600);
    CHECK_THAT(body["error"]["message"].get<std::string>(),
               Catch::Matchers::Contains("2025-03-26"));
  };
  std::string const batch = "[" + Call("echo_tool") + "]";
  for (std::string version : {"2025-06-18", "2025-11-25"}) {
    std::string sid = InitSession(c, version);
    refused(c.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}}), batch, "application/json"));
    refused(c.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}, {"MCP-Protocol-Version", version}}),
                   batch, "application/json"));
  }
  refused(c.Post("/mcp", Hdrs(), batch, "application/json"));  // no session
  refused(c.Post("/mcp", ModernHdrs("tools/list"), "[" + Modern("tools/list") + "]",
                 "application/json"));
  auto empty = c.Post("/mcp", Hdrs(), "[]", "application/json");
  REQUIRE(empty);
  CHECK(empty->status == 400);
  CHECK(json::parse(empty->body)["error"]["code"] == -32600);
  auto gone = c.Post("/mcp", Hdrs({{"Mcp-Session-Id", "0123"}}), batch, "application/json");
  REQUIRE(gone);
  CHECK(gone->status == 404);
}

namespace {

/// A self-signed certificate for CN=127.0.0.1 (subjectAltName IP:127.0.0.1) and its EC key,
/// written as PEM files into a fresh temporary directory; generated with the OpenSSL API, so
/// the `openssl` tool need not be installed.
struct TlsFiles {
  std::filesystem::path dir;
  std::string cert, key, other_key;

  TlsFiles() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "halo-tls-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    cert = (dir / "cert.pem").string();
    key = (dir / "key.pem").string();
    other_key = (dir / "other-key.pem").string();
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    REQUIRE(pkey != nullptr);
    X509* x = X509_new();
    REQUIRE(x != nullptr);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
    X509_set_pubkey(x, pkey);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<unsigned char const*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                              std::pair{NID_subject_key_identifier, "hash"},
                              std::pair{NID_subject_alt_name, "IP:127.0.0.1"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      REQUIRE(ext != nullptr);
      X509_add_ext(x, ext, -1);
      X509_EXTENSION_free(ext);
    }
    REQUIRE(X509_sign(x, pkey, EVP_sha256()) > 0);
    Write(cert, [&](FILE* f) { return PEM_write_X509(f, x); });
    Write(key, [&](FILE* f) {
      return PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    });
    X509_free(x);
    EVP_PKEY_free(pkey);
    EVP_PKEY* other = EVP_EC_gen("P-256");
    REQUIRE(other != nullptr);
    Write(other_key, [&](FILE* f) {
      return PEM_write_PrivateKey(f, other, nullptr, nullptr, 0, nullptr, nullptr);
    });
    EVP_PKEY_free(other);
  }
  ~TlsFiles() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  template <typename F>
  static void Write(std::string const& path, F write) {
    FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f != nullptr);
    int ok = write(f);
    std::fclose(f);
    REQUIRE(ok == 1);
  }
};

}  // namespace

TEST_CASE("http tls: the server terminates TLS with the configured certificate", "[http][tls]") {
  TlsFiles files;
  mcp::HttpOptions o;
  o.tls_cert = files.cert;
  o.tls_key = files.key;
  Server s(o);
  CHECK(s.http->url().rfind("https://127.0.0.1:", 0) == 0);

  httplib::SSLClient tls("127.0.0.1", s.http->port());
  tls.set_ca_cert_path(files.cert.c_str());
  tls.enable_server_certificate_verification(true);
  tls.set_read_timeout(10, 0);
  auto init = tls.Post("/mcp", Hdrs(), kInit, "application/json");
  INFO("TLS error: " << httplib::to_string(init.error()) << " verify "
                     << tls.get_openssl_verify_result());
  REQUIRE(init);
  CHECK(init->status == 200);
  std::string sid = init->get_header_value("Mcp-Session-Id");
  REQUIRE(sid.size() == 32);
  auto ready =
      tls.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}}),
               R"({"jsonrpc":"2.0","method":"notifications/initialized"})", "application/json");
  REQUIRE(ready);
  CHECK(ready->status == 202);
  auto list = tls.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}}),
                       R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", "application/json");
  REQUIRE(list);
  CHECK(list->status == 200);
  CHECK(json::parse(list->body)["result"]["tools"].size() == 2);
  auto call = tls.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}}), Call("echo_tool", {{"n", 5}}),
                       "application/json");
  REQUIRE(call);
  CHECK(json::parse(call->body)["result"]["content"][0]["text"] == "echo {\"n\":5}");

  // Plain HTTP to the TLS port gets no HTTP answer.
  auto plain = s.Client().Post("/mcp", Hdrs(), kInit, "application/json");
  CHECK_FALSE(plain);

  // Verification is really on: without our certificate as CA the handshake is rejected.
  httplib::SSLClient untrusted("127.0.0.1", s.http->port());
  untrusted.set_ca_cert_path((files.dir / "missing.pem").c_str());
  untrusted.enable_server_certificate_verification(true);
  auto rejected = untrusted.Get("/healthz");
  CHECK_FALSE(rejected);

  // The server still serves TLS after those failed handshakes.
  auto health = tls.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
}

TEST_CASE("http tls: bad certificate or key files fail start-up, naming the flag", "[http][tls]") {
  TlsFiles files;
  std::string const garbage = (files.dir / "garbage.pem").string();
  TlsFiles::Write(garbage, [](FILE* f) { return std::fputs("not a pem\n", f) >= 0 ? 1 : 0; });
  struct Case {
    std::string cert, key, expect;
  };
  for (auto const& [cert, key, expect] :
       std::vector<Case>{{(files.dir / "nope.pem").string(), files.key, "cannot read --tls-cert"},
                         {files.cert, (files.dir / "nope.pem").string(), "cannot read --tls-key"},
                         {garbage, files.key, "--tls-cert"},
                         {files.cert, garbage, "--tls-key"},
                         {files.cert, files.other_key, "does not match"},
                         {files.cert, "", "both --tls-cert and --tls-key"},
                         {"", files.key, "both --tls-cert and --tls-key"}}) {
    mcp::HttpOptions o;
    o.port = 0;
    o.access_log = false;
    o.tls_cert = cert;
    o.tls_key = key;
    mcp::McpServer mcp{mcp::ServerInfo{"halo-mcp", "HaloPSA", "1.0", "", 100, nullptr}, Registry(),
                       std::make_shared<TestCaller>()};
    mcp::HttpTransport http(mcp, o);
    auto err = http.Bind();
    INFO(cert << " / " << key);
    REQUIRE(err);
    CHECK_THAT(*err, Catch::Matchers::Contains(expect));
  }
}

TEST_CASE("http hostile: deep nesting and huge batches get JSON-RPC errors naming the limit",
          "[http][hostile]") {
  Server s;
  auto c = s.Client();
  // 100,000 levels (600 KB): once a crash (stack overflow), now -32600 saying what was hit.
  std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":)" +
                     std::string(100'000, '[') + std::string(100'000, ']') + "}}";
  auto nested = c.Post("/mcp", Hdrs(), deep, "application/json");
  REQUIRE(nested);
  CHECK(nested->status == 400);
  json error = json::parse(nested->body)["error"];
  CHECK(error["code"] == -32600);
  CHECK_THAT(error["message"].get<std::string>(), Catch::Matchers::Contains("64 levels"));

  std::string sid = InitSession(c, "2025-03-26");
  json batch = json::array();
  for (int i = 0; i < 10'000; ++i) {
    batch.push_back({{"jsonrpc", "2.0"}, {"id", i}, {"method", "tools/list"}});
  }
  auto huge = c.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}}), batch.dump(), "application/json");
  REQUIRE(huge);
  CHECK(huge->status == 400);
  json refusal = json::parse(huge->body);
  CHECK(refusal["error"]["code"] == -32600);
  CHECK_THAT(refusal["error"]["message"].get<std::string>(),
             Catch::Matchers::Contains("at most 64 messages, this one holds 10000"));

  // 64 members are fine, answered as one array streamed member by member.
  batch.erase(batch.begin() + 64, batch.end());
  auto ok = c.Post("/mcp", Hdrs({{"Mcp-Session-Id", sid}}), batch.dump(), "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->get_header_value("Transfer-Encoding") == "chunked");
  json responses = json::parse(ok->body);
  REQUIRE(responses.size() == 64);
  CHECK(responses[63]["id"] == 63);
  CHECK(responses[63]["result"]["tools"].size() == 2);
}

TEST_CASE("http hostile: headers are capped and checked before any body is read",
          "[http][hostile]") {
  mcp::HttpOptions o;
  o.tokens = {"t0ken"};
  Server s(o);
  int const port = s.http->port();
  auto const auth = std::string("Authorization: Bearer t0ken\r\n");

  SECTION("too many headers: 431, and the connection ends without reading on") {
    Raw raw(port);
    std::string flood;
    for (int i = 0; i < 100; ++i) flood += "X-Flood-" + std::to_string(i) + ": v\r\n";
    raw.Send("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n" + flood);
    std::string response = raw.Read(2s, "\r\n\r\n");
    CHECK(HttpStatusOf(response) == 431);
    CHECK_THAT(response, Catch::Matchers::Contains("at most 64 headers"));
  }
  SECTION("a flood of millions of headers is cut off after the cap") {
    Raw raw(port);
    raw.Send("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    std::string chunk;
    for (int i = 0; i < 1000; ++i) chunk += "X: y\r\n";
    std::size_t sent = 0;
    while (sent < 200u * 1024 * 1024 && raw.Send(chunk)) sent += chunk.size();
    CHECK(sent < 64u * 1024 * 1024);  // the server hung up long before
  }
  SECTION("headers over the byte cap: 431") {
    Raw raw(port);
    raw.Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(20'000, 'a') +
             "\r\n\r\n");
    CHECK(HttpStatusOf(raw.Read(2s, "\r\n\r\n")) == 431);
  }
  SECTION("no token: 401 at once, though the announced body never comes") {
    Raw raw(port);
    raw.Send(McpPostHead(port, "", 4'000'000));
    auto start = std::chrono::steady_clock::now();
    std::string response = raw.Read(2s, "\r\n\r\n");
    CHECK(HttpStatusOf(response) == 401);
    CHECK(std::chrono::steady_clock::now() - start < 1s);
    CHECK_THAT(response, Catch::Matchers::Contains("WWW-Authenticate: Bearer"));
  }
  SECTION("a body over the size limit: 413 from Content-Length, before reading it") {
    Raw raw(port);
    raw.Send(McpPostHead(port, auth, 5'000'000));
    CHECK(HttpStatusOf(raw.Read(2s, "\r\n\r\n")) == 413);
  }
  SECTION("a repeated Host header is ambiguous: 400") {
    Raw raw(port);
    raw.Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n");
    CHECK(HttpStatusOf(raw.Read(2s, "\r\n\r\n")) == 400);
  }
  SECTION("garbage instead of HTTP: 400") {
    Raw raw(port);
    raw.Send("\x16\x03\x01 hello\r\n\r\n");
    CHECK(HttpStatusOf(raw.Read(2s, "\r\n\r\n")) == 400);
  }
  // Whatever came before, the server still answers.
  auto c = s.Client();
  c.set_bearer_token_auth("t0ken");
  auto after = c.Post("/mcp", Hdrs(), kInit, "application/json");
  REQUIRE(after);
  CHECK(after->status == 200);
}

TEST_CASE("http slow clients: idle and trickling connections cannot lock anyone out",
          "[http][slow]") {
  mcp::HttpOptions o;
  o.max_connections = 64;
  o.read_timeout = 1s;
  Server s(o);
  int const port = s.http->port();
  // More idle connections than the server will hold, and trickling ones that never finish.
  halo_test::SlowClients slow_clients(port, 100, 40, 100ms);
  for (int i = 0; i < 5; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto c = s.Client();
    auto r = c.Post("/mcp", Hdrs(), kInit, "application/json");
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(took < 1s);
  }
  // The whole request has a deadline, however steadily its bytes come.
  Raw slow(port);
  slow.Send("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  std::string response;
  auto start = std::chrono::steady_clock::now();
  while (!slow.peer_closed() && std::chrono::steady_clock::now() - start < 5s) {
    slow.Send("Y");
    response += slow.Read(100ms);
  }
  CHECK(slow.peer_closed());
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  CHECK((HttpStatusOf(response) == 408 || response.empty()));  // or closed to make room
}

TEST_CASE("http workers: calls never hold the network threads, a full queue answers 503",
          "[http][workers]") {
  auto clock = std::make_shared<halo::testing::FakeClock>();
  mcp::HttpOptions o;
  o.workers = 1;
  o.max_queued = 1;
  o.clock = clock;
  Server s(o);
  std::string body = Modern("tools/call", {{"name", "slow_tool"}, {"arguments", {{"ms", 400}}}});
  std::vector<std::optional<httplib::Result>> results(2);
  std::vector<std::thread> callers;
  for (std::size_t i = 0; i < 2; ++i) {
    callers.emplace_back([&, i] {
      auto c = s.Client();
      results[i].emplace(
          c.Post("/mcp", ModernHdrs("tools/call", "slow_tool"), body, "application/json"));
    });
    std::this_thread::sleep_for(50ms);
  }
  // One call running, one queued: a third is refused at once, and quick methods still answer.
  auto c = s.Client();
  auto refused = c.Post("/mcp", ModernHdrs("tools/call", "slow_tool"), body, "application/json");
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(refused->get_header_value("Retry-After") == "1");
  auto list = c.Post("/mcp", ModernHdrs("tools/list"), Modern("tools/list"), "application/json");
  REQUIRE(list);
  CHECK(list->status == 200);
  // The queued call waited longer than max_queue_wait (by the injected clock): 503, not a run.
  clock->Advance(10s);
  for (auto& t : callers) t.join();
  REQUIRE((results[0] && *results[0] && results[1] && *results[1]));
  CHECK((*results[0])->status == 200);
  CHECK((*results[1])->status == 503);
  CHECK_THAT((*results[1])->body, Catch::Matchers::Contains("no worker was free"));
}

TEST_CASE("http memory: bodies share one allowance, oversized responses become errors",
          "[http][memory]") {
  SECTION("bodies being received at once are capped: 503, and small requests still pass") {
    mcp::HttpOptions o;
    o.max_request_memory = 8 * 1024 * 1024;
    Server s(o);
    int const port = s.http->port();
    std::string const part(2'500'000, ' ');  // JSON whitespace, never finished
    std::vector<std::unique_ptr<Raw>> hogs;
    std::string refused;
    for (int i = 0; i < 4 && refused.empty(); ++i) {
      hogs.push_back(std::make_unique<Raw>(port));
      hogs.back()->Send(McpPostHead(port, "", 3'000'000) + part);
      refused = hogs.back()->Read(500ms, "\r\n\r\n");
    }
    CHECK(HttpStatusOf(refused) == 503);
    CHECK_THAT(refused, Catch::Matchers::Contains("too much request data"));
    CHECK(hogs.size() >= 2);  // the first ones fit
    auto c = s.Client();
    auto fine = c.Post("/mcp", Hdrs(), kInit, "application/json");
    REQUIRE(fine);
    CHECK(fine->status == 200);
  }
  SECTION("a message that could never fit the allowance: 413 saying so") {
    mcp::HttpOptions o;
    o.max_request_memory = 4 * 1024 * 1024;
    Server s(o);
    auto c = s.Client();
    json big = json::parse(kInit);
    big["params"]["clientInfo"]["name"] = std::string(1'000'000, 'x');
    auto r = c.Post("/mcp", Hdrs(), big.dump(), "application/json");
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK_THAT(r->body, Catch::Matchers::Contains("request memory"));
  }
  SECTION("a response over max_response_bytes is replaced by an error saying so") {
    mcp::HttpOptions o;
    o.max_response_bytes = 300;
    Server s(o);
    auto c = s.Client();
    auto r = c.Post("/mcp", ModernHdrs("tools/list"), Modern("tools/list"), "application/json");
    REQUIRE(r);
    json body = json::parse(r->body);
    CHECK(body["id"] == 1);
    CHECK_THAT(body["error"]["message"].get<std::string>(),
               Catch::Matchers::Contains("over this server's limit of 300 bytes"));
  }
}

TEST_CASE("http framing: HTTP/1.0, Expect: 100-continue, keep-alive, unknown paths",
          "[http][framing]") {
  Server s;
  int const port = s.http->port();
  std::string init = Modern("tools/list");
  {
    Raw raw(port);
    raw.Send(
        "POST /mcp HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: application/json, "
        "text/event-stream\r\nContent-Type: application/json\r\nMCP-Protocol-Version: "
        "2026-07-28\r\nMcp-Method: tools/list\r\nContent-Length: " +
        std::to_string(init.size()) + "\r\n\r\n" + init);
    std::string response = raw.Read(3s);
    CHECK(response.rfind("HTTP/1.0 200", 0) == 0);
    CHECK(raw.peer_closed());
  }
  {
    Raw raw(port);
    raw.Send(McpPostHead(port,
                         "Expect: 100-continue\r\nMCP-Protocol-Version: 2026-07-28\r\n"
                         "Mcp-Method: tools/list\r\n",
                         init.size()));
    CHECK(raw.Read(2s, "\r\n\r\n").rfind("HTTP/1.1 100 Continue", 0) == 0);
    raw.Send(init);
    std::string response = raw.Read(2s, "\"tools\"");
    CHECK(HttpStatusOf(response) == 200);
    // Keep-alive: the same connection serves the next request.
    raw.Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    CHECK_THAT(raw.Read(2s, "ok\"}"), Catch::Matchers::Contains("{\"status\":\"ok\"}"));
  }
  auto c = s.Client();
  CHECK(c.Get("/elsewhere")->status == 404);
  CHECK(c.Put("/mcp", "", "application/json")->status == 405);
}

TEST_CASE("http legacy: a session shared between replicas continues, stays its token's, ends once",
          "[http][legacy][shared]") {
  auto clock = std::make_shared<halo::testing::FakeClock>();
  auto state = std::make_shared<mcp::testing::FakeSharedState>(clock);
  mcp::HttpOptions o;
  o.tokens = {"tok-a", "tok-b"};
  o.shared_sessions = std::make_shared<mcp::SharedSessions>(state, "t", 30min);
  Server a(o), b(o);
  auto ca = a.Client(), cb = b.Client();
  auto as = [](std::string const& token, std::string const& sid) {
    return Hdrs({{"Authorization", "Bearer " + token}, {"Mcp-Session-Id", sid}});
  };
  auto init = ca.Post("/mcp", Hdrs({{"Authorization", "Bearer tok-a"}}), kInit, "application/json");
  REQUIRE(init);
  REQUIRE(init->status == 200);
  std::string const sid = init->get_header_value("Mcp-Session-Id");
  REQUIRE(sid.size() == 32);

  auto on_b = cb.Post("/mcp", as("tok-a", sid), Call("echo_tool", {{"n", 1}}), "application/json");
  REQUIRE(on_b);
  CHECK(on_b->status == 200);
  CHECK_THAT(on_b->body, Catch::Matchers::Contains("echo"));
  // Another token, even one of the same (default) principal, may not continue it.
  auto other = cb.Post("/mcp", as("tok-b", sid), Call("echo_tool"), "application/json");
  REQUIRE(other);
  CHECK(other->status == 404);
  CHECK(state->Raw("t:session:" + sid).find("tok-a") == std::string::npos);

  auto del = cb.Delete("/mcp", as("tok-a", sid));
  REQUIRE(del);
  CHECK(del->status == 200);
  auto after = ca.Post("/mcp", as("tok-a", sid), Call("echo_tool"), "application/json");
  REQUIRE(after);
  CHECK(after->status == 404);
}

TEST_CASE("http: a stalled session store or issuer holds up only the requests that need it",
          "[http][offload]") {
  // One network thread, so that a request holding it would hold up every other one, and one
  // offload thread, which the stalled request holds.
  mcp::HttpOptions o;
  o.io_threads = 1;
  o.offload_threads = 1;
  Gate* gate = nullptr;
  httplib::Headers stalled_headers;
  std::string stalled_body;
  int stalled_status = 0;
  httplib::Headers other_headers = ModernHdrs("tools/list");

  std::shared_ptr<StalledState> state;
  std::shared_ptr<StalledJwks> issuer;
  SECTION("a legacy session looked up in shared state") {
    state = std::make_shared<StalledState>(std::make_shared<halo::testing::FakeClock>());
    o.shared_sessions = std::make_shared<mcp::SharedSessions>(state, "t", 30min);
    gate = &state->gate;
    stalled_body = Call("echo_tool");
    stalled_status = 200;
  }
  SECTION("a JWT whose key set must be fetched") {
    issuer = std::make_shared<StalledJwks>();
    mcp::JwtSettings settings;
    settings.issuer = "https://login.example.com/";
    settings.audience = "https://mcp.example.com/mcp";
    settings.refetch_interval = 0s;
    o.jwt = std::make_shared<mcp::JwtVerifier>(settings, issuer,
                                               std::make_shared<mcp::SystemWallClock>());
    o.tokens = {"tok"};
    gate = &issuer->gate;
    // {"alg":"RS256","kid":"new"}.{}.sig: checking it needs the issuer's keys.
    stalled_headers = ModernHdrs("tools/list");
    stalled_headers.emplace("Authorization",
                            "Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6Im5ldyJ9.e30.c2ln");
    stalled_body = Modern("tools/list");
    stalled_status = 401;
    other_headers.emplace("Authorization", "Bearer tok");
  }
  Server s(o);
  std::string sid;
  if (state) {
    auto c = s.Client();
    sid = InitSession(c);
    stalled_headers = Hdrs({{"Mcp-Session-Id", sid}});
  }
  gate->Hold(true);
  std::optional<httplib::Result> stalled;
  std::thread caller([&] {
    auto c = s.Client();
    stalled.emplace(c.Post("/mcp", stalled_headers, stalled_body, "application/json"));
  });
  bool const waiting = gate->AwaitWaiting();
  auto c = s.Client();
  c.set_read_timeout(3, 0);
  auto other = c.Post("/mcp", other_headers, Modern("tools/list"), "application/json");
  bool const served = other && other->status == 200;
  auto health = c.Get("/healthz");
  bool const healthy = health && health->status == 200;
  // Headers that say a stateless tools/list over a body that would open (and publish) a legacy
  // session: refused as a mismatch, without touching the store.
  auto headers_lie = c.Post("/mcp", other_headers, kInit, "application/json");
  int const lie_status = headers_lie ? headers_lie->status : 0;
  gate->Hold(false);
  caller.join();
  CHECK(waiting);
  CHECK(served);
  CHECK(healthy);
  CHECK(lie_status == 400);
  REQUIRE((stalled && *stalled));
  CHECK((*stalled)->status == stalled_status);
}
