// HTTP sessions with a fake clock: idle expiry, the cap, leases, standalone streams.
#include "server/http_sessions.h"

#include "halo/testing/fake_clock.h"
#include "server/http_exchange.h"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using halo::testing::FakeClock;
using mcp::SessionStore;

TEST_CASE("sessions expire after the idle timeout of the injected clock", "[http][sessions]") {
  auto clock = std::make_shared<FakeClock>();
  SessionStore store(clock, 30min, 10);
  std::string id;
  {
    auto lease = store.Create();
    REQUIRE(lease);
    id = lease->id;
    CHECK(id.size() == 32);
    clock->Advance(2h);  // in use: never expires
    CHECK(store.Sweep() == 0);
  }
  CHECK(store.size() == 1);
  clock->Advance(29min);
  CHECK(store.Acquire(id));  // used: the idle clock restarts
  clock->Advance(29min);
  CHECK(store.size() == 1);
  clock->Advance(2min);
  CHECK(store.size() == 0);  // swept on its own
  CHECK_FALSE(store.Acquire(id));
}

TEST_CASE("a session that expires or ends cancels its running requests and its stream",
          "[http][sessions]") {
  auto clock = std::make_shared<FakeClock>();
  SessionStore store(clock, 1min, 10);
  auto token = std::make_shared<halo::CancelToken>();
  auto stream =
      std::make_shared<mcp::Exchange>(mcp::Exchange::Kind::kStream, mcp::Exchange::Options{});
  std::string id;
  {
    auto lease = store.Create();
    id = lease->id;
    std::lock_guard lock(lease->state.mu);
    lease->state.in_flight["1"] = token;
  }
  {
    auto lease = store.Acquire(id);
    REQUIRE(store.AttachStream(*lease, stream) == SessionStore::Attach::kAttached);
    auto other =
        std::make_shared<mcp::Exchange>(mcp::Exchange::Kind::kStream, mcp::Exchange::Options{});
    CHECK(store.AttachStream(*lease, other) == SessionStore::Attach::kConflict);
  }
  CHECK(stream->Next(false).kind == mcp::Exchange::Step::Kind::kStart);
  CHECK(store.End(id));
  CHECK(token->cancelled());
  CHECK(stream->Next(false).kind == mcp::Exchange::Step::Kind::kEnd);
  CHECK_FALSE(store.End(id));
}

TEST_CASE("the cap evicts the least recently used idle session, never a busy one",
          "[http][sessions]") {
  auto clock = std::make_shared<FakeClock>();
  SessionStore store(clock, 1h, 2);
  std::string a = store.Create()->id;
  clock->Advance(1s);
  std::string b = store.Create()->id;
  clock->Advance(1s);
  CHECK(store.Acquire(a));  // a is now the more recent
  clock->Advance(1s);
  std::string c = store.Create()->id;
  CHECK(store.size() == 2);
  CHECK(store.Acquire(a));
  CHECK_FALSE(store.Acquire(b));

  auto hold_a = store.Acquire(a);
  auto hold_c = store.Acquire(c);
  CHECK_FALSE(store.Create());  // both busy: no room
  CHECK(store.size() == 2);
}

TEST_CASE("a lease moves with the request that holds it", "[http][sessions]") {
  auto clock = std::make_shared<FakeClock>();
  SessionStore store(clock, 1min, 10);
  std::string id;
  SessionStore::Lease moved;
  {
    auto lease = store.Create();
    id = lease->id;
    moved = std::move(lease);
  }
  clock->Advance(2min);
  CHECK(store.size() == 1);  // still held
  moved = SessionStore::Lease();
  clock->Advance(2min);
  CHECK(store.size() == 0);
}
