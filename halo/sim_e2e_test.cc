// End-to-end: the real HaloClient against the HaloPSA simulator in sim/ (a separate executable,
// so that halo_tests never depends on the simulator).
#include "halo/halo_client.h"
#include "sim/simulator.h"

#include <catch2/catch.hpp>

#include <set>

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using halo::StatusCode;
using nlohmann::json;

namespace {

struct SimHarness {
  explicit SimHarness(halo_sim::SimOptions so) : sim(std::move(so)) {
    auto err = sim.Start();
    if (err) FAIL("simulator did not start: " << *err);
  }

  halo::HaloOptions Options() const {
    halo::HaloOptions o;
    o.base_url = sim.base_url();
    o.auth_url = sim.base_url() + "/auth";
    o.tenant = sim.tenant();
    o.client_id = sim.client_id();
    o.client_secret = sim.client_secret();
    o.initial_backoff = 1ms;
    o.max_backoff = 10ms;
    o.rate_limit_requests = 0;
    return o;
  }
  std::shared_ptr<halo::HaloClient> Make(halo::HaloOptions o) {
    auto c = halo::MakeHaloClient(std::move(o));
    REQUIRE(c.ok());
    return *c;
  }

  int Count(std::string const& method, std::string const& path_prefix, int status = -1) const {
    int n = 0;
    for (auto const& r : sim.requests()) {
      if (r.method == method && r.path.rfind(path_prefix, 0) == 0 &&
          (status < 0 || r.status == status)) {
        ++n;
      }
    }
    return n;
  }

  halo_sim::Simulator sim;
};

halo_sim::SimOptions Small() {
  halo_sim::SimOptions so;
  so.seed = 7;
  so.clients = 5;
  so.tickets = 437;
  so.assets = 130;
  so.users_per_client = 2;
  so.rate_limit_requests = 0;
  so.threads = 8;
  return so;
}

halo::ListRequest All(std::string path, std::string key) {
  halo::ListRequest r;
  r.path = std::move(path);
  r.list_key = std::move(key);
  r.limit = 0;
  return r;
}

}  // namespace

TEST_CASE("E2E: every ticket arrives once, in HaloPSA's order", "[halo][e2e]") {
  SimHarness h(Small());
  auto client = h.Make(h.Options());
  halo::CallContext ctx;
  auto r = client->List(All("/Tickets", "tickets"), ctx);
  REQUIRE(r.ok());
  REQUIRE(r->record_count == 437);
  REQUIRE(r->records.size() == 437);
  std::set<std::int64_t> ids;
  for (auto const& t : r->records) ids.insert(t["id"].get<std::int64_t>());
  CHECK(ids.size() == 437);

  // Same order as a plain sequential walk.
  json sequential = json::array();
  for (int page = 1; page <= 5; ++page) {
    auto body = client->Get(
        "/Tickets",
        {{"pageinate", "true"}, {"page_no", std::to_string(page)}, {"page_size", "100"}}, ctx);
    REQUIRE(body.ok());
    for (auto& t : (*body)["tickets"]) sequential.push_back(t["id"]);
  }
  json got = json::array();
  for (auto const& t : r->records) got.push_back(t["id"]);
  CHECK(got == sequential);

  SECTION("continuation with a cursor") {
    halo::ListRequest req = All("/Tickets", "tickets");
    req.limit = 150;
    auto first = client->List(req, ctx);
    REQUIRE(first.ok());
    REQUIRE(first->next_offset == 150);
    req.offset = *first->next_offset;
    auto second = client->List(req, ctx);
    REQUIRE(second.ok());
    CHECK(second->records[0]["id"] == sequential[150]);
    CHECK(second->next_offset == 300);
  }
}

TEST_CASE("E2E: assets come in pages of 50 whatever page_size says", "[halo][e2e]") {
  SimHarness h(Small());
  auto client = h.Make(h.Options());
  halo::CallContext ctx;
  auto r = client->List(All("/Asset", "assets"), ctx);
  REQUIRE(r.ok());
  REQUIRE(r->record_count);
  auto const total = static_cast<std::size_t>(*r->record_count);
  REQUIRE(total > 100);
  CHECK(r->records.size() == total);
  std::set<std::int64_t> ids;
  for (auto const& a : r->records) ids.insert(a["id"].get<std::int64_t>());
  CHECK(ids.size() == total);
  halo::ListRequest cont = All("/Asset", "assets");
  cont.offset = 95;
  cont.limit = 10;
  auto tail = client->List(cont, ctx);
  REQUIRE(tail.ok());
  REQUIRE(tail->records.size() == 10);
  CHECK(tail->records[0] == r->records[95]);
  CHECK(tail->next_offset == 105);
}

TEST_CASE("E2E: reference lists are bare arrays", "[halo][e2e]") {
  SimHarness h(Small());
  auto client = h.Make(h.Options());
  halo::CallContext ctx;
  for (std::string path : {"/Status", "/Team", "/TicketType", "/Priority", "/Agent"}) {
    INFO(path);
    auto paged = client->List(All(path, ""), ctx);
    REQUIRE(paged.ok());
    CHECK_FALSE(paged->records.empty());
    auto lookup = All(path, "");
    lookup.paginate = false;
    auto unpaged = client->List(lookup, ctx);
    REQUIRE(unpaged.ok());
    CHECK(unpaged->records == paged->records);
  }
}

TEST_CASE("E2E: faults are handled the safe way", "[halo][e2e]") {
  SimHarness h(Small());
  auto client = h.Make(h.Options());
  halo::CallContext ctx;
  auto clients = client->Get("/Client", {{"count", "1"}}, ctx);
  REQUIRE(clients.ok());
  REQUIRE_FALSE((*clients)["clients"].empty());
  json ticket = json::array({{{"summary", "E2E fault probe"},
                              {"tickettype_id", 1},
                              {"client_id", (*clients)["clients"][0]["id"]}}});

  SECTION("5xx on reads is retried") {
    halo_sim::Faults f;
    f.fail_5xx_next = 2;
    h.sim.SetFaults(f);
    REQUIRE(client->Get("/Tickets", {{"count", "5"}}, ctx).ok());
    CHECK(h.Count("GET", "/api/Tickets") == 3);
  }
  SECTION("an applied write whose answer is lost is reported, not repeated") {
    halo_sim::Faults f;
    f.ambiguous_writes_next = 1;
    h.sim.SetFaults(f);
    auto r = client->Post("/Tickets", ticket, ctx);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kUnknownOutcome);
    // The simulator does not log dropped connections; the record count shows there was one POST.
    auto found = client->Get("/Tickets", {{"search", "E2E fault probe"}}, ctx);
    REQUIRE(found.ok());
    CHECK((*found)["tickets"].size() == 1);  // it was applied exactly once
  }
  SECTION("a 429 on a write is retried once the limiter allows") {
    halo_sim::Faults f;
    f.rate_limit_next = 1;
    h.sim.SetFaults(f);
    auto o = h.Options();
    o.rate_limit_requests = 300;
    o.rate_limit_window = std::chrono::seconds(1);  // keep the "window is full" wait short
    auto limited = h.Make(o);
    auto r = limited->Post("/Tickets", ticket, ctx);
    REQUIRE(r.ok());
    CHECK((*r)["summary"] == "E2E fault probe");
    CHECK(h.Count("POST", "/api/Tickets", 429) == 1);
    CHECK(h.Count("POST", "/api/Tickets", 200) == 1);
  }
  SECTION("revoked tokens are replaced once") {
    int before = h.sim.token_requests();
    halo_sim::Faults f;
    f.revoke_tokens = true;
    h.sim.SetFaults(f);
    REQUIRE(client->Get("/Status", {}, ctx).ok());
    CHECK(h.sim.token_requests() == before + 1);
  }
  SECTION("wrong credentials name the settings") {
    auto o = h.Options();
    o.client_secret = "not-the-secret";
    auto r = h.Make(o)->Get("/Status", {}, ctx);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Contains("HALOPSA_CLIENT_SECRET"));
    o = h.Options();
    o.tenant = "nope";
    auto t = h.Make(o)->Get("/Status", {}, ctx);
    REQUIRE_FALSE(t.ok());
    CHECK_THAT(t.status().message(), Contains("HALOPSA_TENANT"));
  }
}

TEST_CASE("E2E: the client limiter keeps under the server's window", "[halo][e2e][slow]") {
  auto so = Small();
  so.rate_limit_requests = 6;
  so.rate_limit_window_seconds = 1;
  SimHarness h(so);
  auto o = h.Options();
  o.rate_limit_requests = 6;
  o.rate_limit_window = std::chrono::seconds(1);
  auto client = h.Make(o);
  halo::CallContext ctx;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 14; ++i) REQUIRE(client->Get("/Status", {}, ctx).ok());
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(took >= 2s);
  CHECK(client->stats().rate_limited_waits >= 2);
}
