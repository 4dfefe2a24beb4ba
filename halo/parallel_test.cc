#include "halo/parallel.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>

using Catch::Matchers::Contains;
using halo::StatusOr;
using halo::internal::ProduceConsume;

namespace {
using Produce = std::function<StatusOr<int>(std::size_t)>;
using Consume = std::function<bool(std::size_t, StatusOr<int>&&)>;
}  // namespace

TEST_CASE("ProduceConsume consumes every result once, on the calling thread", "[halo][parallel]") {
  auto const caller = std::this_thread::get_id();
  std::atomic<int> producing{0}, most{0};
  Produce produce = [&](std::size_t i) -> StatusOr<int> {
    int now = ++producing;
    for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    --producing;
    return static_cast<int>(i) * 10;
  };
  std::set<std::size_t> seen;
  bool on_caller = true;
  Consume consume = [&](std::size_t i, StatusOr<int>&& r) {
    on_caller = on_caller && std::this_thread::get_id() == caller;
    REQUIRE(r.ok());
    CHECK(*r == static_cast<int>(i) * 10);
    CHECK(seen.insert(i).second);
    return true;
  };
  auto status = ProduceConsume(40, 4, produce, consume);
  CHECK(status.ok());
  CHECK(seen.size() == 40);
  CHECK(on_caller);
  CHECK(most.load() <= 4);
  CHECK(ProduceConsume(0, 4, produce, consume).ok());
}

TEST_CASE("ProduceConsume stops handing out work when consume says so", "[halo][parallel]") {
  std::atomic<int> produced{0};
  Produce produce = [&](std::size_t i) -> StatusOr<int> {
    ++produced;
    // Slow enough that the whole range cannot be produced before the consumer says stop.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return static_cast<int>(i);
  };
  int consumed = 0;
  Consume consume = [&](std::size_t, StatusOr<int>&&) { return ++consumed < 3; };
  CHECK(ProduceConsume(1000, 2, produce, consume).ok());
  CHECK(consumed == 3);
  CHECK(produced.load() < 100);
}

TEST_CASE("ProduceConsume lets no exception escape", "[halo][parallel]") {
  SECTION("from produce: that index's result") {
    Produce produce = [](std::size_t i) -> StatusOr<int> {
      if (i == 3) throw std::runtime_error("boom");
      return 1;
    };
    int failures = 0;
    Consume consume = [&](std::size_t i, StatusOr<int>&& r) {
      if (!r.ok()) {
        ++failures;
        CHECK(i == 3);
        CHECK_THAT(r.status().message(), Contains("boom"));
      }
      return true;
    };
    CHECK(ProduceConsume(8, 3, produce, consume).ok());
    CHECK(failures == 1);
  }
  SECTION("from consume: the run's status") {
    Produce produce = [](std::size_t) -> StatusOr<int> { return 1; };
    Consume consume = [](std::size_t, StatusOr<int>&&) -> bool { throw 42; };
    auto status = ProduceConsume(8, 3, produce, consume);
    CHECK(status.code() == halo::StatusCode::kInternal);
  }
}
