// The client's retry and write-safety rules, checked through the real request path over a
// scripted HttpClient: no sockets, no sleeps (a fake clock and a recording sleeper).
#include "halo/pagination.h"
#include "halo/safe_int.h"
#include "halo/testing/client_harness.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <ctime>
#include <stdexcept>
#include <thread>

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using halo::Idempotency;
using halo::StatusCode;
using halo::TransportFailure;
using halo::testing::ScriptedHarness;
using halo::testing::ScriptedHttp;
using nlohmann::json;

namespace {

halo::HttpResult Reply(int status, std::string body = "{}", std::string retry_after = "") {
  return ScriptedHttp::Reply(status, std::move(body), std::move(retry_after));
}
halo::HttpResult Failure(TransportFailure failure, std::string name) {
  return ScriptedHttp::Failure(failure, std::move(name));
}

json OneTicket() { return json::array({{{"summary", "Printer offline"}}}); }

constexpr char kTickets[] = "/api/Tickets";
constexpr char kToken[] = "/auth/token";
constexpr char kRateLimited[] =
    R"({"error":"Rate Limit Reached - 300 Requests per rolling 5 minute window"})";

}  // namespace

TEST_CASE("Reads are retried with backoff on 5xx, timeouts and resets", "[halo][rules]") {
  ScriptedHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  h.http->Script("GET", "/api/Status", Reply(503, "<html><title>Unavailable</title></html>"));
  h.http->Script("GET", "/api/Status", Failure(TransportFailure::kAmbiguous, "Read"));
  h.http->Script("GET", "/api/Status", Reply(504));
  h.http->Script("GET", "/api/Status", Reply(200, R"([{"id":1}])"));
  auto r = client->Get("/Status", {}, ctx);
  REQUIRE(r.ok());
  CHECK((*r)[0]["id"] == 1);
  CHECK(h.http->count("GET", "/api/Status") == 4);
  CHECK(client->stats().retries == 3);
  // Three back-offs with full jitter under 250 ms, 500 ms, 1 s.
  CHECK(h.sleeper.total() <= 1750ms);

  SECTION("until the attempts run out") {
    for (int i = 0; i < 10; ++i) {
      h.http->Script("GET", "/api/Status", Failure(TransportFailure::kAmbiguous, "Read"));
    }
    auto failed = client->Get("/Status", {}, ctx);
    CHECK(failed.status().code() == StatusCode::kUnavailable);
    CHECK_THAT(failed.status().message(),
               Contains("GET /api/Status") && Contains("gave up after 4 attempts"));
    CHECK(h.http->count("GET", "/api/Status") == 8);
  }
}

TEST_CASE("A non-idempotent POST is repeated only when it certainly was not processed",
          "[halo][rules]") {
  ScriptedHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  SECTION("5xx: unknown outcome, sent once") {
    h.http->Script("POST", kTickets, Reply(500, R"({"message":"Object reference not set"})"));
    auto r = client->Post("/Tickets", OneTicket(), ctx);
    CHECK(r.status().code() == StatusCode::kUnknownOutcome);
    CHECK(r.status().info().http_status == 500);
    CHECK_THAT(r.status().message(), Contains("POST /api/Tickets may have been applied") &&
                                         Contains("Object reference not set") &&
                                         Contains("list recent records"));
    CHECK(h.http->count("POST", kTickets) == 1);
  }
  SECTION("lost answer: unknown outcome, sent once") {
    h.http->Script("POST", kTickets, Failure(TransportFailure::kAmbiguous, "Read"));
    auto r = client->Post("/Tickets", OneTicket(), ctx);
    CHECK(r.status().code() == StatusCode::kUnknownOutcome);
    CHECK(h.http->count("POST", kTickets) == 1);
    CHECK(h.sleeper.sleeps().empty());
  }
  SECTION("connection refused: repeated") {
    h.http->Script("POST", kTickets, Failure(TransportFailure::kNotSent, "Connection"));
    h.http->Script("POST", kTickets, Reply(200, R"({"id":5})"));
    auto r = client->Post("/Tickets", OneTicket(), ctx);
    REQUIRE(r.ok());
    CHECK((*r)["id"] == 5);
    CHECK(h.http->count("POST", kTickets) == 2);
  }
  SECTION("429: repeated once the budget allows") {
    h.http->Script("POST", kTickets, Reply(429, kRateLimited, "2"));
    h.http->Script("POST", kTickets, Reply(200, R"({"id":6})"));
    auto r = client->Post("/Tickets", OneTicket(), ctx);
    REQUIRE(r.ok());
    CHECK(h.http->count("POST", kTickets) == 2);
    CHECK(h.sleeper.total() >= 2s);
  }
  SECTION("401: one token refresh and one repeat") {
    h.http->Script("POST", kTickets, Reply(401, R"({"error":"invalid_token"})"));
    h.http->Script("POST", kTickets, Reply(200, R"({"id":7})"));
    auto r = client->Post("/Tickets", OneTicket(), ctx);
    REQUIRE(r.ok());
    CHECK(h.http->count("POST", kTickets) == 2);
    CHECK(h.http->token_requests() == 2);
    auto seen = h.http->requests();
    CHECK(seen.back().header("Authorization") == "Bearer tok-2");
  }
  SECTION("401 twice: no loop") {
    h.http->Script("POST", kTickets, Reply(401));
    h.http->Script("POST", kTickets, Reply(401));
    h.http->Script("POST", kTickets, Reply(200));
    auto r = client->Post("/Tickets", OneTicket(), ctx);
    CHECK(r.status().code() == StatusCode::kUnauthenticated);
    CHECK(h.http->count("POST", kTickets) == 2);
    CHECK(h.http->token_requests() == 2);
  }
  SECTION("cancelled mid-request") {
    h.http->Script("POST", kTickets, Failure(TransportFailure::kCancelled, "Canceled"));
    CHECK(client->Post("/Tickets", OneTicket(), ctx).status().code() == StatusCode::kCancelled);
  }
}

TEST_CASE("The caller decides idempotency", "[halo][rules]") {
  ScriptedHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  SECTION("an update POST marked idempotent is retried like a read") {
    h.http->Script("POST", kTickets, Reply(503));
    h.http->Script("POST", kTickets, Failure(TransportFailure::kAmbiguous, "Read"));
    h.http->Script("POST", kTickets, Reply(200, R"({"id":12})"));
    auto r = client->Post("/Tickets", json::array({{{"id", 12}, {"summary", "x"}}}), ctx,
                          Idempotency::kIdempotent);
    REQUIRE(r.ok());
    CHECK(h.http->count("POST", kTickets) == 3);
  }
  SECTION("a DELETE marked non-idempotent is not repeated after a lost answer") {
    h.http->Script("DELETE", "/api/Tickets/5", Failure(TransportFailure::kAmbiguous, "Read"));
    auto r = client->Delete("/Tickets/5", {}, ctx, Idempotency::kNonIdempotent);
    CHECK(r.status().code() == StatusCode::kUnknownOutcome);
    CHECK(h.http->count("DELETE", "/api/Tickets/5") == 1);
  }
  SECTION("an idempotent batch retries its chunks") {
    h.http->Script("POST", kTickets, Reply(502));
    h.http->Script("POST", kTickets, Reply(200, R"([{"id":1},{"id":2}])"));
    auto results = client->PostBatch("/Tickets", {{{"id", 1}}, {{"id", 2}}}, 50, ctx,
                                     Idempotency::kIdempotent);
    REQUIRE(results.size() == 2);
    CHECK(results[0].status.ok());
    CHECK(results[1].record["id"] == 2);
    CHECK(h.http->count("POST", kTickets) == 2);
  }
}

TEST_CASE("A DELETE whose answer was lost and whose retry finds nothing has succeeded",
          "[halo][rules]") {
  ScriptedHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  auto const not_found = Reply(404, R"({"message":"Ticket not found"})");
  SECTION("lost answer, then 404") {
    h.http->Script("DELETE", "/api/Tickets/5", Failure(TransportFailure::kAmbiguous, "Read"));
    h.http->Script("DELETE", "/api/Tickets/5", not_found);
    auto r = client->Delete("/Tickets/5", {{"reason", "duplicate"}}, ctx);
    REQUIRE(r.ok());
    CHECK(h.http->count("DELETE", "/api/Tickets/5") == 2);
  }
  SECTION("gateway timeout, then 404") {
    h.http->Script("DELETE", "/api/Tickets/5", Reply(504));
    h.http->Script("DELETE", "/api/Tickets/5", not_found);
    CHECK(client->Delete("/Tickets/5", {}, ctx).ok());
  }
  SECTION("404 on the first attempt stays not found") {
    h.http->Script("DELETE", "/api/Tickets/5", not_found);
    auto r = client->Delete("/Tickets/5", {}, ctx);
    CHECK(r.status().code() == StatusCode::kNotFound);
    CHECK(r.status().message() == "Ticket not found");
  }
  SECTION("connection refused, then 404: nothing was sent before, so not found") {
    h.http->Script("DELETE", "/api/Tickets/5", Failure(TransportFailure::kNotSent, "Connection"));
    h.http->Script("DELETE", "/api/Tickets/5", not_found);
    CHECK(client->Delete("/Tickets/5", {}, ctx).status().code() == StatusCode::kNotFound);
  }
  SECTION("a GET is not a DELETE") {
    h.http->Script("GET", "/api/Tickets/5", Failure(TransportFailure::kAmbiguous, "Read"));
    h.http->Script("GET", "/api/Tickets/5", not_found);
    CHECK(client->Get("/Tickets/5", {}, ctx).status().code() == StatusCode::kNotFound);
  }
}

TEST_CASE("Token fetches are retried through the same loop", "[halo][rules][auth]") {
  ScriptedHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  SECTION("5xx, refused, lost answer, then a token") {
    h.http->Script("POST", kToken, Reply(503));
    h.http->Script("POST", kToken, Failure(TransportFailure::kNotSent, "Connection"));
    h.http->Script("POST", kToken, Failure(TransportFailure::kAmbiguous, "Read"));
    REQUIRE(client->Get("/Status", {}, ctx).ok());
    CHECK(h.http->token_requests() == 4);
    CHECK(client->stats().token_requests == 4);
    CHECK(client->stats().retries == 3);
    auto seen = h.http->requests();
    CHECK(seen.back().header("Authorization") == "Bearer tok-1");
    CHECK(seen.front().params.at("tenant") == "acme");
    CHECK(seen.front().request.content_type == "application/x-www-form-urlencoded");
  }
  SECTION("until the attempts run out") {
    for (int i = 0; i < 4; ++i) h.http->Script("POST", kToken, Reply(502));
    auto r = client->Get("/Status", {}, ctx);
    CHECK(r.status().code() == StatusCode::kUnavailable);
    CHECK_THAT(r.status().message(), Contains("gave up after 4 attempts"));
    CHECK(h.http->count("GET", "/api/Status") == 0);
  }
  SECTION("429: waits and asks again") {
    h.http->Script("POST", kToken, Reply(429, kRateLimited, "3"));
    REQUIRE(client->Get("/Status", {}, ctx).ok());
    CHECK(h.sleeper.total() >= 3s);
  }
  SECTION("rejected credentials are not retried") {
    h.http->Script("POST", kToken, Reply(401, R"({"error":"invalid_client"})"));
    auto r = client->Get("/Status", {}, ctx);
    CHECK(r.status().code() == StatusCode::kUnauthenticated);
    CHECK(h.http->token_requests() == 1);
  }
  SECTION("an answer without a token is an error naming the setting") {
    h.http->Script("POST", kToken, Reply(200, R"({"token_type":"Bearer"})"));
    auto r = client->Get("/Status", {}, ctx);
    CHECK(r.status().code() == StatusCode::kInternal);
    CHECK_THAT(r.status().message(), Contains("HALOPSA_AUTH_URL"));
  }
  SECTION("an unreadable expires_in falls back to an hour") {
    for (char const* expires : {R"("soon")", "-5", "1e300", "99999999999999999999", "2.5"}) {
      INFO(expires);
      ScriptedHarness fresh;
      fresh.http->Script(
          "POST", kToken,
          Reply(200, std::string(R"({"access_token":"abcdef","expires_in":)") + expires + "}"));
      auto c = fresh.Make();
      REQUIRE(c->Get("/Status", {}, ctx).ok());
      fresh.clock->Advance(3000s);
      REQUIRE(c->Get("/Status", {}, ctx).ok());
      CHECK(fresh.http->token_requests() == 1);
    }
  }
}

TEST_CASE("A 429 without Retry-After slows calls down for seconds, not a window",
          "[halo][rules][ratelimit]") {
  ScriptedHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  REQUIRE(client->Get("/Status", {}, ctx).ok());  // a request on record in the window
  h.clock->Advance(60s);
  SECTION("one 429: about a second") {
    h.http->Script("GET", "/api/Status", Reply(429, "Rate Limit Reached"));
    REQUIRE(client->Get("/Status", {}, ctx).ok());
    CHECK(h.sleeper.total() >= 1s);
    CHECK(h.sleeper.total() <= 1100ms);
    CHECK(client->stats().rate_limited_waits == 1);
  }
  SECTION("a read throttled a few times still succeeds") {
    for (int i = 0; i < 4; ++i) h.http->Script("GET", "/api/Status", Reply(429, kRateLimited));
    REQUIRE(client->Get("/Status", {}, ctx).ok());
    CHECK(h.sleeper.total() >= 15s);  // 1 + 2 + 4 + 8
    CHECK(h.sleeper.total() <= 17s);
  }
  SECTION("a read gives up when the next slot is beyond its 60 s wait") {
    for (int i = 0; i < 20; ++i) h.http->Script("GET", "/api/Status", Reply(429, kRateLimited));
    auto r = client->Get("/Status", {}, ctx);
    CHECK(r.status().code() == StatusCode::kResourceExhausted);
    CHECK_THAT(r.status().message(), Contains("Rate Limit Reached"));
    REQUIRE(r.status().info().retry_after);
    CHECK(*r.status().info().retry_after >= 15s);
    // Seven 429s with 1 + 2 + 4 + 8 + 15 + 15 s between them (the back-off is capped at 15 s);
    // the next 15 s, plus its jitter, passes 60 s (an eighth only if the jitter drew 0).
    auto const sent = h.http->count("GET", "/api/Status");
    CHECK(sent >= 1 + 7);
    CHECK(sent <= 1 + 8);
    CHECK(h.sleeper.total() <= 60s);
  }
  SECTION("a write's wait is bounded by its own option") {
    auto o = h.Options();
    o.max_write_slot_wait = 10s;
    auto writer = h.Make(o);
    for (int i = 0; i < 20; ++i) h.http->Script("POST", kTickets, Reply(429, kRateLimited));
    auto r = writer->Post("/Tickets", OneTicket(), ctx);
    CHECK(r.status().code() == StatusCode::kResourceExhausted);
    CHECK(h.http->count("POST", kTickets) == 4);  // waited 1 + 2 + 4 s; 8 more would pass 10 s
    CHECK(h.sleeper.total() <= 10s);
  }
}

TEST_CASE("Retry-After is honoured in both forms, and bounded by the call's wait",
          "[halo][rules][ratelimit]") {
  ScriptedHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  SECTION("seconds") {
    h.http->Script("GET", "/api/Status", Reply(429, "{}", "7"));
    REQUIRE(client->Get("/Status", {}, ctx).ok());
    CHECK(h.sleeper.total() >= 7s);
    CHECK(h.sleeper.total() <= 7700ms);
  }
  SECTION("an HTTP date") {
    std::time_t const in_20s = std::time(nullptr) + 20;
    std::tm tm{};
    gmtime_r(&in_20s, &tm);
    char date[64];
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    h.http->Script("GET", "/api/Status", Reply(429, "{}", date));
    REQUIRE(client->Get("/Status", {}, ctx).ok());
    CHECK(h.sleeper.total() >= 18s);
    CHECK(h.sleeper.total() <= 22s);
  }
  SECTION("longer than the call may wait: fail at once with retry_after") {
    h.http->Script("GET", "/api/Status", Reply(429, kRateLimited, "3600"));
    auto r = client->Get("/Status", {}, ctx);
    CHECK(r.status().code() == StatusCode::kResourceExhausted);
    CHECK(r.status().message() == "Rate Limit Reached - 300 Requests per rolling 5 minute window");
    REQUIRE(r.status().info().retry_after);
    CHECK(*r.status().info().retry_after >= 3600s);
    CHECK(h.sleeper.total() == 0s);
  }
}

TEST_CASE("The limiter learns HaloPSA's window from its 429 message", "[halo][rules][ratelimit]") {
  ScriptedHarness h;
  auto o = h.Options();
  o.max_read_slot_wait = 600s;
  o.call_deadline = 600s;
  auto client = h.Make(o);
  halo::CallContext ctx;
  h.http->Script(
      "GET", "/api/Status",
      Reply(429, R"({"error":"Rate Limit Reached - 5 Requests per rolling 60 second window"})"));
  REQUIRE(client->Get("/Status", {}, ctx).ok());  // 429, ~1 s back-off, then OK
  h.sleeper.clear();
  // The window now admits 5 per 60 s; both attempts above count, so 3 more go at once.
  for (int i = 0; i < 3; ++i) REQUIRE(client->Get("/Status", {}, ctx).ok());
  CHECK(h.sleeper.total() == 0s);
  REQUIRE(client->Get("/Status", {}, ctx).ok());
  CHECK(h.sleeper.total() >= 55s);
}

TEST_CASE("Oversized and over-deep answers fail clearly", "[halo][rules]") {
  ScriptedHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  auto too_large = Failure(TransportFailure::kTooLarge, "response larger than 33554432 bytes");
  too_large.status = 200;
  SECTION("a read: not retried, says what to do") {
    h.http->Script("GET", kTickets, too_large);
    auto r = client->Get("/Tickets", {}, ctx);
    CHECK(r.status().code() == StatusCode::kFailedPrecondition);
    CHECK_THAT(r.status().message(),
               Contains("GET /api/Tickets") && Contains("32 MiB") && Contains("ask for less"));
    CHECK(h.http->count("GET", kTickets) == 1);
  }
  SECTION("a write: unknown outcome") {
    h.http->Script("POST", kTickets, too_large);
    auto r = client->Post("/Tickets", OneTicket(), ctx);
    CHECK(r.status().code() == StatusCode::kUnknownOutcome);
    CHECK_THAT(r.status().message(), Contains("may have been applied"));
  }
  SECTION("the cap is passed to the transport") {
    auto o = h.Options();
    o.max_response_bytes = 4096;
    REQUIRE(h.Make(o)->Get("/Status", {}, ctx).ok());
    for (auto const& seen : h.http->requests()) CHECK(seen.request.max_response_bytes == 4096);
  }
  std::string const deep = std::string(100, '[') + std::string(100, ']');
  SECTION("a read nested too deep") {
    h.http->Script("GET", kTickets, Reply(200, deep));
    auto r = client->Get("/Tickets", {}, ctx);
    CHECK(r.status().code() == StatusCode::kInternal);
    CHECK_THAT(r.status().message(), Contains("deeper than 64"));
  }
  SECTION("a write whose answer is nested too deep was still applied") {
    h.http->Script("POST", kTickets, Reply(200, deep));
    auto r = client->Post("/Tickets", OneTicket(), ctx);
    CHECK_THAT(r.status().message(), Contains("the write was applied"));
  }
  SECTION("a list page nested too deep") {
    h.http->Script("GET", kTickets, Reply(200, deep));
    halo::ListRequest req;
    req.path = "/Tickets";
    auto r = client->List(req, ctx);
    CHECK_THAT(r.status().message(), Contains("deeper than 64"));
  }
}

TEST_CASE("An exception in a fan-out thread becomes that request's error", "[halo][rules]") {
  ScriptedHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  h.http->Script("GET", "/api/Item1", [](halo::HttpRequest const&) -> halo::HttpResult {
    throw std::runtime_error("transport bug");
  });
  auto results = client->GetMany({"/Item0", "/Item1", "/Item2"}, {}, ctx);
  REQUIRE(results.size() == 3);
  CHECK(results[0].ok());
  CHECK(results[1].status().code() == StatusCode::kInternal);
  CHECK_THAT(results[1].status().message(), Contains("transport bug"));
  CHECK(results[2].ok());

  SECTION("in a list's page fetch") {
    json first = {{"record_count", 300}, {"tickets", halo::testing::Records(100)}};
    h.http->Script("GET", kTickets, Reply(200, first.dump()));
    h.http->SetDefault(
        [](halo::HttpRequest const&) -> halo::HttpResult { throw std::runtime_error("page bug"); });
    halo::ListRequest req;
    req.path = "/Tickets";
    req.list_key = "tickets";
    req.limit = 0;
    auto r = client->List(req, ctx);
    CHECK(r.status().code() == StatusCode::kInternal);
  }
}

TEST_CASE("List keeps max_concurrent_requests requests in flight, never more", "[halo][rules]") {
  ScriptedHarness h;
  auto o = h.Options();
  o.max_concurrent_requests = 3;
  auto client = h.Make(o);
  std::atomic<int> in_flight{0}, most{0};
  h.http->SetDefault([&](halo::HttpRequest const& r) {
    int const now = ++in_flight;
    for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(5ms);
    auto at = r.target.find("page_no=");
    int const page = at == std::string::npos ? 1 : std::stoi(r.target.substr(at + 8));
    json body = {{"record_count", 2000},
                 {"tickets", halo::testing::Records(100, (page - 1) * 100 + 1)}};
    --in_flight;
    return Reply(200, body.dump());
  });
  halo::ListRequest req;
  req.path = "/Tickets";
  req.list_key = "tickets";
  req.limit = 0;
  halo::CallContext ctx;
  auto r = client->List(req, ctx);
  REQUIRE(r.ok());
  REQUIRE(r->records.size() == 2000);
  for (std::size_t i = 0; i < r->records.size(); ++i) CHECK(r->records[i]["id"] == i + 1);
  CHECK(most.load() <= 3);
  CHECK(most.load() >= 2);
}

TEST_CASE("Offsets, limits and counts at the edge of int64 do not overflow", "[halo][rules]") {
  ScriptedHarness h;
  auto client = h.Make();
  halo::CallContext ctx;
  halo::ListRequest req;
  req.path = "/Tickets";
  req.list_key = "tickets";
  req.offset = halo::kInt64Max - 5;
  req.limit = halo::kInt64Max;
  h.http->Script("GET", kTickets, Reply(200, R"({"record_count":250,"tickets":[]})"));
  json first = {{"record_count", 250}, {"tickets", halo::testing::Records(100)}};
  h.http->Script("GET", kTickets, Reply(200, first.dump()));
  auto r = client->List(req, ctx);
  REQUIRE(r.ok());
  CHECK(r->records.empty());
  CHECK(r->record_count == 250);
  auto seen = h.http->requests();
  REQUIRE(seen.size() == 3);  // token, the far page, page 1
  CHECK(seen[1].params.at("page_no") == std::to_string((halo::kInt64Max - 5) / 100 + 1));
  CHECK(seen[2].params.at("page_no") == "1");

  SECTION("a record_count HaloPSA cannot mean is no count") {
    for (char const* count : {"-3", "2.5", "1e300", R"("12x")", "18446744073709551615"}) {
      INFO(count);
      auto page = halo::ParseListPage(
          json::parse(std::string(R"({"record_count":)") + count + R"(,"tickets":[]})"), "tickets");
      REQUIRE(page.ok());
      CHECK_FALSE(page->record_count);
    }
    auto page = halo::ParseListPage(json::parse(R"({"record_count":"12","tickets":[]})"), "");
    CHECK(page->record_count == 12);
  }
}
