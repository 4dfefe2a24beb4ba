// The memory allowance and the connection table, without sockets.
#include "server/http_limits.h"

#include "halo/testing/fake_clock.h"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using halo::testing::FakeClock;
using mcp::ConnectionTable;
using mcp::MemoryBudget;

TEST_CASE("the memory budget refuses what does not fit and keeps room for small requests",
          "[http][limits]") {
  MemoryBudget budget(25'600);  // large: over 100; large leases fill at most 22,400
  auto small = budget.Start();
  CHECK(small.GrowTo(50));
  CHECK(small.GrowTo(40));  // never shrinks
  CHECK(small.bytes() == 50);
  auto big = budget.Start();
  CHECK(big.GrowTo(22'300));        // large, and under seven eighths in all
  CHECK_FALSE(big.GrowTo(22'400));  // would pass seven eighths
  CHECK(big.bytes() == 22'300);
  CHECK(big.Possible(22'400));
  CHECK_FALSE(big.Possible(22'401));
  auto another = budget.Start();
  CHECK_FALSE(another.GrowTo(200));  // large: no room left for it
  CHECK(another.GrowTo(100));        // small: the reserved eighth serves it
  CHECK(budget.used() == 22'450);
  {
    auto moved = std::move(big);
    CHECK(budget.used() == 22'450);
  }
  CHECK(budget.used() == 150);
  another = MemoryBudget::Lease();
  CHECK(budget.used() == 50);

  // A body announced as large is held to the large share from its first byte, so that many
  // of them arriving slowly never eat the room kept for ordinary requests.
  std::vector<MemoryBudget::Lease> arriving;
  for (int i = 0; i < 300; ++i) {
    arriving.push_back(budget.Start());
    arriving.back().Expect(1000);
    arriving.back().GrowTo(90);
  }
  CHECK(budget.used() <= 22'400);
  auto ordinary = budget.Start();
  CHECK(ordinary.GrowTo(100));
}

TEST_CASE("a message's memory estimate covers the worst shapes the parser allows",
          "[http][limits]") {
  CHECK(mcp::MessageMemoryEstimate(0) == 0);
  CHECK(mcp::MessageMemoryEstimate(300) >= 300 * 21);
  // Beyond a few hundred kilobytes the value cap bounds it: 100,000 values.
  auto four_mib = mcp::MessageMemoryEstimate(4 << 20);
  CHECK(four_mib > (4u << 20) * 2);
  CHECK(four_mib < (4u << 20) * 2 + 12'000'000);
  // The largest message the default allowance (24 MiB) must take: 4 MiB.
  CHECK(four_mib < 24u * 1024 * 1024 / 8 * 7);
}

TEST_CASE("a full connection table closes the connection that has waited longest",
          "[http][limits]") {
  auto clock = std::make_shared<FakeClock>();
  ConnectionTable table(3, clock);
  std::vector<int> closed;
  auto closer = [&closed](int n) { return [&closed, n] { closed.push_back(n); }; };
  ConnectionTable::Closer evicted;
  auto a = table.Open(closer(1), &evicted);
  clock->Advance(1s);
  auto b = table.Open(closer(2), &evicted);
  clock->Advance(1s);
  auto c = table.Open(closer(3), &evicted);
  REQUIRE((a && b && c));
  CHECK_FALSE(evicted);
  table.Serving(*a);  // a is busy: it never gives way
  clock->Advance(1s);
  auto d = table.Open(closer(4), &evicted);
  REQUIRE(d);
  REQUIRE(evicted);
  evicted();
  CHECK(closed == std::vector<int>{2});
  CHECK(table.size() == 3);

  clock->Advance(1s);
  table.Waiting(*c);  // c starts a new request now: younger than d
  evicted = nullptr;
  auto e = table.Open(closer(5), &evicted);
  REQUIRE(e);
  REQUIRE(evicted);
  evicted();
  CHECK(closed == std::vector<int>{2, 4});

  table.Serving(*c);
  table.Serving(*e);
  evicted = nullptr;
  CHECK_FALSE(table.Open(closer(6), &evicted));  // everyone is serving: refused
  CHECK_FALSE(evicted);

  table.Closed(*e);
  CHECK(table.size() == 2);
  auto waiting = table.Shutdown();
  CHECK(waiting.empty());  // a and c are serving
  CHECK(table.All().size() == 2);
  CHECK_FALSE(table.Open(closer(7), &evicted));  // shut down
}
