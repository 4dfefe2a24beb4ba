// The team endpoint end to end (issue 12): a redis-server of the test's own, the simulator
// enforcing a scaled-down HaloPSA limit (30 requests per rolling 3 s), and three halo-mcp
// replicas sharing the budget and the token through Redis. 64 clients for a bounded time, Redis
// stopped and restarted mid-run, per-technician tokens and policies on every replica,
// attribution, and audit lines for every write across a SIGTERM drain.
#include "server/redis_shared_state.h"
#include "tests/fleet/fleet_harness.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cctype>
#include <fstream>
#include <iostream>
#include <mutex>
#include <signal.h>
#include <thread>
#include <unistd.h>

using fleet_test::Caller;
using fleet_test::TextOf;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr int kLimit = 30;
constexpr auto kWindow = 3s;
constexpr int kClients = 64;

std::vector<json> AuditLines(std::string const& path) {
  std::vector<json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

bool SurfacesThrottling(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text.find("429") != std::string::npos || text.find("rate limit") != std::string::npos;
}

struct Counts {
  int api_ok = 0, throttled = 0, tokens = 0, actions = 0;
};

/// What the simulator saw in log entries [from, to).
Counts Count(json const& log, std::size_t from, std::size_t to) {
  Counts c;
  for (std::size_t i = from; i < std::min(to, log.size()); ++i) {
    std::string path = log[i]["path"];
    int status = log[i]["status"];
    if (path.find("/token") != std::string::npos) ++c.tokens;
    if (path.rfind("/api/", 0) != 0) continue;
    (status == 429 ? c.throttled : c.api_ok)++;
    if (path == "/api/Actions" && log[i]["method"] == "POST" && status < 300) ++c.actions;
  }
  return c;
}

}  // namespace

TEST_CASE("RedisSharedState: one atomic window, values, and surviving a restart", "[fleet]") {
  halo_test::RedisServer redis;
  REQUIRE(redis.Start());
  mcp::RedisSharedState state({"127.0.0.1", redis.port(), 0}, {});
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto slot = state.TakeSlot("w", 50, 10s);
        if (slot.ok() && slot->granted) granted++;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(granted == 50);
  auto refused = state.TakeSlot("w", 50, 10s);
  REQUIRE(refused.ok());
  CHECK_FALSE(refused->granted);
  CHECK(refused->wait > 9s);
  CHECK(*state.SlotsInUse("w", 10s) == 50);

  REQUIRE(state.Backfill("w2", {1000ms, 2000ms, 20000ms}, 10s).ok());
  CHECK(*state.SlotsInUse("w2", 10s) == 2);  // the one 20 s ago is outside the window
  CHECK(*state.SetIfAbsent("lock", "me", 5s));
  CHECK_FALSE(*state.SetIfAbsent("lock", "you", 5s));
  CHECK(state.DeleteIfEquals("lock", "you").ok());
  CHECK((*state.Get("lock"))->data == "me");
  CHECK(state.DeleteIfEquals("lock", "me").ok());
  CHECK_FALSE(*state.Get("lock"));
  REQUIRE(state.Set("v", "x", 2s).ok());
  auto v = *state.Get("v");
  REQUIRE(v);
  CHECK(v->ttl > 1s);
  CHECK(*state.SetUnlessEquals("s", "live", 5s, "ended"));  // absent: set
  REQUIRE(state.Set("s", "ended", 5s).ok());
  CHECK_FALSE(*state.SetUnlessEquals("s", "live", 5s, "ended"));  // a tombstone stays
  CHECK((*state.Get("s"))->data == "ended");

  redis.Stop();
  auto const start = std::chrono::steady_clock::now();
  CHECK(state.TakeSlot("w", 50, 10s).status().code() == halo::StatusCode::kUnavailable);
  CHECK(state.Get("v").status().code() == halo::StatusCode::kUnavailable);  // at once: down
  CHECK(std::chrono::steady_clock::now() - start < 500ms);
  CHECK_FALSE(state.healthy());
  REQUIRE(redis.Start());
  std::this_thread::sleep_for(1100ms);  // the down period passes
  auto again = state.TakeSlot("w", 50, 10s);
  REQUIRE(again.ok());
  CHECK(again->granted);  // a new, empty window: the scripts are loaded again
  CHECK(state.healthy());
}

TEST_CASE("Three replicas, one budget, one token, per-technician tokens and an audit trail",
          "[fleet][e2e]") {
  halo_test::RedisServer redis;
  REQUIRE(redis.Start());
  fleet_test::Sim sim({"--rate-limit", "30/3", "--tickets", "200", "--clients", "10"});

  // Two technicians from the tenant (ids of active, non-API agents), and tickets to read.
  std::vector<int> agents, tickets;
  std::string team;
  {
    httplib::Headers auth{{"Authorization", "Bearer " + sim.AdminToken()}};
    auto r = sim.Client().Get("/api/Agent", auth);
    REQUIRE(r);
    for (auto const& a : json::parse(r->body)) {
      if (a.value("id", 0) > 1 && !a.value("isdisabled", false) && !a.value("isapiagent", false)) {
        agents.push_back(a["id"]);
      }
    }
    auto t = sim.Client().Get("/api/Tickets?page_size=100&pageinate=true&page_no=1", auth);
    REQUIRE(t);
    INFO(t->status << " " << t->body.substr(0, 300));
    json const listed = json::parse(t->body);
    REQUIRE(listed.contains("tickets"));
    for (auto const& ticket : listed["tickets"]) tickets.push_back(ticket["id"]);
    auto teams = sim.Client().Get("/api/Team", auth);
    REQUIRE(teams);
    json const listed_teams = json::parse(teams->body);
    REQUIRE((listed_teams.is_array() && !listed_teams.empty()));
    team = listed_teams[0]["name"];
  }
  REQUIRE(agents.size() >= 2);
  REQUIRE(tickets.size() >= 30);
  std::string const tokens = "/tmp/halo-fleet-" + std::to_string(getpid()) + ".tokens";
  std::remove(tokens.c_str());
  std::string const jane =
      fleet_test::AddToken(tokens, {"--name", "jane", "--agent", std::to_string(agents[0])});
  std::string const bob = fleet_test::AddToken(
      tokens, {"--name", "bob", "--agent", std::to_string(agents[1]), "--read-only"});
  REQUIRE(jane.rfind("hmcp_", 0) == 0);
  {
    std::ifstream in(tokens);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text.find(jane) == std::string::npos);  // the file holds digests only
  }

  auto env = sim.Env();
  env["HALOPSA_RATE_LIMIT"] = "30/3";
  std::vector<fleet_test::Replica> replicas;
  for (int i = 0; i < 3; ++i) {
    replicas.push_back(fleet_test::StartReplica(
        {"--http-token-file", tokens, "--shared-state", redis.url(), "--shared-replicas", "3",
         "--workers", "32", "--log-level", "info"},
        env, "r" + std::to_string(i)));
  }
  auto as = [&](std::string const& token, int i) { return Caller{replicas[i].port, token}; };

  // Warm up (a token, the lookups), then let the window empty before measuring.
  for (int i = 0; i < 3; ++i) {
    json r = as(jane, i).Call("halopsa_get_ticket", {{"id", tickets[i]}}, 1);
    INFO(r.dump() << replicas[i].process->Stderr());
    REQUIRE(r.contains("content"));
    REQUIRE_FALSE(r.value("isError", false));
  }
  // A legacy session opened on A continues on B and C, and no other token may use it.
  fleet_test::SessionCaller opened{replicas[0].port, jane, ""};
  REQUIRE(opened.Initialize());
  auto on = [&](int i, std::string const& token) {
    return fleet_test::SessionCaller{replicas[i].port, token, opened.session};
  };
  for (int i : {1, 2, 0}) {
    json r = on(i, jane).Call("halopsa_get_ticket", {{"id", tickets[i]}}, 40 + i);
    INFO("replica " << i << ": " << r.dump().substr(0, 300));
    CHECK(r.contains("content"));
    CHECK_FALSE(r.value("isError", false));
  }
  for (int i = 0; i < 3; ++i) {  // bob's token with jane's session id
    json r = on(i, bob).Post({{"jsonrpc", "2.0"}, {"id", 50}, {"method", "ping"}});
    CHECK(r.value("http_status", 200) == 404);
  }
  fleet_test::SessionCaller local{replicas[1].port, jane, ""};  // opened during the outage
  std::this_thread::sleep_for(kWindow + 200ms);
  std::size_t const start_mark = sim.Requests().size();

  // ---- 64 clients over the replicas: 9 s with Redis, 5 s without, 4 s after it returns ----
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0}, answered{0}, surfaced{0}, errors{0};
  std::mutex mu;
  std::vector<std::string> surprises;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int n = 0; !stop; ++n) {
        calls++;
        json r =
            as(c % 2 ? jane : bob, c % 3)
                .Call("halopsa_get_ticket", {{"id", tickets[(c * 7 + n) % tickets.size()]}}, n);
        if (r.contains("transport") || r.contains("error")) {
          std::lock_guard lock(mu);
          if (surprises.size() < 5) surprises.push_back(r.dump().substr(0, 300));
          continue;
        }
        answered++;
        if (r.value("isError", false)) errors++;
        if (SurfacesThrottling(TextOf(r))) surfaced++;
      }
    });
  }
  auto const run_start = std::chrono::steady_clock::now();
  std::this_thread::sleep_until(run_start + 9s);
  std::size_t const mark_outage = sim.Requests().size();
  redis.Stop();
  // Without Redis each replica serves the sessions it holds, and opens new ones.
  for (int i = 0; i < 3; ++i) {
    json r = on(i, jane).Post({{"jsonrpc", "2.0"}, {"id", 60 + i}, {"method", "ping"}});
    INFO("replica " << i << " without Redis: " << r.dump());
    CHECK(r.contains("result"));
  }
  CHECK(local.Initialize());
  CHECK(local.Post({{"jsonrpc", "2.0"}, {"id", 70}, {"method", "ping"}}).contains("result"));
  std::this_thread::sleep_until(run_start + 14s);
  std::size_t const mark_back = sim.Requests().size();
  REQUIRE(redis.Start());
  std::this_thread::sleep_until(run_start + 18s);
  stop = true;
  for (auto& t : clients) t.join();
  json const log = sim.Requests();

  Counts const shared = Count(log, start_mark, mark_outage);
  Counts const outage = Count(log, mark_outage, mark_back);
  Counts const whole = Count(log, 0, log.size());
  Counts const setup = Count(log, 0, start_mark), rejoin = Count(log, mark_back, log.size());

  double const theoretical = kLimit * 9.0 / 3.0;
  std::cout << "fleet: " << calls << " calls, " << answered << " answered, " << surfaced
            << " surfacing a 429; HaloPSA requests in 9 s shared: " << shared.api_ok << " of "
            << theoretical << " (" << 100.0 * shared.api_ok / theoretical
            << "%); during the 5 s outage: " << outage.api_ok << " (" << outage.throttled
            << " 429s); 429s in setup " << setup.throttled << ", shared " << shared.throttled
            << ", after rejoining " << rejoin.throttled << "; token fetches: " << whole.tokens
            << "\n";
  INFO(surprises.size() << " unanswered, first: " << (surprises.empty() ? "" : surprises[0]));
  CHECK(surprises.empty());  // every call answered
  CHECK(answered == calls);
  CHECK(surfaced == 0);  // no result surfaces a 429
  CHECK(errors == 0);
  CHECK(shared.api_ok >= 0.9 * theoretical);  // the budget is used
  CHECK(shared.api_ok <= kLimit * 4);         // and not exceeded (at most 4 windows touched)
  CHECK(whole.tokens == 1);                   // one token fetch for the whole fleet
  // Without Redis each replica keeps to a third: the fleet within the budget.
  CHECK(outage.api_ok <= kLimit * (5 / 3 + 2));
  // HaloPSA (the simulator) counts a request when it arrives; the limiter when its slot is
  // taken. At this test's scale the guard between windows is 100 ms, and on a loaded 2-core
  // machine a request can wait longer than that for a pooled connection after taking its slot,
  // so a few 429s at window edges are expected here (at 300 s windows the guard is 3 s). They
  // are retried and none reaches a result (checked above); many would mean the budget is not
  // shared.
  CHECK(whole.throttled <= 10);
  for (auto& r : replicas) {
    std::string const err = r.process->Stderr();
    CHECK(err.find("is unreachable") != std::string::npos);
    CHECK(err.find("rejoined the fleet") != std::string::npos);  // each rejoined
    std::string const metrics = Caller{r.port, ""}.Metrics();    // loopback: no token needed
    CHECK(metrics.find("halo_mcp_shared_state_up 1") != std::string::npos);
    CHECK(metrics.find("halo_mcp_tool_calls_total{tool=\"halopsa_get_ticket\",result=\"ok\"}") !=
          std::string::npos);
  }

  // ---- per-technician policy and attribution, on every replica ----
  std::size_t const before_writes = sim.Requests().size();
  for (int i = 0; i < 3; ++i) {
    auto names = as(bob, i).ToolNames();
    CHECK(std::find(names.begin(), names.end(), "halopsa_get_ticket") != names.end());
    CHECK(std::find(names.begin(), names.end(), "halopsa_add_action") == names.end());
    json refused =
        as(bob, i).Call("halopsa_add_action", {{"ticket_id", tickets[5]}, {"note", "x"}}, 7);
    CHECK(refused.value("isError", false));
    CHECK_THAT(TextOf(refused), Catch::Contains("not allowed for your token"));
    json added = as(jane, i).Call(
        "halopsa_add_action",
        {{"ticket_id", tickets[5 + i]}, {"note", "fleet note " + std::to_string(i)}}, 8);
    INFO(added.dump());
    CHECK(added.contains("content"));
    CHECK_FALSE(added.value("isError", false));
    CHECK(as("not-a-token", i).Request("tools/list", json::object(), 1)["http_status"] == 401);
  }
  json const after = sim.Requests();
  int attributed = 0;
  for (std::size_t i = before_writes; i < after.size(); ++i) {
    if (after[i]["path"] == "/api/Actions" && after[i]["method"] == "POST") {
      json body = json::parse(after[i]["body"].get<std::string>(), nullptr, false);
      if (body.is_array() && !body.empty()) body = body[0];
      if (body.is_object() && body.value("actionby_agent_id", 0) == agents[0]) {
        ++attributed;
      }
    }
  }
  CHECK(attributed == 3);  // jane's notes carry jane's agent, on every replica

  // ---- a lookup list fetched by one replica is served to the others from Redis ----
  auto team_fetches = [&sim] {
    int n = 0;
    for (auto const& r : sim.Requests()) n += r["method"] == "GET" && r["path"] == "/api/Team";
    return n;
  };
  int const teams_before = team_fetches();
  for (int i = 0; i < 3; ++i) {
    json listed = as(jane, i).Call("halopsa_list_tickets", {{"team", team}, {"limit", 1}}, 30 + i);
    INFO(listed.dump());
    CHECK(listed.contains("content"));
    CHECK_FALSE(listed.value("isError", false));
    if (i == 0) REQUIRE(team_fetches() == teams_before + 1);  // A asked HaloPSA
  }
  CHECK(team_fetches() == teams_before + 1);  // B and C did not

  // ---- the legacy session (opened before the run) continues, and ends everywhere ----
  // Redis came back empty: the replicas publish the sessions they hold again on next use.
  CHECK(local.Call("halopsa_get_ticket", {{"id", tickets[4]}}, 71).contains("content"));
  CHECK(on(1, jane).Call("halopsa_get_ticket", {{"id", tickets[5]}}, 72).contains("content"));
  local.port = replicas[2].port;  // opened without Redis on B, published since: C continues it
  CHECK(local.Call("halopsa_get_ticket", {{"id", tickets[6]}}, 73).contains("content"));
  CHECK(on(1, jane).End() == 200);  // DELETE on B ends it on every replica
  for (int i = 0; i < 3; ++i) {
    json r = on(i, jane).Post({{"jsonrpc", "2.0"}, {"id", 80}, {"method", "ping"}});
    INFO("replica " << i << " after DELETE: " << r.dump());
    CHECK(r.value("http_status", 200) == 404);
  }

  // ---- writes in flight at SIGTERM: all answered and all audited ----
  std::atomic<int> ok_writes{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 6; ++w) {
    writers.emplace_back([&, w] {
      json r = as(jane, 0).Call(
          "halopsa_add_action",
          {{"ticket_id", tickets[20 + w]}, {"note", "drain " + std::to_string(w)}}, 100 + w);
      if (r.contains("content") && !r.value("isError", false)) ok_writes++;
    });
  }
  std::this_thread::sleep_for(300ms);
  replicas[0].process->Signal(SIGTERM);
  for (auto& t : writers) t.join();
  CHECK(replicas[0].process->Wait(20s) == 0);
  for (int i = 1; i < 3; ++i) {
    replicas[i].process->Signal(SIGTERM);
    replicas[i].process->Wait(20s);
  }
  int audited_ok = 0, audited = 0;
  for (auto& r : replicas) {
    for (auto const& line : AuditLines(r.audit_path)) {
      ++audited;
      CHECK(line["tool"] == "halopsa_add_action");
      CHECK(line["client"] == "jane");
      CHECK(line["agent"] == std::to_string(agents[0]));
      CHECK(line.dump().find("fleet note") == std::string::npos);  // no bodies by default
      if (line["outcome"] == "ok") ++audited_ok;
    }
    std::remove(r.audit_path.c_str());
  }
  json const final_log = sim.Requests();
  Counts const writes = Count(final_log, before_writes, SIZE_MAX);
  CHECK(Count(final_log, log.size(), SIZE_MAX).throttled == 0);
  INFO("answered ok during the drain: " << ok_writes);
  CHECK(audited_ok == writes.actions);  // every write HaloPSA saved is in the audit trail
  CHECK(audited == 3 + ok_writes);      // bob's refusals never reached the executor
  std::remove(tokens.c_str());
}
