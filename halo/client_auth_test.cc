#include "halo/testing/client_harness.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using halo::StatusCode;
using halo::testing::ClientHarness;
using halo::testing::Records;

TEST_CASE("The client gets a token once and sends it as a bearer", "[halo][auth]") {
  ClientHarness h;
  h.halo.set_tenant("acme");
  h.halo.AddList("/api/Tickets", Records(3), "tickets");
  auto client = h.Make();
  REQUIRE(client);
  halo::CallContext ctx;
  REQUIRE(client->Get("/Tickets/1", {}, ctx).status().code() == StatusCode::kNotFound);
  REQUIRE(client->Get("/Tickets", {}, ctx).ok());
  CHECK(h.halo.token_requests() == 1);
  auto seen = h.halo.requests();
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].path == "/auth/token");
  CHECK(seen[0].params["tenant"] == "acme");
  CHECK_THAT(seen[0].body, Contains("grant_type=client_credentials"));
  CHECK_THAT(seen[0].body, Contains("scope=all"));
  CHECK(seen[1].authorization == "Bearer " + h.halo.last_token());
  CHECK(seen[1].user_agent == std::string("halo-mcp/") + HALO_MCP_VERSION);
  CHECK(client->stats().token_requests == 1);
  CHECK(client->stats().http_requests == 2);
}

TEST_CASE("Concurrent callers with an expired token share one refresh", "[halo][auth]") {
  ClientHarness h;
  h.halo.AddList("/api/Status", Records(2), "");
  h.halo.set_token_latency(150ms);
  h.halo.set_token_expires_in(3600);
  auto o = h.Options();
  o.connection_pool_size = 16;
  auto client = h.Make(o);
  halo::CallContext ctx;

  auto burst = [&] {
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 16; ++i) {
      threads.emplace_back([&] {
        if (client->Get("/Status", {}, ctx).ok()) ++ok;
      });
    }
    for (auto& t : threads) t.join();
    return ok.load();
  };
  CHECK(burst() == 16);
  CHECK(h.halo.token_requests() == 1);

  h.clock->Advance(3600s);  // expired for everyone
  CHECK(burst() == 16);
  CHECK(h.halo.token_requests() == 2);

  h.clock->Advance(3545s);  // inside the 60 s refresh margin
  CHECK(burst() == 16);
  CHECK(h.halo.token_requests() == 3);
}

TEST_CASE("A 401 from the API refreshes the token and retries once", "[halo][auth]") {
  ClientHarness h;
  h.halo.AddList("/api/Status", Records(2), "");
  auto client = h.Make();
  halo::CallContext ctx;
  REQUIRE(client->Get("/Status", {}, ctx).ok());
  CHECK(h.halo.token_requests() == 1);

  SECTION("revoked token: refresh, retry, success") {
    h.halo.RevokeTokens();
    auto r = client->Get("/Status", {}, ctx);
    REQUIRE(r.ok());
    CHECK(h.halo.token_requests() == 2);
    CHECK(h.halo.count("GET", "/api/Status") == 3);
  }
  SECTION("401 again after the refresh: no loop") {
    h.halo.Script("GET", "/api/Status", halo::testing::Scripted::Reply(401, "{}"));
    h.halo.Script("GET", "/api/Status", halo::testing::Scripted::Reply(401, "{}"));
    auto r = client->Get("/Status", {}, ctx);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kUnauthenticated);
    CHECK(h.halo.token_requests() == 2);
    CHECK(h.halo.count("GET", "/api/Status") == 3);
  }
  SECTION("a POST rejected with 401 is safe to resend once") {
    h.halo.RevokeTokens();
    auto r = client->Post("/Tickets", nlohmann::json::array({{{"summary", "x"}}}), ctx);
    REQUIRE(r.ok());
    CHECK(h.halo.count("POST", "/api/Tickets") == 2);
  }
}

TEST_CASE("Token endpoint errors name the setting to check", "[halo][auth]") {
  ClientHarness h;
  halo::CallContext ctx;
  SECTION("invalid_client") {
    auto o = h.Options();
    o.client_secret = "wrong-secret-value";
    auto r = h.Make(o)->Get("/Tickets", {}, ctx);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kUnauthenticated);
    CHECK_THAT(r.status().message(), Contains("invalid_client") && Contains("HALOPSA_CLIENT_ID") &&
                                         Contains("HALOPSA_CLIENT_SECRET"));
    CHECK(r.status().message().find("wrong-secret-value") == std::string::npos);
    CHECK(h.halo.token_requests() == 1);  // not retried
    CHECK(h.halo.count("GET", "/api/Tickets") == 0);
  }
  SECTION("invalid_scope") {
    auto o = h.Options();
    o.scope = "read:agents";
    auto r = h.Make(o)->Get("/Tickets", {}, ctx);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kFailedPrecondition);
    CHECK_THAT(r.status().message(), Contains("HALOPSA_SCOPE") && Contains("read:agents"));
  }
  SECTION("wrong tenant") {
    h.halo.set_tenant("acme");
    auto o = h.Options();
    o.tenant = "acne";
    auto r = h.Make(o)->Get("/Tickets", {}, ctx);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Contains("HALOPSA_TENANT"));
    CHECK(r.status().info().hint == "check HALOPSA_TENANT");
  }
  SECTION("auth server unreachable") {
    auto o = h.Options();
    o.auth_url = "http://127.0.0.1:1/auth";
    o.max_attempts = 2;
    auto r = h.Make(o)->Get("/Tickets", {}, ctx);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kUnavailable);
    CHECK_THAT(r.status().message(), Contains("HALOPSA_AUTH_URL"));
  }
}

TEST_CASE("Paths must stay under /api", "[halo][client]") {
  ClientHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  CHECK(client->Get("http://evil.example.com/x", {}, ctx).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(client->Get("/Tickets/../../auth/token", {}, ctx).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(h.halo.requests().empty());
}

TEST_CASE("MakeHaloClient validates its options", "[halo][client]") {
  halo::HaloOptions o;
  auto c = halo::MakeHaloClient(o);
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.status().message(), Contains("HALOPSA_BASE_URL"));
}
