// The fleet rules on an in-memory SharedState with a fake clock: the shared window, the
// degraded local share and rejoining, 429 feedback, single-flight token sharing, sealing.
#include "halo/rate_limiter.h"
#include "halo/testing/fake_clock.h"
#include "server/fake_shared_state.h"
#include "server/redis_shared_state.h"
#include "server/shared_rate_budget.h"
#include "server/shared_token_store.h"
#include "server/token_sealer.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

using FakeState = mcp::testing::FakeSharedState;

struct Fleet {
  std::shared_ptr<halo::testing::FakeClock> clock = std::make_shared<halo::testing::FakeClock>();
  halo::testing::RecordingSleeper sleeper{clock};
  std::shared_ptr<FakeState> state = std::make_shared<FakeState>(clock);

  std::shared_ptr<mcp::SharedRateBudget> Replica(int limit, milliseconds window, int share) {
    auto feedback =
        std::make_shared<halo::RateLimiter>(0, window, clock, sleeper.AsSleeper(), 250ms, 1);
    return std::make_shared<mcp::SharedRateBudget>(
        state, mcp::SharedRateBudget::Options{"rate", limit, window, share, 250ms}, feedback, clock,
        sleeper.AsSleeper());
  }
};

halo::Clock::time_point Far(Fleet const& f) { return f.clock->Now() + 1h; }

}  // namespace

TEST_CASE("Replicas draw from one shared window", "[server][fleet]") {
  Fleet f;
  auto a = f.Replica(10, 10s, 3), b = f.Replica(10, 10s, 3);
  halo::CallContext ctx;
  for (int i = 0; i < 5; ++i) {
    CHECK(a->Acquire(ctx, Far(f)).status.ok());
    CHECK(b->Acquire(ctx, Far(f)).status.ok());
  }
  CHECK(f.sleeper.total() == 0ms);
  CHECK(a->InUse() == 10);
  // The 11th waits for the first slot to leave the window, whichever replica asks.
  f.clock->Advance(4s);
  auto r = a->Acquire(ctx, Far(f));
  CHECK(r.status.ok());
  CHECK(r.waited);
  CHECK(f.sleeper.total() == 6100ms);  // the window and its guard
  // A slot too far away for the caller's deadline fails at once with retry_after.
  for (int i = 0; i < 9; ++i) REQUIRE(b->Acquire(ctx, Far(f)).status.ok());
  auto const slept = f.sleeper.total();
  auto late = b->Acquire(ctx, f.clock->Now() + 1s);
  CHECK(f.sleeper.total() == slept);
  CHECK(late.status.code() == halo::StatusCode::kResourceExhausted);
  REQUIRE(late.status.info().retry_after);
  CHECK(*late.status.info().retry_after > 1s);
}

TEST_CASE("Without the store a replica keeps serving on its share and rejoins", "[server][fleet]") {
  Fleet f;
  auto a = f.Replica(30, 3s, 10);
  halo::CallContext ctx;
  for (int i = 0; i < 4; ++i) REQUIRE(a->Acquire(ctx, Far(f)).status.ok());
  f.state->down = true;
  // Its 4 shared slots in this window count against its share of 10: 6 more, then it waits.
  for (int i = 0; i < 6; ++i) REQUIRE(a->Acquire(ctx, Far(f)).status.ok());
  CHECK(a->degraded());
  CHECK(f.sleeper.total() == 0ms);
  CHECK(a->Acquire(ctx, Far(f)).status.ok());
  CHECK(f.sleeper.total() == 3100ms);
  CHECK(a->InUse() == 1);  // its own in the window now, while the store is away
  f.state->down = false;
  int const before = f.state->slot_calls;
  CHECK(a->Acquire(ctx, Far(f)).status.ok());
  CHECK_FALSE(a->degraded());
  CHECK(f.state->slot_calls == before + 1);
  // The store learnt the slot taken alone that is still in the window, beside the new one.
  CHECK(*f.state->SlotsInUse("rate", 3100ms) == 2);
  // For one window after rejoining it also keeps to its share, though the store has room: the
  // others' slots taken alone reach the store only when they get through too.
  for (int i = 0; i < 8; ++i) REQUIRE(a->Acquire(ctx, Far(f)).status.ok());
  auto const slept = f.sleeper.total();
  CHECK(a->Acquire(ctx, Far(f)).status.ok());
  CHECK(f.sleeper.total() > slept);
  CHECK(*f.state->SlotsInUse("rate", 3100ms) < 30);
}

TEST_CASE("HaloPSA's 429 holds back the shared budget too", "[server][fleet]") {
  Fleet f;
  auto a = f.Replica(100, 10s, 30);
  halo::CallContext ctx;
  a->OnThrottled(halo::Throttle{5s, std::nullopt});
  CHECK(a->Acquire(ctx, Far(f)).status.ok());
  CHECK(f.sleeper.total() >= 5s);
  auto cancelled = std::make_shared<halo::CancelToken>();
  cancelled->Cancel();
  CHECK(a->Acquire(halo::CallContext{cancelled, nullptr}, Far(f)).status.code() ==
        halo::StatusCode::kCancelled);
}

TEST_CASE("The token is fetched once for the fleet and stored sealed", "[server][fleet]") {
  Fleet f;
  mcp::TokenSealer sealer("client-secret", "https://acme.halopsa.com|client");
  auto replica = [&] {
    return std::make_shared<mcp::SharedTokenStore>(
        f.state, sealer, mcp::SharedTokenStore::Options{"tok", 60s, 15s, 50ms}, f.clock,
        f.sleeper.AsSleeper());
  };
  auto a = replica(), b = replica();
  int fetches = 0;
  halo::TokenStore::Fetch fetch = [&](halo::CallContext const&) {
    ++fetches;
    return halo::StatusOr<halo::AccessToken>(
        halo::AccessToken{"token-" + std::to_string(fetches), 3600s});
  };
  halo::CallContext ctx;
  CHECK(*a->Get(ctx, fetch) == "token-1");
  CHECK(*b->Get(ctx, fetch) == "token-1");
  CHECK(fetches == 1);
  std::string raw = f.state->Raw("tok");
  CHECK(raw.find("token-1") == std::string::npos);  // never in clear text
  CHECK(sealer.Open(raw) == std::string("token-1"));
  CHECK_FALSE(mcp::TokenSealer("other-secret", "https://acme.halopsa.com|client").Open(raw));

  // HaloPSA refused it: the fleet's copy goes too, and the next caller fetches once; another
  // replica refused with the same stale token takes the fleet's new one.
  b->Invalidate("token-1");
  CHECK(*b->Get(ctx, fetch) == "token-2");
  a->Invalidate("token-1");
  CHECK(*a->Get(ctx, fetch) == "token-2");
  CHECK(fetches == 2);
  // Near expiry it is refreshed before use.
  f.clock->Advance(3600s - 30s);
  CHECK(*a->Get(ctx, fetch) == "token-3");

  // Another replica holds the lock: waiters poll until its token appears.
  f.state->Set("tok", "", 1ms);
  f.clock->Advance(1s);
  REQUIRE(*f.state->SetIfAbsent("tok:lock", "someone", 15s));
  int polls = 0;
  halo::TokenStore::Fetch slow = [&](halo::CallContext const&) {
    return halo::StatusOr<halo::AccessToken>(halo::AccessToken{"mine", 3600s});
  };
  halo::Sleeper sleeper = [&](milliseconds d) {
    f.clock->Advance(d);
    if (++polls == 3) f.state->Set("tok", sealer.Seal("theirs"), 3600s);
  };
  mcp::SharedTokenStore waiting(f.state, sealer, {"tok", 60s, 15s, 50ms}, f.clock, sleeper);
  CHECK(*waiting.Get(ctx, slow) == "theirs");
  CHECK(polls == 3);

  // No store at all: each replica fetches for itself rather than fail.
  f.state->down = true;
  auto d = replica();
  CHECK(*d->Get(ctx, slow) == "mine");
}

TEST_CASE("Shared-state URLs (--shared-state) are read or refused with the reason",
          "[server][fleet]") {
  auto a = mcp::ParseRedisUrl("redis://10.0.0.5:6380/2");
  REQUIRE(a.ok());
  CHECK(a->host == "10.0.0.5");
  CHECK(a->port == 6380);
  CHECK(a->db == 2);
  auto d = mcp::ParseRedisUrl("redis://cache.internal");
  REQUIRE(d.ok());
  CHECK(d->port == 6379);
  CHECK(d->db == 0);
  CHECK(mcp::ParseRedisUrl("redis://[::1]:7000/0")->host == "::1");
  CHECK_THAT(mcp::ParseRedisUrl("redis://h:99999").status().message(), Catch::Contains("port"));
  CHECK_THAT(mcp::ParseRedisUrl("redis://h:1/x").status().message(), Catch::Contains("database"));
  CHECK_THAT(mcp::ParseRedisUrl("redis://user:pw@h:1").status().message(),
             Catch::Contains("credentials"));
  CHECK_THAT(mcp::ParseRedisUrl("http://h").status().message(), Catch::Contains("redis://"));
}
