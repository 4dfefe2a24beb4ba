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
    limiter.OnThrottled({20s, std::nullopt});
    auto wait = limiter.NextSlotIn();
    CHECK(wait >= 20s);
    CHECK(wait <= 21s);
  }
  SECTION("without Retry-After it backs off from a second, doubling per consecutive 429") {
    REQUIRE(limiter.Acquire(ctx, clock->Now() + 1h).status.ok());
    clock->Advance(100s);
    std::vector<std::chrono::milliseconds> waits;
    for (int i = 0; i < 8; ++i) {
      limiter.OnThrottled({});
      auto wait = limiter.NextSlotIn();
      waits.push_back(wait);
      clock->Advance(wait);  // the back-off passes, the next probe is throttled again
    }
    std::vector<std::chrono::milliseconds> floors = {1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s};
    for (std::size_t i = 0; i < waits.size(); ++i) {
      INFO(i);
      CHECK(waits[i] >= floors[i]);
      CHECK(waits[i] <= floors[i] + floors[i] / 10 + 1ms);
    }
    SECTION("a request that gets through resets the back-off") {
      limiter.OnAccepted();
      limiter.OnThrottled({});
      CHECK(limiter.NextSlotIn() <= 1100ms);
    }
  }
  SECTION("429s of one burst count once") {
    for (int i = 0; i < 4; ++i) limiter.OnThrottled({});
    CHECK(limiter.NextSlotIn() <= 1100ms);
  }
  SECTION("a window stated by HaloPSA re-sizes the limiter") {
    limiter.OnThrottled({std::nullopt, halo::RateWindow{10, 60s}});
    CHECK(limiter.max_requests() == 10);
    CHECK(limiter.window() == 60s);
    clock->Advance(2s);
    for (int i = 0; i < 10; ++i) REQUIRE(limiter.Acquire(ctx, clock->Now() + 1h).status.ok());
    CHECK(limiter.NextSlotIn() == 60s);
  }
  SECTION("a disabled window still honours 429 feedback, and stays disabled") {
    halo::RateLimiter off(0, 300s, clock, sleeper.AsSleeper(), 250ms, 7);
    CHECK(off.NextSlotIn() == 0ms);
    off.OnThrottled({5s, halo::RateWindow{10, 60s}});
    CHECK(off.NextSlotIn() >= 5s);
    CHECK(off.max_requests() == 0);
  }
}

TEST_CASE("The window is read from HaloPSA's 429 message", "[halo][ratelimit]") {
  using halo::ParseRateLimitMessage;
  using halo::RateWindow;
  CHECK(ParseRateLimitMessage("Rate Limit Reached - 300 Requests per rolling 5 minute window") ==
        RateWindow{300, 300s});
  CHECK(ParseRateLimitMessage(
            R"({"error":"Rate Limit Reached - 120 Requests per rolling 60 second window"})") ==
        RateWindow{120, 60s});
  CHECK(ParseRateLimitMessage("1000 requests per rolling 1 hour window") ==
        RateWindow{1000, 3600s});
  CHECK(ParseRateLimitMessage("50 Requests per rolling minute window") == RateWindow{50, 60s});
  CHECK(ParseRateLimitMessage("Rate limit: 500 requests per 3-minute window") ==
        RateWindow{500, 180s});
  CHECK_FALSE(ParseRateLimitMessage("Rate Limit Reached"));
  CHECK_FALSE(ParseRateLimitMessage("0 Requests per rolling 5 minute window"));
  CHECK_FALSE(ParseRateLimitMessage("99999999999999999999 Requests per rolling 5 minute window"));
  CHECK_FALSE(ParseRateLimitMessage("300 Requests per rolling 99999 hour window"));
  CHECK_FALSE(ParseRateLimitMessage("300 Requests per rolling 5 fortnight window"));
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

TEST_CASE("TokenCache refreshes before expiry and shares one fetch", "[halo][auth]") {
  auto clock = std::make_shared<FakeClock>();
  std::atomic<int> fetches{0};
  halo::TokenCache cache(clock, 60s);
  halo::TokenStore::Fetch fetch =
      [&](halo::CallContext const&) -> halo::StatusOr<halo::AccessToken> {
    int n = ++fetches;
    std::this_thread::sleep_for(30ms);
    return halo::AccessToken{"t" + std::to_string(n), 3600s};
  };
  halo::CallContext ctx;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      auto t = cache.Get(ctx, fetch);
      if (t.ok() && *t == "t1") ++ok;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(fetches == 1);
  CHECK(ok == 16);
  clock->Advance(3539s);
  CHECK(*cache.Get(ctx, fetch) == "t1");
  clock->Advance(2s);  // inside the 60 s margin
  CHECK(*cache.Get(ctx, fetch) == "t2");
  cache.Invalidate("t1");  // stale: ignored
  CHECK(*cache.Get(ctx, fetch) == "t2");
  cache.Invalidate("t2");
  CHECK(*cache.Get(ctx, fetch) == "t3");
}

TEST_CASE("TokenCache waiters share a failed fetch instead of repeating it", "[halo][auth]") {
  auto clock = std::make_shared<FakeClock>();
  std::atomic<int> fetches{0};
  halo::TokenCache cache(clock, 60s);
  halo::TokenStore::Fetch fetch =
      [&](halo::CallContext const&) -> halo::StatusOr<halo::AccessToken> {
    ++fetches;
    std::this_thread::sleep_for(50ms);
    return halo::UnauthenticatedError("invalid_client");
  };
  halo::CallContext ctx;
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (cache.Get(ctx, fetch).status().code() == halo::StatusCode::kUnauthenticated) ++failed;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failed == 8);
  CHECK(fetches <= 3);  // a thread arriving after the failure may legitimately try again
}
