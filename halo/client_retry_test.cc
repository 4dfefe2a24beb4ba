#include "halo/testing/client_harness.h"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using halo::StatusCode;
using halo::testing::ClientHarness;
using halo::testing::Records;
using halo::testing::Scripted;
using nlohmann::json;

namespace {
Scripted Respond(int status, std::string body = "{}", std::string retry_after = "") {
  Scripted s;
  s.status = status;
  s.body = std::move(body);
  s.retry_after = std::move(retry_after);
  return s;
}
Scripted Truncate() {
  Scripted s;
  s.action = Scripted::Action::kTruncate;
  s.body = R"({"id": 1234, "summary": "created but the answer was cut"})";
  return s;
}
json OneTicket() { return json::array({{{"summary", "Printer offline"}}}); }
}  // namespace

TEST_CASE("GET is retried with backoff on 5xx", "[halo][retry]") {
  ClientHarness h;
  h.halo.AddList("/api/Status", Records(2), "");
  auto client = h.Make();
  halo::CallContext ctx;
  h.halo.Script("GET", "/api/Status",
                Respond(503, "<html><title>Service Unavailable</title></html>"));
  h.halo.Script("GET", "/api/Status", Respond(502));
  auto r = client->Get("/Status", {}, ctx);
  REQUIRE(r.ok());
  CHECK(h.halo.count("GET", "/api/Status") == 3);
  CHECK(client->stats().retries == 2);
  auto sleeps = h.sleeper.sleeps();
  CHECK_FALSE(sleeps.empty());
  for (auto d : sleeps) CHECK(d <= h.Options().max_backoff);
}

TEST_CASE("GET gives up after max_attempts", "[halo][retry]") {
  ClientHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  for (int i = 0; i < 10; ++i)
    h.halo.Script("GET", "/api/Status", Respond(500, R"({"message":"boom"})"));
  auto r = client->Get("/Status", {}, ctx);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kUnavailable);
  CHECK_THAT(r.status().message(), Contains("boom") && Contains("gave up after 4 attempts"));
  CHECK(r.status().info().http_status == 500);
  CHECK(h.halo.count("GET", "/api/Status") == 4);
}

TEST_CASE("DELETE is idempotent and retried on 5xx", "[halo][retry]") {
  ClientHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  h.halo.Script("DELETE", "/api/Tickets/5", Respond(503));
  auto r = client->Delete("/Tickets/5", {{"reason", "duplicate"}}, ctx);
  REQUIRE(r.ok());
  CHECK(h.halo.count("DELETE", "/api/Tickets/5") == 2);
  CHECK(h.halo.requests().back().params.at("reason") == "duplicate");
}

TEST_CASE("Retries stop at the call deadline", "[halo][retry]") {
  ClientHarness h;
  auto o = h.Options();
  o.max_attempts = 100;
  o.initial_backoff = 10s;
  o.max_backoff = 60s;
  o.call_deadline = 30s;
  auto client = h.Make(o);
  halo::CallContext ctx;
  for (int i = 0; i < 100; ++i) h.halo.Script("GET", "/api/Status", Respond(503));
  auto r = client->Get("/Status", {}, ctx);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kUnavailable);
  CHECK(h.sleeper.total() <= 30s);
  CHECK(h.halo.count("GET", "/api/Status") < 100);
}

TEST_CASE("A POST is never repeated after it may have reached HaloPSA", "[halo][retry]") {
  ClientHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  SECTION("5xx after sending") {
    h.halo.Script("POST", "/api/Tickets",
                  Respond(500, R"({"message":"Object reference not set"})"));
    auto r = client->Post("/Tickets", OneTicket(), ctx);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kUnknownOutcome);
    CHECK(r.status().info().http_status == 500);
    CHECK_THAT(r.status().message(), Contains("list recent records"));
    CHECK(h.halo.count("POST", "/api/Tickets") == 1);
  }
  SECTION("the connection drops mid-response") {
    h.halo.Script("POST", "/api/Tickets", Truncate());
    auto r = client->Post("/Tickets", OneTicket(), ctx);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kUnknownOutcome);
    CHECK_THAT(r.status().message(), Contains("may have been applied"));
    CHECK(h.halo.count("POST", "/api/Tickets") == 1);
    // The client recovers: the next call uses a fresh connection.
    REQUIRE(client->Post("/Tickets", OneTicket(), ctx).ok());
  }
  SECTION("read timeout") {
    auto o = h.Options();
    o.read_timeout = 200ms;
    auto slow = h.Make(o);
    Scripted s = Respond(200, R"({"id": 1})");
    s.action = Scripted::Action::kDelay;
    s.delay = 600ms;
    h.halo.Script("POST", "/api/Tickets", s);
    auto r = slow->Post("/Tickets", OneTicket(), ctx);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kUnknownOutcome);
    CHECK(h.halo.count("POST", "/api/Tickets") == 1);
  }
  SECTION("a GET whose response is cut is simply retried") {
    h.halo.Script("GET", "/api/Tickets/1", Truncate());
    h.halo.Script("GET", "/api/Tickets/1", Respond(200, R"({"id":1})"));
    auto r = client->Get("/Tickets/1", {}, ctx);
    REQUIRE(r.ok());
    CHECK((*r)["id"] == 1);
    CHECK(h.halo.count("GET", "/api/Tickets/1") == 2);
  }
}

TEST_CASE("A POST is retried when it certainly did not reach HaloPSA", "[halo][retry]") {
  ClientHarness h;
  halo::CallContext ctx;
  SECTION("429 with Retry-After") {
    auto client = h.Make();
    h.halo.Script(
        "POST", "/api/Tickets",
        Respond(429, R"({"error":"Rate Limit Reached - 300 Requests per rolling 5 minute window"})",
                "7"));
    auto r = client->Post("/Tickets", OneTicket(), ctx);
    REQUIRE(r.ok());
    CHECK((*r)["summary"] == "Printer offline");
    CHECK(h.halo.count("POST", "/api/Tickets") == 2);
    CHECK(h.sleeper.total() >= 7s);
    CHECK(h.sleeper.total() <= 8s + 250ms);
    CHECK(client->stats().rate_limited_waits == 1);
  }
  SECTION("connection refused") {
    // Keep the auth server alive, point the API at a port nobody listens on.
    auto o = h.Options();
    int dead_port = 0;
    {
      halo::testing::FakeHalo gone;
      dead_port = gone.port();
    }
    o.base_url = "http://127.0.0.1:" + std::to_string(dead_port);
    o.max_attempts = 3;
    auto client = h.Make(o);
    auto r = client->Post("/Tickets", OneTicket(), ctx);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kUnavailable);
    CHECK_THAT(r.status().message(), Contains("could not connect") && Contains("3 attempts"));
    CHECK(client->stats().http_requests == 3);
  }
}

TEST_CASE("429 without Retry-After backs off briefly, not for a whole window", "[halo][retry]") {
  ClientHarness h;
  h.halo.AddList("/api/Status", Records(1), "");
  auto client = h.Make();
  halo::CallContext ctx;
  REQUIRE(client->Get("/Status", {}, ctx).ok());  // t0: first request in the window
  h.clock->Advance(60s);
  h.halo.Script("GET", "/api/Status", Respond(429, "Rate Limit Reached"));
  auto r = client->Get("/Status", {}, ctx);
  REQUIRE(r.ok());
  // One second (plus up to 10% jitter), where the window's oldest request would be 240 s away.
  CHECK(h.sleeper.total() >= 1s);
  CHECK(h.sleeper.total() <= 1100ms);
}

TEST_CASE("429 beyond the call deadline is returned with retry_after", "[halo][retry]") {
  ClientHarness h;
  auto o = h.Options();
  o.call_deadline = 20s;
  auto client = h.Make(o);
  halo::CallContext ctx;
  h.halo.Script("GET", "/api/Status", Respond(429, R"({"message":"Rate Limit Reached"})", "120"));
  auto r = client->Get("/Status", {}, ctx);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kResourceExhausted);
  CHECK(r.status().message() == "Rate Limit Reached");
  REQUIRE(r.status().info().retry_after);
  CHECK(*r.status().info().retry_after >= 119s);
  CHECK(h.sleeper.total() == 0s);
  CHECK(h.halo.count("GET", "/api/Status") == 1);
}

TEST_CASE("The client-side limiter paces requests", "[halo][ratelimit]") {
  ClientHarness h;
  h.halo.AddList("/api/Status", Records(1), "");
  auto o = h.Options();
  o.rate_limit_requests = 5;
  o.rate_limit_window = std::chrono::seconds(60);
  o.call_deadline = 600s;
  auto client = h.Make(o);
  halo::CallContext ctx;
  for (int i = 0; i < 12; ++i) REQUIRE(client->Get("/Status", {}, ctx).ok());
  CHECK(h.sleeper.total() >= 120s);
  CHECK(h.sleeper.total() <= 121s);
  CHECK(client->stats().rate_limited_waits == 2);

  SECTION("off means no waiting") {
    o.rate_limit_requests = 0;
    auto unlimited = h.Make(o);
    h.sleeper.clear();
    for (int i = 0; i < 12; ++i) REQUIRE(unlimited->Get("/Status", {}, ctx).ok());
    CHECK(h.sleeper.total() == 0s);
  }
}

TEST_CASE("Cancellation interrupts waits", "[halo][retry]") {
  ClientHarness h;
  halo::CallContext ctx;
  ctx.cancel = std::make_shared<halo::CancelToken>();
  int slices = 0;
  halo::ClientDependencies deps;
  deps.clock = h.clock;
  deps.jitter_seed = 99;
  deps.sleep_slice = 250ms;
  deps.sleeper = [&](std::chrono::milliseconds d) {
    h.clock->Advance(d);
    if (++slices == 2) ctx.cancel->Cancel();
  };
  auto client = *halo::MakeHaloClient(h.Options(), deps);
  h.halo.Script("GET", "/api/Status", Respond(429, "{}", "10"));
  auto r = client->Get("/Status", {}, ctx);
  CHECK(r.status().code() == StatusCode::kCancelled);
  CHECK(slices == 2);
  CHECK(h.halo.count("GET", "/api/Status") == 1);
}

TEST_CASE("Retry-After on a 503 stretches the backoff", "[halo][retry]") {
  ClientHarness h;
  h.halo.AddList("/api/Status", Records(1), "");
  auto client = h.Make();
  halo::CallContext ctx;
  h.halo.Script("GET", "/api/Status", Respond(503, "{}", "3"));
  REQUIRE(client->Get("/Status", {}, ctx).ok());
  CHECK(h.sleeper.total() >= 3s);
}

TEST_CASE("An answer over max_response_bytes is abandoned while reading", "[halo][retry]") {
  ClientHarness h;
  h.halo.AddList("/api/Tickets", Records(500), "tickets");
  auto o = h.Options();
  o.max_response_bytes = 1024;
  auto client = h.Make(o);
  halo::CallContext ctx;
  SECTION("declared by Content-Length") {
    auto r = client->Get("/Tickets",
                         {{"pageinate", "true"}, {"page_no", "1"}, {"page_size", "100"}}, ctx);
    CHECK(r.status().code() == StatusCode::kFailedPrecondition);
    CHECK_THAT(r.status().message(), Contains("GET /api/Tickets") && Contains("ask for less"));
    CHECK(h.halo.count("GET", "/api/Tickets") == 1);
  }
  Scripted chunked = Respond(200, Records(500).dump());
  chunked.action = Scripted::Action::kChunked;
  SECTION("streamed without a length") {
    h.halo.Script("GET", "/api/Tickets", chunked);
    auto r = client->Get("/Tickets", {}, ctx);
    CHECK(r.status().code() == StatusCode::kFailedPrecondition);
  }
  SECTION("a write's oversized answer leaves its outcome unknown") {
    h.halo.Script("POST", "/api/Tickets", chunked);
    auto r = client->Post("/Tickets", OneTicket(), ctx);
    CHECK(r.status().code() == StatusCode::kUnknownOutcome);
    CHECK(h.halo.count("POST", "/api/Tickets") == 1);
  }
  SECTION("under the cap, streamed answers arrive whole") {
    Scripted small = Respond(200, Records(5).dump());
    small.action = Scripted::Action::kChunked;
    h.halo.Script("GET", "/api/Tickets", small);
    auto r = client->Get("/Tickets", {}, ctx);
    REQUIRE(r.ok());
    CHECK(r->size() == 5);
  }
  // The abandoned connection is not reused: the client still works.
  CHECK(client->Get("/Tickets/1", {}, ctx).status().code() == StatusCode::kNotFound);
}
