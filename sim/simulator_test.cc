#include "sim/simulator.h"

#include "sim/sim_test_util.h"

#include <catch2/catch.hpp>

#include <string>

using halo_sim::Json;
using halo_sim::SimOptions;
using halo_sim::testing::SimHarness;
using halo_sim::testing::SmallOptions;

namespace {

httplib::Result TokenRequest(SimHarness& h, std::string const& target, httplib::Params form) {
  return h.http().Post(target.c_str(), form);
}

httplib::Params Form(SimHarness& h, std::string const& scope = "all") {
  return {{"grant_type", "client_credentials"},
          {"client_id", h.sim().client_id()},
          {"client_secret", h.sim().client_secret()},
          {"scope", scope}};
}

}  // namespace

TEST_CASE("Token endpoint: client credentials, tenant, scopes", "[sim][auth]") {
  SimHarness h;
  SECTION("good credentials") {
    auto res = TokenRequest(h, "/auth/token?tenant=demo", Form(h));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    auto body = Json::parse(res->body);
    CHECK(body["token_type"] == "Bearer");
    CHECK(body["expires_in"] == 3600);
    CHECK(body["scope"] == "all");
    CHECK(body["access_token"].get<std::string>().size() >= 32);
    CHECK(h.sim().token_requests() == 1);
  }
  SECTION("tenant as a form field is accepted") {
    auto form = Form(h);
    form.emplace("tenant", "demo");
    CHECK(TokenRequest(h, "/auth/token", form)->status == 200);
  }
  SECTION("missing or wrong tenant") {
    auto res = TokenRequest(h, "/auth/token", Form(h));
    CHECK(res->status == 401);
    CHECK(Json::parse(res->body)["error"] == "invalid_client");
    CHECK(TokenRequest(h, "/auth/token?tenant=other", Form(h))->status == 401);
  }
  SECTION("wrong secret or unknown client") {
    auto form = Form(h);
    form.erase("client_secret");
    form.emplace("client_secret", "nope");
    auto res = TokenRequest(h, "/auth/token?tenant=demo", form);
    CHECK(res->status == 401);
    CHECK(Json::parse(res->body)["error"] == "invalid_client");
  }
  SECTION("unknown scope") {
    auto res = TokenRequest(h, "/auth/token?tenant=demo", Form(h, "read:users"));
    CHECK(res->status == 400);
    CHECK(Json::parse(res->body)["error"] == "invalid_scope");
  }
  SECTION("authinfo is anonymous") {
    auto res = h.http().Get("/api/authinfo");
    REQUIRE(res->status == 200);
    auto body = Json::parse(res->body);
    CHECK(body["auth_url"] == h.sim().base_url() + "/auth");
    CHECK(body["tenant_id"] == "demo");
  }
}

TEST_CASE("Bearer tokens: 401 for missing, wrong, expired and revoked", "[sim][auth]") {
  SimHarness h;
  CHECK(h.http().Get("/api/Tickets")->status == 401);
  CHECK(h.http().Get("/api/Tickets", h.Auth("garbage"))->status == 401);
  auto expired = h.sim().IssueToken("all", std::chrono::seconds(0));
  CHECK(h.http().Get("/api/Tickets", h.Auth(expired))->status == 401);

  auto token = h.Token();
  CHECK(h.http().Get("/api/Tickets", h.Auth(token))->status == 200);
  h.sim().RevokeTokens();
  auto res = h.http().Get("/api/Tickets", h.Auth(token));
  CHECK(res->status == 401);
  CHECK(res->has_header("WWW-Authenticate"));

  // The revoke_tokens fault clears itself.
  auto token2 = h.Token();
  halo_sim::Faults f;
  f.revoke_tokens = true;
  h.sim().SetFaults(f);
  CHECK_FALSE(h.sim().faults().revoke_tokens);
  CHECK(h.http().Get("/api/Tickets", h.Auth(token2))->status == 401);
  CHECK(h.http().Get("/api/Tickets", h.Auth(h.Token()))->status == 200);
}

TEST_CASE("Scopes: reads need read or edit, writes need edit", "[sim][auth]") {
  SimHarness h;
  auto read_tickets = h.Token("read:tickets");
  CHECK(h.http().Get("/api/Tickets", h.Auth(read_tickets))->status == 200);
  CHECK(h.http().Get("/api/Status", h.Auth(read_tickets))->status == 200);
  auto post = h.http().Post("/api/Tickets", h.Auth(read_tickets),
                            R"([{"summary":"x","tickettype_id":1}])", "application/json");
  CHECK(post->status == 403);
  CHECK(h.http().Get("/api/Client", h.Auth(read_tickets))->status == 403);
  CHECK(h.http().Get("/api/Asset", h.Auth(read_tickets))->status == 403);

  auto edit_customers = h.Token("edit:customers read:assets");
  CHECK(h.http().Get("/api/Client", h.Auth(edit_customers))->status == 200);
  CHECK(h.http().Get("/api/Asset", h.Auth(edit_customers))->status == 200);
  CHECK(h.http().Delete("/api/Asset/501", h.Auth(edit_customers))->status == 403);
  CHECK(h.http()
            .Post("/api/Client", h.Auth(edit_customers), R"([{"name":"Scoped Ltd"}])",
                  "application/json")
            ->status == 200);
}

TEST_CASE("Paths are case-insensitive and unknown parameters are ignored", "[sim][routing]") {
  SimHarness h;
  auto a = h.GetJson("/api/Tickets?count=5");
  auto b = h.GetJson("/api/tickets?count=5&no_such_param=1&tenant=demo");
  auto c = h.GetJson("/API/TICKETS?COUNT=5");
  CHECK(a == b);
  CHECK(a == c);
  CHECK(h.GetJson("/api/client")["record_count"] == h.GetJson("/api/Client")["record_count"]);
  CHECK(h.GetJson("/api/tickets/1001")["id"] == 1001);
  auto missing = h.Get("/api/Tickets/987654");
  CHECK(missing->status == 404);
  CHECK(Json::parse(missing->body).contains("error"));
  CHECK(h.Get("/api/NoSuchThing")->status == 404);
  CHECK(h.GetJson("/api/agent/me")["isapiagent"] == true);
}

TEST_CASE("Writes over HTTP answer the saved record", "[sim][writes]") {
  SimHarness h;
  auto res = h.Post("/api/Tickets", Json::array({{{"summary", "Laptop won't boot"},
                                                  {"tickettype_id", 1},
                                                  {"client_id", 12},
                                                  {"details_html", "<p>Black screen</p>"}}}));
  REQUIRE(res->status == 200);
  auto ticket = Json::parse(res->body);
  CHECK(ticket["details"] == "Black screen");
  auto id = ticket["id"].get<int>();
  auto note = h.Post("/api/Actions", Json::array({{{"ticket_id", id},
                                                   {"outcome", "Private Note"},
                                                   {"note", "Checked"},
                                                   {"hiddenfromuser", true},
                                                   {"timetaken", 0.25}}}));
  REQUIRE(note->status == 200);
  CHECK(Json::parse(note->body)["id"] == 1);
  auto del = h.Delete("/api/Tickets/" + std::to_string(id));
  CHECK(del->status == 200);
  CHECK(Json::parse(del->body)["id"] == id);
}

TEST_CASE("Rate limit: rolling window per client with HaloPSA's message", "[sim][ratelimit]") {
  auto options = SmallOptions();
  options.rate_limit_requests = 5;
  options.rate_limit_window_seconds = 60;
  SECTION("without Retry-After") {
    SimHarness h(options);
    for (int i = 0; i < 5; ++i) CHECK(h.Get("/api/Status")->status == 200);
    auto res = h.Get("/api/Status");
    REQUIRE(res->status == 429);
    CHECK(Json::parse(res->body)["error"] ==
          "Rate Limit Reached - 5 Requests per rolling 1 minute window");
    CHECK_FALSE(res->has_header("Retry-After"));
    // The token endpoint is not limited, so a client can still re-authenticate.
    CHECK_NOTHROW(h.Token());
  }
  SECTION("with Retry-After") {
    options.send_retry_after = true;
    SimHarness h(options);
    for (int i = 0; i < 5; ++i) h.Get("/api/Status");
    auto res = h.Get("/api/Status");
    REQUIRE(res->status == 429);
    REQUIRE(res->has_header("Retry-After"));
    auto seconds = std::stoi(res->get_header_value("Retry-After"));
    CHECK(seconds >= 1);
    CHECK(seconds <= 61);
  }
  SECTION("a window under a minute is named in seconds") {
    options.rate_limit_window_seconds = 30;
    SimHarness h(options);
    for (int i = 0; i < 5; ++i) h.Get("/api/Status");
    auto res = h.Get("/api/Status");
    REQUIRE(res->status == 429);
    CHECK(Json::parse(res->body)["error"] ==
          "Rate Limit Reached - 5 Requests per rolling 30 second window");
  }
  SECTION("the default message names 300 requests per 5 minutes") {
    options.rate_limit_requests = 300;
    options.rate_limit_window_seconds = 300;
    SimHarness h(options);
    halo_sim::Faults f;
    f.rate_limit_next = 1;
    h.sim().SetFaults(f);
    auto res = h.Get("/api/Status");
    REQUIRE(res->status == 429);
    CHECK(Json::parse(res->body)["error"] ==
          "Rate Limit Reached - 300 Requests per rolling 5 minute window");
  }
}

TEST_CASE("The request log records what clients sent", "[sim][log]") {
  SimHarness h;
  h.Auth();  // the harness's cached token
  h.sim().ClearRequests();
  h.Token();
  h.Get("/api/Tickets?client_id=12&pageinate=true");
  h.Post("/api/Actions", Json::array({{{"ticket_id", 1001}}}));
  auto log = h.sim().requests();
  REQUIRE(log.size() == 3);
  CHECK(log[0].path == "/auth/token");
  CHECK(log[0].body.find("client_secret=REDACTED") != std::string::npos);
  CHECK(log[0].body.find("test-secret") == std::string::npos);
  CHECK(log[0].status == 200);
  CHECK(log[1].method == "GET");
  CHECK(log[1].path == "/api/Tickets");
  CHECK(log[1].query == "client_id=12&pageinate=true");
  CHECK(log[1].status == 200);
  CHECK(log[2].method == "POST");
  CHECK(log[2].body.find("ticket_id") != std::string::npos);
  CHECK(log[2].status == 400);
  h.sim().ClearRequests();
  CHECK(h.sim().requests().empty());
}

TEST_CASE("WithStore gives tests direct data access", "[sim][store]") {
  SimHarness h;
  h.sim().WithStore([](halo_sim::Store& s) {
    auto* t = s.Find("Tickets", 1001);
    REQUIRE(t != nullptr);
    (*t)["summary"] = "Edited directly";
  });
  CHECK(h.GetJson("/api/Tickets/1001")["summary"] == "Edited directly");
  h.sim().ResetData();
  CHECK(h.GetJson("/api/Tickets/1001")["summary"] != "Edited directly");
}

TEST_CASE("Without a tenant the token endpoint needs no tenant parameter", "[sim][auth]") {
  auto options = SmallOptions();
  options.tenant.clear();
  SimHarness h(options);
  auto res = h.http().Post("/auth/token", Form(h));
  REQUIRE(res);
  CHECK(res->status == 200);
}
