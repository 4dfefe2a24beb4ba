#include "sim/sim_test_util.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

using halo_sim::Faults;
using halo_sim::Json;
using halo_sim::testing::SimHarness;
using halo_sim::testing::SmallOptions;

namespace {

int TicketCount(SimHarness& h) { return h.GetJson("/api/Tickets?count=1")["record_count"]; }

}  // namespace

TEST_CASE("fail_5xx_next answers 503 for the next N /api requests", "[sim][faults]") {
  SimHarness h;
  h.Auth();  // fetch the token before the fault is armed
  Faults f;
  f.fail_5xx_next = 2;
  h.sim().SetFaults(f);
  CHECK(h.Get("/api/Status")->status == 503);
  CHECK(h.Get("/api/Status")->status == 503);
  CHECK(h.Get("/api/Status")->status == 200);
  CHECK(h.sim().faults().fail_5xx_next == 0);
}

TEST_CASE("rate_limit_next answers a 429 storm", "[sim][faults]") {
  SimHarness h;
  h.Auth();
  Faults f;
  f.rate_limit_next = 3;
  h.sim().SetFaults(f);
  for (int i = 0; i < 3; ++i) CHECK(h.Get("/api/Tickets")->status == 429);
  CHECK(h.Get("/api/Tickets")->status == 200);
}

TEST_CASE("reset_next drops the connection and applies nothing", "[sim][faults]") {
  SimHarness h;
  auto const before = TicketCount(h);
  Faults f;
  f.reset_next = 1;
  h.sim().SetFaults(f);
  auto res = h.Post("/api/Tickets", Json::array({{{"summary", "Lost"}, {"tickettype_id", 1}}}));
  CHECK_FALSE(res);  // transport error, no status
  CHECK(TicketCount(h) == before);
  auto log = h.sim().requests();
  bool dropped = false;
  for (auto const& r : log) dropped = dropped || (r.method == "POST" && r.status == 0);
  CHECK(dropped);
}

TEST_CASE("ambiguous_writes_next applies the write, then drops the connection", "[sim][faults]") {
  SimHarness h;
  auto const before = TicketCount(h);
  Faults f;
  f.ambiguous_writes_next = 2;
  h.sim().SetFaults(f);
  // Reads are not affected.
  CHECK(h.Get("/api/Status")->status == 200);
  auto res = h.Post("/api/Tickets", Json::array({{{"summary", "Maybe"}, {"tickettype_id", 1}}}));
  CHECK_FALSE(res);
  CHECK(TicketCount(h) == before + 1);  // it WAS applied
  auto del = h.Delete("/api/Tickets/1001");
  CHECK_FALSE(del);
  CHECK(h.Get("/api/Tickets/1001")->status == 404);
  CHECK(h.sim().faults().ambiguous_writes_next == 0);
}

TEST_CASE("slow_next exceeds a client's read timeout, latency_ms delays every request",
          "[sim][faults]") {
  SimHarness h;
  h.Auth();
  Faults f;
  f.slow_next = 1;
  f.slow_ms = 700;
  h.sim().SetFaults(f);
  h.http().set_read_timeout(0, 200 * 1000);
  CHECK_FALSE(h.Get("/api/Status"));
  h.http().set_read_timeout(5, 0);
  CHECK(h.Get("/api/Status")->status == 200);

  Faults latency;
  latency.latency_ms = 120;
  h.sim().SetFaults(latency);
  auto start = std::chrono::steady_clock::now();
  CHECK(h.Get("/api/Status")->status == 200);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(120));
}

TEST_CASE("latency_includes_work: the work is done, and logged, before the latency ends",
          "[sim][faults]") {
  // The request log is written when the work is done: before the wait when the latency includes
  // the work, after it otherwise. Either way the answer takes at least the latency.
  for (bool includes_work : {false, true}) {
    CAPTURE(includes_work);
    SimHarness h;
    h.Auth();
    Faults f;
    f.latency_ms = 1000;
    f.latency_includes_work = includes_work;
    h.sim().SetFaults(f);
    h.sim().ClearRequests();
    auto start = std::chrono::steady_clock::now();
    int status = 0;  // Catch's assertions stay on this thread
    std::thread caller([&] {
      if (auto r = h.Get("/api/Status")) status = r->status;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    bool const logged_midway = !h.sim().requests().empty();
    caller.join();
    CHECK(status == 200);
    CHECK(logged_midway == includes_work);
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(1000));
  }
}

TEST_CASE("latency_includes_work: a dropped connection drops when the answer was due",
          "[sim][faults]") {
  SimHarness h;
  h.Auth();
  Faults f;
  f.latency_ms = 300;
  f.latency_includes_work = true;
  f.reset_next = 1;
  h.sim().SetFaults(f);
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(h.Get("/api/Status"));  // transport error, no status
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
}

TEST_CASE("Admin endpoints exist only with admin enabled", "[sim][admin]") {
  SECTION("off") {
    SimHarness h;
    CHECK(h.http().Get("/_sim/requests")->status == 404);
  }
  SECTION("on") {
    auto options = SmallOptions();
    options.admin = true;
    SimHarness h(options);
    auto set = h.http().Post("/_sim/faults", R"({"fail_5xx_next": 1})", "application/json");
    REQUIRE(set->status == 200);
    CHECK(Json::parse(set->body)["fail_5xx_next"] == 1);
    CHECK(h.sim().faults().fail_5xx_next == 1);
    CHECK(h.Get("/api/Status")->status == 503);
    auto log = h.http().Get("/_sim/requests");
    REQUIRE(log->status == 200);
    auto entries = Json::parse(log->body);
    REQUIRE(entries.is_array());
    CHECK(entries.back()["status"] == 503);
    CHECK(h.http().Delete("/_sim/requests")->status == 200);
    CHECK(h.sim().requests().empty());
    auto token = h.http().Post("/_sim/token", R"({"scope":"read:tickets","ttl_seconds":60})",
                               "application/json");
    REQUIRE(token->status == 200);
    auto access = Json::parse(token->body)["access_token"].get<std::string>();
    CHECK(h.http().Get("/api/Tickets", h.Auth(access))->status == 200);
    CHECK(h.http().Post("/_sim/revoke", "", "application/json")->status == 200);
    CHECK(h.http().Get("/api/Tickets", h.Auth(access))->status == 401);
    CHECK(h.http().Post("/_sim/reset", "", "application/json")->status == 200);
  }
}
