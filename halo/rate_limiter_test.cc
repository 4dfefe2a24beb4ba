#include "halo/rate_limiter.h"

#include "halo/testing/fake_clock.h"
#include "halo/token_cache.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace std::chrono_literals;
using halo::testing::FakeClock;
using halo::testing::RecordingSleeper;

TEST_CASE("RateLimiter admits N per rolling window, then waits", "[halo][ratelimit]") {
  auto clock = std::make_shared<FakeClock>();
  RecordingSleeper sleeper(clock);
  halo::RateLimiter limiter(3, 10s, clock, sleeper.AsSleeper(), 1000ms, 1);
  halo::CallContext ctx;
  auto far = clock->Now() + 1h;
  for (int i = 0; i < 3; ++i) {
    auto r = limiter.Acquire(ctx, far);
    REQUIRE(r.status.ok());
    CHECK_FALSE(r.waited);
    clock->Advance(1s);
  }
  // t=3s; the first slot frees at t=10s.
  auto r = limiter.Acquire(ctx, far);
  REQUIRE(r.status.ok());
  CHECK(r.waited);
  CHECK(sleeper.total() == 7s);
  // Slices of at most 1 s.
  for (auto d : sleeper.sleeps()) CHECK(d <= 1000ms);
}

TEST_CASE("RateLimiter fails fast when the slot is beyond the deadline", "[halo][ratelimit]") {
  auto clock = std::make_shared<FakeClock>();
  RecordingSleeper sleeper(clock);
  halo::RateLimiter limiter(1, 300s, clock, sleeper.AsSleeper(), 250ms, 1);
  halo::CallContext ctx;
  REQUIRE(limiter.Acquire(ctx, clock->Now() + 10s).status.ok());
  auto r = limiter.Acquire(ctx, clock->Now() + 10s);
  CHECK(r.status.code() == halo::StatusCode::kResourceExhausted);
  REQUIRE(r.status.info().retry_after);
  CHECK(*r.status.info().retry_after == 300s);
  CHECK(sleeper.sleeps().empty());
}

TEST_CASE("RateLimiter wait is cancellable", "[halo][ratelimit]") {
  auto clock = std::make_shared<FakeClock>();
  halo::CallContext ctx;
  ctx.cancel = std::make_shared<halo::CancelToken>();
  int slices = 0;
  halo::Sleeper sleeper = [&](std::chrono::milliseconds d) {
    clock->Advance(d);
    if (++slices == 3) ctx.cancel->Cancel();
  };
  halo::RateLimiter limiter(1, 300s, clock, sleeper, 250ms, 1);
  REQUIRE(limiter.Acquire(ctx, clock->Now() + 1h).status.ok());
  auto r = limiter.Acquire(ctx, clock->Now() + 1h);
  CHECK(r.status.code() == halo::StatusCode::kCancelled);
  CHECK(slices == 3);
}

TEST_CASE("RateLimiter learns from a 429", "[halo][ratelimit]") {
  auto clock = std::make_shared<FakeClock>();
  RecordingSleeper sleeper(clock);
  halo::RateLimiter limiter(300, 300s, clock, sleeper.AsSleeper(), 250ms, 7);
  halo::CallContext ctx;
  SECTION("with Retry-After it blocks for that long (plus a little jitter)") {
    limiter.OnThrottled(20s);
    auto wait = limiter.NextSlotIn();
    CHECK(wait >= 20s);
    CHECK(wait <= 21s);
  }
  SECTION("without Retry-After it treats the window as full") {
    REQUIRE(limiter.Acquire(ctx, clock->Now() + 1h).status.ok());  // sent at t0
    clock->Advance(100s);
    limiter.OnThrottled(std::nullopt);
    auto wait = limiter.NextSlotIn();
    CHECK(wait >= 200s);  // until t0 + 300 s
    CHECK(wait <= 206s);  // plus jitter
  }
  SECTION("with nothing on record it waits a whole window") {
    limiter.OnThrottled(std::nullopt);
    CHECK(limiter.NextSlotIn() >= 300s);
  }
  SECTION("a disabled window still honours 429 feedback") {
    halo::RateLimiter off(0, 300s, clock, sleeper.AsSleeper(), 250ms, 7);
    CHECK(off.NextSlotIn() == 0ms);
    off.OnThrottled(5s);
    CHECK(off.NextSlotIn() >= 5s);
  }
}

TEST_CASE("RateLimiter is shared safely by many threads", "[halo][ratelimit]") {
  auto clock = std::make_shared<FakeClock>();
  RecordingSleeper sleeper(clock);
  halo::RateLimiter limiter(10, 60s, clock, sleeper.AsSleeper(), 1000ms, 3);
  halo::CallContext ctx;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        if (limiter.Acquire(ctx, clock->Now() + 1h).status.ok()) ++admitted;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(admitted == 40);
  // 40 requests at 10 per minute need at least three full windows of waiting.
  CHECK(clock->Now().time_since_epoch() >= std::chrono::hours(24) + 180s);
}

TEST_CASE("ExponentialBackoff uses full jitter under a growing cap", "[halo][retry]") {
  halo::ExponentialBackoff b(100ms, 1000ms, 42);
  std::vector<std::chrono::milliseconds> caps = {100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms};
  for (auto cap : caps) {
    auto d = b.Next();
    CHECK(d >= 0ms);
    CHECK(d <= cap);
  }
}

TEST_CASE("TokenCache refreshes before expiry and shares one fetch", "[halo][auth]") {
  auto clock = std::make_shared<FakeClock>();
  std::atomic<int> fetches{0};
  halo::TokenCache cache(
      [&](halo::CallContext const&) -> halo::StatusOr<halo::AccessToken> {
        int n = ++fetches;
        std::this_thread::sleep_for(30ms);
        return halo::AccessToken{"t" + std::to_string(n), 3600s};
      },
      clock, 60s);
  halo::CallContext ctx;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      auto t = cache.Get(ctx);
      if (t.ok() && *t == "t1") ++ok;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(fetches == 1);
  CHECK(ok == 16);
  clock->Advance(3539s);
  CHECK(*cache.Get(ctx) == "t1");
  clock->Advance(2s);  // inside the 60 s margin
  CHECK(*cache.Get(ctx) == "t2");
  cache.Invalidate("t1");  // stale: ignored
  CHECK(*cache.Get(ctx) == "t2");
  cache.Invalidate("t2");
  CHECK(*cache.Get(ctx) == "t3");
}

TEST_CASE("TokenCache waiters share a failed fetch instead of repeating it", "[halo][auth]") {
  auto clock = std::make_shared<FakeClock>();
  std::atomic<int> fetches{0};
  halo::TokenCache cache(
      [&](halo::CallContext const&) -> halo::StatusOr<halo::AccessToken> {
        ++fetches;
        std::this_thread::sleep_for(50ms);
        return halo::UnauthenticatedError("invalid_client");
      },
      clock, 60s);
  halo::CallContext ctx;
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (cache.Get(ctx).status().code() == halo::StatusCode::kUnauthenticated) ++failed;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failed == 8);
  CHECK(fetches <= 3);  // a thread arriving after the failure may legitimately try again
}
