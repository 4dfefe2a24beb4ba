// The shared rate limiter (issue 12), beside same-run baselines:
//
//   fleet_bench [seconds]
//
// - added latency per call: SharedRateBudget::Acquire against a redis-server of the bench's own
//   on loopback (a budget too large to wait), beside the in-process RateLimiter's Acquire.
//   Goal: median under 0.5 ms.
// - fleet throughput: 3 replicas (each its own Redis connections and limiter) and 64 threads
//   taking slots for a few seconds under a scaled-down budget (30 per 3 s), against the
//   theoretical budget (limit per started window).
#include "halo/halo_client.h"
#include "halo/rate_limiter.h"
#include "server/redis_shared_state.h"
#include "server/shared_rate_budget.h"
#include "tests/support/redis_server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::shared_ptr<mcp::SharedRateBudget> Budget(int port, std::string const& key, int limit,
                                              std::chrono::milliseconds window, int share) {
  auto state = std::make_shared<mcp::RedisSharedState>(mcp::RedisAddress{"127.0.0.1", port, 0},
                                                       mcp::RedisOptions{});
  auto clock = std::make_shared<halo::SystemClock>();
  auto feedback =
      std::make_shared<halo::RateLimiter>(0, window, clock, halo::RealSleeper(), 250ms, 1);
  return std::make_shared<mcp::SharedRateBudget>(
      state, mcp::SharedRateBudget::Options{key, limit, window, share, 50ms}, feedback, clock,
      halo::RealSleeper());
}

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

void Report(char const* what, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::printf("%-40s median %8.1f us   p99 %8.1f us   (%zu calls)\n", what, v[v.size() / 2],
              v[v.size() * 99 / 100], v.size());
}

}  // namespace

int main(int argc, char** argv) {
  int const seconds = argc > 1 ? std::max(3, std::atoi(argv[1])) : 9;
  halo_test::RedisServer redis;
  if (!redis.Start()) {
    std::cerr << "fleet_bench: cannot start /usr/bin/redis-server (scripts/install-deps.sh)\n";
    return 1;
  }
  int const port = redis.port();
  halo::CallContext ctx;
  auto const far = [] { return Clock::now() + 1h; };

  // ---- added latency per call ----
  {
    auto shared = Budget(port, "bench:latency", 1'000'000, 300'000ms, 1'000'000);
    auto local = std::make_shared<halo::RateLimiter>(
        1'000'000, 300'000ms, std::make_shared<halo::SystemClock>(), halo::RealSleeper(), 250ms, 1);
    for (int i = 0; i < 200; ++i) shared->Acquire(ctx, far());  // connect, load the script
    std::vector<double> s, l;
    for (int i = 0; i < 5000; ++i) {
      auto t0 = Clock::now();
      shared->Acquire(ctx, far());
      auto t1 = Clock::now();
      local->Acquire(ctx, far());
      auto t2 = Clock::now();
      s.push_back(Micros(t1 - t0));
      l.push_back(Micros(t2 - t1));
    }
    Report("shared limiter (Redis on loopback)", s);
    Report("baseline: in-process RateLimiter", l);
    std::sort(s.begin(), s.end());
    std::printf("goal: median < 500 us: %s\n", s[s.size() / 2] < 500 ? "met" : "MISSED");
  }

  // ---- fleet throughput under a scaled-down budget ----
  {
    constexpr int kLimit = 30;
    constexpr auto kWindow = 3000ms;
    std::vector<std::shared_ptr<mcp::SharedRateBudget>> replicas;
    for (int r = 0; r < 3; ++r)
      replicas.push_back(Budget(port, "bench:fleet", kLimit, kWindow, 10));
    std::atomic<bool> stop{false};
    std::atomic<int> admitted{0};
    std::vector<std::thread> threads;
    auto const start = Clock::now();
    for (int t = 0; t < 64; ++t) {
      threads.emplace_back([&, t] {
        while (!stop) {
          auto r = replicas[t % 3]->Acquire(ctx, Clock::now() + 1s);
          if (r.status.ok() && !stop) admitted++;
        }
      });
    }
    std::this_thread::sleep_until(start + std::chrono::seconds(seconds));
    stop = true;
    int const got = admitted;
    for (auto& t : threads) t.join();
    // A rolling window admits `limit` at t = 0, window, 2 x window ... before the end.
    int const theoretical = kLimit * ((seconds + 2) / 3);
    std::printf("fleet of 3, 64 threads, %d s at %d per 3 s: %d slots of %d theoretical (%.0f%%)\n",
                seconds, kLimit, got, theoretical, 100.0 * got / theoretical);
  }
  return 0;
}
