// Legacy sessions shared between replicas through a fake SharedState: continued on another
// replica, ended everywhere, refreshed, and kept local while the store is away.
#include "halo/testing/fake_clock.h"
#include "server/fake_shared_state.h"
#include "server/http_security.h"
#include "server/http_sessions.h"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using mcp::SessionStore;

namespace {

struct Fleet {
  std::shared_ptr<halo::testing::FakeClock> clock = std::make_shared<halo::testing::FakeClock>();
  std::shared_ptr<mcp::testing::FakeSharedState> state =
      std::make_shared<mcp::testing::FakeSharedState>(clock);
  std::shared_ptr<mcp::SharedSessions> shared =
      std::make_shared<mcp::SharedSessions>(state, "t1", 30min);
  SessionStore a{clock, 30min, 10, shared};
  SessionStore b{clock, 30min, 10, shared};

  /// A session initialized on A (as initialize leaves it), released.
  std::string Initialize(std::string owner = "jane/0123") {
    auto lease = a.Create();
    std::lock_guard lock(lease->state.mu);
    lease->state.initialized = true;
    lease->state.protocol_version = "2025-06-18";
    lease->state.client_capabilities = {{"elicitation", nlohmann::json::object()}};
    lease->state.client_info = {{"name", "inspector"}, {"version", "1"}};
    lease->state.owner = std::move(owner);
    return lease->id;
  }
};

}  // namespace

TEST_CASE("a session initialized on one replica continues on another", "[sessions][shared]") {
  Fleet f;
  std::string const id = f.Initialize();
  auto lease = f.b.Acquire(id);
  REQUIRE(lease);
  std::lock_guard lock(lease->state.mu);
  CHECK(lease->state.initialized);
  CHECK(lease->state.protocol_version == "2025-06-18");
  CHECK(lease->state.client_capabilities.contains("elicitation"));
  CHECK(lease->state.client_info["name"] == "inspector");
  CHECK(lease->state.owner == "jane/0123");
  CHECK_FALSE(f.b.Acquire("0123456789abcdef0123456789abcdef"));  // unknown everywhere
}

TEST_CASE("a session is published only once initialized", "[sessions][shared]") {
  Fleet f;
  std::string id;
  {
    auto lease = f.a.Create();
    id = lease->id;
  }
  CHECK(f.state->Keys().empty());
  CHECK(f.a.End(id));  // a failed initialize leaves no tombstone either
  CHECK(f.state->Keys().empty());
}

TEST_CASE("a change on one replica reaches the others", "[sessions][shared]") {
  Fleet f;
  std::string const id = f.Initialize();
  {
    auto on_b = f.b.Acquire(id);
    std::lock_guard lock(on_b->state.mu);
    on_b->state.log_rank = 3;  // logging/setLevel on B
    on_b->state.ready = true;
  }
  auto on_a = f.a.Acquire(id);
  std::lock_guard lock(on_a->state.mu);
  CHECK(on_a->state.log_rank == 3);
  CHECK(on_a->state.ready);
}

TEST_CASE("ending a session on one replica ends it on every replica", "[sessions][shared]") {
  Fleet f;
  std::string const id = f.Initialize();
  auto running = std::make_shared<halo::CancelToken>();
  {
    auto on_a = f.a.Acquire(id);
    std::lock_guard lock(on_a->state.mu);
    on_a->state.in_flight["7"] = running;
  }
  REQUIRE(f.b.Acquire(id));
  CHECK(f.b.End(id));
  CHECK_FALSE(f.a.Acquire(id));
  CHECK(running->cancelled());  // A's copy ended with its calls
  CHECK(f.a.size() == 0);
  CHECK_FALSE(f.b.Acquire(id));
}

TEST_CASE("a request still running when its session ends does not bring it back",
          "[sessions][shared]") {
  Fleet f;
  std::string const id = f.Initialize();
  {
    auto running = f.a.Acquire(id);
    REQUIRE(f.b.Acquire(id));
    CHECK(f.b.End(id));
    std::lock_guard lock(running->state.mu);
    running->state.log_rank = 2;  // changed while it ran; released after the end
  }
  CHECK_FALSE(f.b.Acquire(id));
  CHECK_FALSE(f.a.Acquire(id));
}

TEST_CASE("shared sessions expire after the idle timeout unless used, refreshed sparingly",
          "[sessions][shared]") {
  Fleet f;
  std::string const id = f.Initialize();
  int const writes = f.state->sets;
  for (int i = 0; i < 5; ++i) {
    f.clock->Advance(1min);
    REQUIRE(f.a.Acquire(id));
  }
  CHECK(f.state->sets == writes + 1);  // a refresh once a tenth of the timeout went by
  for (int i = 0; i < 10; ++i) {
    f.clock->Advance(10min);
    REQUIRE(f.a.Acquire(id));
  }
  REQUIRE(f.b.Acquire(id));  // 105 minutes after initialize, alive through A's use
  f.clock->Advance(31min);
  CHECK_FALSE(f.b.Acquire(id));
}

TEST_CASE("without the store, sessions stay on the replica that holds them, then rejoin",
          "[sessions][shared]") {
  Fleet f;
  f.state->down = true;
  std::string const id = f.Initialize();
  REQUIRE(f.a.Acquire(id));      // served locally
  CHECK_FALSE(f.b.Acquire(id));  // nowhere else to find it
  f.state->down = false;
  REQUIRE(f.a.Acquire(id));  // the next use publishes it
  CHECK(f.b.Acquire(id));

  std::string const kept = f.Initialize();
  f.state->Flush();  // a store restarted empty: A still holds it and publishes it again
  REQUIRE(f.a.Acquire(kept));
  CHECK(f.b.Acquire(kept));
}

TEST_CASE("a session's owner is a digest of its token, never the token", "[sessions][shared]") {
  auto jane = std::make_shared<mcp::Principal const>(mcp::Principal{"jane", "Jane", {}});
  std::string const owner = mcp::AccessPolicy::SessionOwner(jane, "Bearer hmcp_secret1");
  CHECK(owner.rfind("jane/", 0) == 0);
  CHECK(owner.find("secret") == std::string::npos);
  CHECK(owner != mcp::AccessPolicy::SessionOwner(jane, "Bearer hmcp_secret2"));
  CHECK(mcp::AccessPolicy::SessionOwner(nullptr, std::nullopt).empty());

  Fleet f;
  std::string const id = f.Initialize(owner);
  for (auto const& key : f.state->Keys())
    CHECK(f.state->Raw(key).find("secret") == std::string::npos);
  CHECK(f.state->Raw("t1:session:" + id).find(owner) != std::string::npos);
}
