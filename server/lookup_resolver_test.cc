#include "server/lookup_resolver.h"

#include "halo/testing/fake_clock.h"
#include "server/fake_shared_state.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <thread>

using namespace std::chrono_literals;
using halo::StatusCode;
using nlohmann::json;

namespace {

/// The parts of a HaloClient the resolver does not use.
class ListOnlyClient : public halo::HaloClient {
 public:
  halo::StatusOr<json> Get(std::string const&, halo::Query const&,
                           halo::CallContext const&) override {
    return halo::InternalError("unused");
  }
  halo::StatusOr<json> Post(std::string const&, json const&, halo::CallContext const&,
                            halo::Idempotency) override {
    return halo::InternalError("unused");
  }
  halo::StatusOr<json> Delete(std::string const&, halo::Query const&, halo::CallContext const&,
                              halo::Idempotency) override {
    return halo::InternalError("unused");
  }
  std::vector<halo::BatchItemResult> PostBatch(std::string const&, std::vector<json> const&,
                                               std::size_t, halo::CallContext const&,
                                               halo::Idempotency) override {
    return {};
  }
  std::vector<halo::StatusOr<json>> GetMany(std::vector<std::string> const&, halo::Query const&,
                                            halo::CallContext const&) override {
    return {};
  }
  halo::ClientStats stats() const override { return {}; }
  halo::HaloOptions const& options() const override { return options_; }

 private:
  halo::HaloOptions options_;
};

/// A HaloClient whose List counts requests, answers from a fixed client list (filtered by the
/// search parameter) and can be held at a gate to make callers overlap.
class CountingClient final : public ListOnlyClient {
 public:
  halo::StatusOr<halo::ListResult> List(halo::ListRequest const& request,
                                        halo::CallContext const& ctx) override {
    ++lists_;
    {
      std::unique_lock lock(mu_);
      ++waiting_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return open_ || ctx.cancelled(); });
      --waiting_;
    }
    if (ctx.cancelled()) return halo::CancelledError("the call was cancelled");
    if (!fail_.ok()) return fail_;
    std::string search;
    for (auto const& [k, v] : request.query) {
      if (k == "search") search = v;
    }
    halo::ListResult out;
    for (auto const& name : {"Acme Ltd", "Globex", "Initech", "Umbrella", "Hooli", "Stark"}) {
      if (std::string(name).find(search) != std::string::npos) {
        out.records.push_back({{"id", static_cast<int>(out.records.size()) + 1}, {"name", name}});
      }
    }
    return out;
  }

  void Close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  /// Wakes callers held at the gate so they notice their cancellation.
  void Poke() { cv_.notify_all(); }
  void WaitForCallers(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return waiting_ >= n; });
  }
  void Fail(halo::Status s) { fail_ = std::move(s); }
  int lists() const { return lists_.load(); }

 private:
  std::atomic<int> lists_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int waiting_ = 0;
  halo::Status fail_;
};

json Lookups() {
  return json::parse(R"({
    "client": {"noun": "client", "path": "/Client", "list_key": "clients", "paginate": true,
               "limit": 100, "search": "search", "name": ["name"]},
    "status": {"noun": "status", "path": "/Status", "name": ["name"]}
  })");
}

struct Rig {
  std::shared_ptr<CountingClient> client = std::make_shared<CountingClient>();
  std::shared_ptr<halo::testing::FakeClock> clock = std::make_shared<halo::testing::FakeClock>();
  mcp::LookupResolver resolver{client, Lookups(), clock, 300s, 3};
};

}  // namespace

TEST_CASE("Concurrent misses for one name make one HaloPSA request", "[server][lookup]") {
  Rig rig;
  rig.client->Close();
  halo::CallContext ctx;
  std::vector<std::thread> threads;
  std::atomic<int> resolved{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto id = rig.resolver.Resolve("client", json("Acme"), ctx);
      if (id.ok() && *id == 1) ++resolved;
    });
  }
  rig.client->WaitForCallers(1);
  // Give the other seven time to arrive behind the first; without single-flight each of them
  // would be at the gate too.
  std::this_thread::sleep_for(100ms);
  rig.client->Open();
  for (auto& t : threads) t.join();
  CHECK(resolved == 8);
  CHECK(rig.client->lists() == 1);
}

TEST_CASE("Waiting for another caller's lookup is cancellable", "[server][lookup]") {
  Rig rig;
  rig.client->Close();
  halo::CallContext leader_ctx;
  std::thread leader([&] { CHECK(rig.resolver.Resolve("client", json("Acme"), leader_ctx).ok()); });
  rig.client->WaitForCallers(1);
  halo::CallContext ctx;
  ctx.cancel = std::make_shared<halo::CancelToken>();
  std::thread waiter([&] {
    auto r = rig.resolver.Resolve("client", json("Acme"), ctx);
    CHECK(r.status().code() == StatusCode::kCancelled);
  });
  std::this_thread::sleep_for(50ms);
  ctx.cancel->Cancel();
  waiter.join();  // returns while the leader is still held at the gate
  CHECK(rig.client->lists() == 1);
  rig.client->Open();
  leader.join();
}

TEST_CASE("A cancelled leader does not cancel the callers waiting on it", "[server][lookup]") {
  Rig rig;
  rig.client->Close();
  halo::CallContext leader_ctx;
  leader_ctx.cancel = std::make_shared<halo::CancelToken>();
  std::thread leader([&] {
    auto r = rig.resolver.Resolve("client", json("Acme"), leader_ctx);
    CHECK(r.status().code() == StatusCode::kCancelled);
  });
  rig.client->WaitForCallers(1);
  halo::CallContext ctx;
  halo::StatusOr<json> waited = halo::InternalError("not run");
  std::thread waiter([&] { waited = rig.resolver.Resolve("client", json("Acme"), ctx); });
  std::this_thread::sleep_for(50ms);
  leader_ctx.cancel->Cancel();
  rig.client->Poke();
  leader.join();
  rig.client->Open();  // the waiter's own request goes through
  waiter.join();
  REQUIRE(waited.ok());
  CHECK(*waited == 1);
  CHECK(rig.client->lists() == 2);
}

TEST_CASE("A failed lookup is shared, not repeated by every waiter", "[server][lookup]") {
  Rig rig;
  rig.client->Fail(halo::UnavailableError("HaloPSA is down"));
  rig.client->Close();
  halo::CallContext ctx;
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto r = rig.resolver.Resolve("status", json("Open"), ctx);
      if (r.status().code() == StatusCode::kUnavailable) ++failed;
    });
  }
  rig.client->WaitForCallers(1);
  std::this_thread::sleep_for(100ms);
  rig.client->Open();
  for (auto& t : threads) t.join();
  CHECK(failed == 4);
  CHECK(rig.client->lists() == 1);
  CHECK(rig.resolver.cached_entries() == 0);  // failures are not cached
}

TEST_CASE("Searched names are bounded and evicted least recently used", "[server][lookup]") {
  Rig rig;  // at most 3 searched names
  halo::CallContext ctx;
  for (auto const* name : {"Acme", "Globex", "Initech"}) {
    REQUIRE(rig.resolver.Resolve("client", json(name), ctx).ok());
  }
  REQUIRE(rig.resolver.Resolve("status", json("Acme Ltd"), ctx).ok());  // a whole list
  CHECK(rig.client->lists() == 4);
  REQUIRE(rig.resolver.Resolve("client", json("Acme"), ctx).ok());  // hit: now most recent
  CHECK(rig.client->lists() == 4);
  REQUIRE(rig.resolver.Resolve("client", json("Umbrella"), ctx).ok());  // evicts Globex
  CHECK(rig.resolver.cached_entries() == 4);  // 3 searched names + 1 whole list
  REQUIRE(rig.resolver.Resolve("client", json("Acme"), ctx).ok());
  REQUIRE(rig.resolver.Resolve("status", json("Acme Ltd"), ctx).ok());  // whole lists stay
  CHECK(rig.client->lists() == 5);
  REQUIRE(rig.resolver.Resolve("client", json("Globex"), ctx).ok());
  CHECK(rig.client->lists() == 6);
  for (int i = 0; i < 50; ++i) {
    (void)rig.resolver.Resolve("client", json("name " + std::to_string(i)), ctx);
  }
  // Unknown names also load the whole client list (for "closest" candidates): 3 searched names
  // and 2 whole lists.
  CHECK(rig.resolver.cached_entries() == 5);
}

TEST_CASE("Cached lookups expire after the ttl", "[server][lookup]") {
  Rig rig;
  halo::CallContext ctx;
  REQUIRE(rig.resolver.Resolve("status", json("Globex"), ctx).ok());
  rig.clock->Advance(299s);
  REQUIRE(rig.resolver.Resolve("status", json("Globex"), ctx).ok());
  CHECK(rig.client->lists() == 1);
  rig.clock->Advance(2s);
  REQUIRE(rig.resolver.Resolve("status", json("Globex"), ctx).ok());
  CHECK(rig.client->lists() == 2);
}

namespace {

/// Sites of two clients, both with a "Head Office", and agents of whom one has left; List
/// answers by the client_id and search parameters, as HaloPSA does.
class TenantClient final : public ListOnlyClient {
 public:
  halo::StatusOr<halo::ListResult> List(halo::ListRequest const& request,
                                        halo::CallContext const&) override {
    queries.push_back(request.query);
    halo::ListResult out;
    if (request.path == "/Agent") {
      out.records = json::parse(R"([{"id": 1, "name": "Ann Lee"},
                                    {"id": 2, "name": "Bob Hart", "isdisabled": true}])");
      return out;
    }
    std::string client, search;
    for (auto const& [k, v] : request.query) {
      if (k == "client_id") client = v;
      if (k == "search") search = v;
    }
    for (auto const& s : json::parse(R"([{"id": 10, "name": "Head Office", "client_id": 1},
                                         {"id": 11, "name": "Depot", "client_id": 1},
                                         {"id": 20, "name": "Head Office", "client_id": 2}])")) {
      if ((client.empty() || s["client_id"].dump() == client) &&
          s["name"].get<std::string>().find(search) != std::string::npos) {
        out.records.push_back(s);
      }
    }
    return out;
  }

  std::vector<halo::Query> queries;
};

json TenantLookups() {
  return json::parse(R"({
    "client": {"noun": "client", "path": "/Client", "search": "search", "name": ["name"]},
    "site": {"noun": "site", "path": "/Site", "search": "search", "name": ["name"],
             "within": {"client": "client_id"}},
    "agent": {"noun": "agent", "path": "/Agent", "query": {"includedisabled": true},
              "name": ["name"], "flag": {"field": "isdisabled", "label": "disabled"}}
  })");
}

}  // namespace

TEST_CASE("A site is looked for within the client the call named", "[server][lookup]") {
  auto client = std::make_shared<TenantClient>();
  mcp::LookupResolver resolver{client, TenantLookups(),
                               std::make_shared<halo::testing::FakeClock>()};
  halo::CallContext ctx;
  CHECK(resolver.IsContext("client"));
  CHECK_FALSE(resolver.IsContext("site"));
  // Alone, "Head Office" is two sites; within client 2 it is one.
  auto alone = resolver.Resolve("site", json("Head Office"), ctx);
  REQUIRE_FALSE(alone.ok());
  CHECK(alone.status().message().find("ambiguous") != std::string::npos);
  auto within = resolver.Resolve("site", json("Head Office"), ctx, nullptr, {{"client", json(2)}});
  REQUIRE(within.ok());
  CHECK(*within == 20);
  CHECK(client->queries.back() == halo::Query{{"client_id", "2"}, {"search", "Head Office"}});
  // A site of another client is not found within this one, and the error says where it looked.
  auto other = resolver.Resolve("site", json("Depot"), ctx, nullptr, {{"client", json(2)}});
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().message().find("no site of client 2 named \"Depot\"") != std::string::npos);
}

TEST_CASE("Departed agents are found, labelled and flagged", "[server][lookup]") {
  auto client = std::make_shared<TenantClient>();
  mcp::LookupResolver resolver{client, TenantLookups(),
                               std::make_shared<halo::testing::FakeClock>()};
  halo::CallContext ctx;
  auto bob = resolver.Resolve("agent", json("Bob Hart"), ctx);
  REQUIRE(bob.ok());
  CHECK(resolver.Flag("agent", *bob, ctx) == "disabled");
  CHECK(resolver.Flag("agent", json(1), ctx).empty());
  CHECK(client->queries.front() == halo::Query{{"includedisabled", "true"}});
  auto unknown = resolver.Resolve("agent", json("Bob Hurt"), ctx);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message().find("Bob Hart (2, disabled)") != std::string::npos);
}

TEST_CASE("Names by prefix come from the cache, sorted and bounded", "[server][lookup]") {
  Rig rig;
  halo::CallContext ctx;
  bool more = true;
  auto all = rig.resolver.NamesStartingWith("status", "", ctx, 100, &more);
  REQUIRE(all.ok());
  CHECK(*all ==
        std::vector<std::string>{"Acme Ltd", "Globex", "Hooli", "Initech", "Stark", "Umbrella"});
  CHECK_FALSE(more);
  auto in = rig.resolver.NamesStartingWith("status", "IN", ctx, 100);
  REQUIRE(in.ok());
  CHECK(*in == std::vector<std::string>{"Initech"});  // a prefix, not "Umbrella"'s middle
  auto two = rig.resolver.NamesStartingWith("status", "", ctx, 2, &more);
  REQUIRE(two.ok());
  CHECK(two->size() == 2);
  CHECK(more);
  CHECK(rig.client->lists() == 1);  // one whole-list load served all three

  // Large lists are searched server-side for the prefix, and the search is cached too.
  auto acme = rig.resolver.NamesStartingWith("client", "Ac", ctx, 100);
  REQUIRE(acme.ok());
  CHECK(*acme == std::vector<std::string>{"Acme Ltd"});
  CHECK(rig.client->lists() == 2);

  CHECK(rig.resolver.NamesStartingWith("planet", "", ctx, 100).status().code() ==
        StatusCode::kInternal);
  rig.client->Fail(halo::UnavailableError("HaloPSA is down"));
  CHECK(rig.resolver.NamesStartingWith("client", "Gl", ctx, 100).status().code() ==
        StatusCode::kUnavailable);
}

namespace {

/// Two replicas of one tenant: their own clients and resolvers, one shared store.
struct SharedRig {
  std::shared_ptr<halo::testing::FakeClock> clock = std::make_shared<halo::testing::FakeClock>();
  std::shared_ptr<mcp::testing::FakeSharedState> state =
      std::make_shared<mcp::testing::FakeSharedState>(clock);
  std::shared_ptr<CountingClient> client_a = std::make_shared<CountingClient>();
  std::shared_ptr<CountingClient> client_b = std::make_shared<CountingClient>();
  mcp::LookupResolver a{client_a, Lookups(),
                        clock,    300s,
                        3,        std::make_shared<mcp::SharedStateLookupCache>(state, "t1")};
  mcp::LookupResolver b{client_b, Lookups(),
                        clock,    300s,
                        3,        std::make_shared<mcp::SharedStateLookupCache>(state, "t1")};
};

}  // namespace

TEST_CASE("A lookup fetched by one replica is served to another from the shared cache",
          "[server][lookup][shared]") {
  SharedRig rig;
  halo::CallContext ctx;
  CHECK(*rig.a.Resolve("status", json("Globex"), ctx) == 2);
  CHECK(rig.client_a->lists() == 1);
  CHECK(*rig.b.Resolve("status", json("Globex"), ctx) == 2);
  CHECK(rig.b.NameOf("status", json(4), ctx) == "Umbrella");
  CHECK(rig.client_b->lists() == 0);  // B never asked HaloPSA
  // Searched names are shared too, under a digest of their key and the tenant's prefix.
  CHECK(*rig.a.Resolve("client", json("Initech"), ctx) == 1);
  CHECK(*rig.b.Resolve("client", json("Initech"), ctx) == 1);
  CHECK(rig.client_b->lists() == 0);
  for (auto const& key : rig.state->Keys()) {
    CHECK(key.rfind("t1:lookup:", 0) == 0);
    CHECK(key.find("Initech") == std::string::npos);
  }
}

TEST_CASE("A shared lookup keeps the time to live it had where it was fetched",
          "[server][lookup][shared]") {
  SharedRig rig;
  halo::CallContext ctx;
  REQUIRE(rig.a.Resolve("status", json("Globex"), ctx).ok());
  rig.clock->Advance(200s);
  REQUIRE(rig.b.Resolve("status", json("Globex"), ctx).ok());  // 100 s left, in B too
  CHECK(rig.client_b->lists() == 0);
  rig.clock->Advance(101s);  // expired everywhere: B asks HaloPSA and shares the answer
  REQUIRE(rig.b.Resolve("status", json("Globex"), ctx).ok());
  CHECK(rig.client_b->lists() == 1);
  REQUIRE(rig.a.Resolve("status", json("Globex"), ctx).ok());
  CHECK(rig.client_a->lists() == 1);
}

TEST_CASE("Another tenant's lookups are not shared, and a lost store falls back to HaloPSA",
          "[server][lookup][shared]") {
  SharedRig rig;
  halo::CallContext ctx;
  auto other_client = std::make_shared<CountingClient>();
  mcp::LookupResolver other{
      other_client, Lookups(), rig.clock,
      300s,         3,         std::make_shared<mcp::SharedStateLookupCache>(rig.state, "t2")};
  REQUIRE(rig.a.Resolve("status", json("Globex"), ctx).ok());
  REQUIRE(other.Resolve("status", json("Globex"), ctx).ok());
  CHECK(other_client->lists() == 1);

  rig.state->down = true;
  CHECK(*rig.b.Resolve("status", json("Hooli"), ctx) == 5);  // served, from HaloPSA
  CHECK(rig.client_b->lists() == 1);
  CHECK(*rig.b.Resolve("status", json("Stark"), ctx) == 6);  // then from B's own cache
  CHECK(rig.client_b->lists() == 1);
}

TEST_CASE("Single-flight holds with a shared cache: one request per replica at most",
          "[server][lookup][shared]") {
  SharedRig rig;
  rig.client_a->Close();
  halo::CallContext ctx;
  std::vector<std::thread> threads;
  std::atomic<int> resolved{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      if (auto id = rig.a.Resolve("status", json("Acme"), ctx); id.ok() && *id == 1) ++resolved;
    });
  }
  rig.client_a->WaitForCallers(1);
  std::this_thread::sleep_for(50ms);
  rig.client_a->Open();
  for (auto& t : threads) t.join();
  CHECK(resolved == 6);
  CHECK(rig.client_a->lists() == 1);
  CHECK(rig.state->sets == 1);
}
