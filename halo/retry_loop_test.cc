#include "halo/retry_loop.h"

#include "halo/testing/fake_clock.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using halo::FailureKind;
using halo::Idempotency;
using halo::StatusCode;
using halo::testing::FakeClock;
using halo::testing::RecordingSleeper;

namespace {

using Attempt = halo::AttemptResult<int>;

/// A scripted sequence of attempt outcomes; the last one repeats.
struct Script {
  std::vector<Attempt> outcomes;
  int calls = 0;
  Attempt operator()(int n) {
    CHECK(n == calls);
    ++calls;
    return outcomes[std::min<std::size_t>(static_cast<std::size_t>(n), outcomes.size() - 1)];
  }
};

Attempt Fail(FailureKind kind, halo::Status s = halo::UnavailableError("HaloPSA is unavailable")) {
  return Attempt::Failed(kind, std::move(s));
}

struct Loop {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  RecordingSleeper sleeper{clock};
  halo::Sleeper sleep = sleeper.AsSleeper();
  halo::CallContext ctx;
  int max_attempts = 4;
  std::chrono::milliseconds budget = 120s;

  halo::StatusOr<int> Run(Script& script, Idempotency idempotency = Idempotency::kIdempotent) {
    halo::RetryPolicy retry(max_attempts, budget, clock);
    halo::BackoffPolicy backoff(100ms, 1s, 42);
    return halo::RetryLoop<int>(retry, backoff, idempotency, "POST /api/Tickets",
                                halo::RetryEnvironment{ctx, sleep, 250ms}, script);
  }
};

}  // namespace

TEST_CASE("RetryLoop repeats transient failures of an idempotent call", "[halo][retry]") {
  Loop loop;
  Script script{{Fail(FailureKind::kTransient), Fail(FailureKind::kNotProcessed), Attempt::Ok(42)}};
  auto r = loop.Run(script);
  REQUIRE(r.ok());
  CHECK(*r == 42);
  CHECK(script.calls == 3);
  CHECK(loop.sleeper.total() <= 300ms);  // 100 ms + 200 ms caps, full jitter
}

TEST_CASE("RetryLoop never repeats an ambiguous non-idempotent call", "[halo][retry]") {
  Loop loop;
  halo::ErrorInfo info;
  info.http_status = 502;
  Script script{
      {Fail(FailureKind::kTransient, halo::UnavailableError("Bad Gateway", info)), Attempt::Ok(1)}};
  auto r = loop.Run(script, Idempotency::kNonIdempotent);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kUnknownOutcome);
  CHECK_THAT(r.status().message(), Contains("POST /api/Tickets may have been applied") &&
                                       Contains("HTTP 502: Bad Gateway") &&
                                       Contains("list recent records"));
  CHECK(r.status().info().http_status == 502);
  CHECK(script.calls == 1);
  CHECK(loop.sleeper.sleeps().empty());
}

TEST_CASE("RetryLoop repeats a non-idempotent call that was certainly not processed",
          "[halo][retry]") {
  Loop loop;
  SECTION("not sent: after back-off, counted") {
    Script script{{Fail(FailureKind::kNotProcessed), Attempt::Ok(7)}};
    REQUIRE(loop.Run(script, Idempotency::kNonIdempotent).ok());
    CHECK(script.calls == 2);
    CHECK(loop.sleeper.sleeps().size() == 1);
  }
  SECTION("throttled: at once, uncounted") {
    loop.max_attempts = 1;
    Script script{{Fail(FailureKind::kThrottled), Fail(FailureKind::kThrottled),
                   Fail(FailureKind::kThrottled), Attempt::Ok(7)}};
    REQUIRE(loop.Run(script, Idempotency::kNonIdempotent).ok());
    CHECK(script.calls == 4);
    CHECK(loop.sleeper.sleeps().empty());  // the rate budget does the waiting
  }
  SECTION("repeat-now is allowed once") {
    Script script{{Fail(FailureKind::kRepeatNow, halo::UnauthenticatedError("401")),
                   Fail(FailureKind::kRepeatNow, halo::UnauthenticatedError("401 again"))}};
    auto r = loop.Run(script, Idempotency::kNonIdempotent);
    CHECK(r.status().message() == "401 again");
    CHECK(script.calls == 2);
  }
}

TEST_CASE("RetryLoop returns permanent failures at once", "[halo][retry]") {
  Loop loop;
  Script script{
      {Fail(FailureKind::kPermanent, halo::NotFoundError("no ticket 12")), Attempt::Ok(1)}};
  auto r = loop.Run(script);
  CHECK(r.status().code() == StatusCode::kNotFound);
  CHECK(r.status().message() == "no ticket 12");
  CHECK(script.calls == 1);
}

TEST_CASE("RetryLoop says why it stopped", "[halo][retry]") {
  Loop loop;
  SECTION("attempts used up") {
    loop.max_attempts = 3;
    Script script{{Fail(FailureKind::kTransient)}};
    auto r = loop.Run(script);
    CHECK(r.status().code() == StatusCode::kUnavailable);
    CHECK_THAT(r.status().message(), Contains("gave up after 3 attempts"));
    CHECK(script.calls == 3);
  }
  SECTION("call deadline") {
    loop.max_attempts = 100;
    loop.budget = 2s;
    halo::ErrorInfo info;
    info.retry_after = 700ms;
    Script script{{Fail(FailureKind::kTransient, halo::UnavailableError("busy", info))}};
    auto r = loop.Run(script);
    CHECK_THAT(r.status().message(), Contains("retry budget exhausted: call deadline 2 s"));
    CHECK(loop.sleeper.total() <= 2s);
    CHECK(script.calls == 3);  // 0, 0.7 s, 1.4 s; a third wait would pass 2 s
  }
  SECTION("throttled past the deadline") {
    loop.budget = 0ms;
    Script script{{Fail(FailureKind::kThrottled, halo::ResourceExhaustedError("429"))}};
    auto r = loop.Run(script);
    CHECK(r.status().code() == StatusCode::kResourceExhausted);
    CHECK_THAT(r.status().message(), Contains("retry budget exhausted"));
  }
  SECTION("a budget that never paces 429s is not followed forever") {
    Script script{{Fail(FailureKind::kThrottled, halo::ResourceExhaustedError("429"))}};
    auto r = loop.Run(script);
    CHECK_THAT(r.status().message(), Contains("still throttled after 101 attempts"));
  }
}

TEST_CASE("RetryLoop waits at least the server's Retry-After", "[halo][retry]") {
  Loop loop;
  halo::ErrorInfo info;
  info.retry_after = 3s;
  Script script{
      {Fail(FailureKind::kTransient, halo::UnavailableError("maintenance", info)), Attempt::Ok(1)}};
  REQUIRE(loop.Run(script).ok());
  CHECK(loop.sleeper.total() == 3s);
  for (auto d : loop.sleeper.sleeps()) CHECK(d <= 250ms);  // slept in cancellable slices
}

TEST_CASE("RetryLoop stops waiting when the call is cancelled", "[halo][retry]") {
  Loop loop;
  loop.ctx.cancel = std::make_shared<halo::CancelToken>();
  int slices = 0;
  loop.sleep = [&](std::chrono::milliseconds d) {
    loop.clock->Advance(d);
    if (++slices == 2) loop.ctx.cancel->Cancel();
  };
  halo::ErrorInfo info;
  info.retry_after = 10s;
  Script script{
      {Fail(FailureKind::kTransient, halo::UnavailableError("busy", info)), Attempt::Ok(1)}};
  auto r = loop.Run(script);
  CHECK(r.status().code() == StatusCode::kCancelled);
  CHECK(slices == 2);
  CHECK(script.calls == 1);
}

TEST_CASE("BackoffPolicy uses full jitter under a growing cap", "[halo][retry]") {
  halo::BackoffPolicy b(100ms, 1000ms, 42);
  std::vector<std::chrono::milliseconds> caps = {100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms};
  for (auto cap : caps) {
    auto d = b.OnCompletion();
    CHECK(d >= 0ms);
    CHECK(d <= cap);
  }
  // A huge maximum does not overflow the doubling.
  halo::BackoffPolicy big(std::chrono::milliseconds(std::int64_t{1} << 60),
                          std::chrono::milliseconds::max(), 1);
  for (int i = 0; i < 10; ++i) CHECK(big.OnCompletion() >= 0ms);
}

TEST_CASE("RetryPolicy counts failures and keeps the deadline", "[halo][retry]") {
  auto clock = std::make_shared<FakeClock>();
  halo::RetryPolicy p(3, 10s, clock);
  CHECK(p.OnFailure());
  CHECK(p.OnFailure());
  CHECK_FALSE(p.OnFailure());
  CHECK(p.failures() == 3);
  CHECK(p.CanWait(10s));
  CHECK_FALSE(p.CanWait(10001ms));
  clock->Advance(10s);
  CHECK(p.Expired());
}
