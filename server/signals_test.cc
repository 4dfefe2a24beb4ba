#include "server/signals.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <signal.h>
#include <unistd.h>

TEST_CASE("TerminationWatcher reports a signal once, and never after it is destroyed",
          "[signals]") {
  sigset_t signals = mcp::BlockTerminationSignals();

  SECTION("destroyed before any signal: returns at once and never calls back") {
    bool called = false;
    {
      mcp::TerminationWatcher watcher(signals, [&called](int) { called = true; });
    }
    CHECK_FALSE(called);
  }
  SECTION("a signal to the process reaches the callback") {
    std::promise<int> got;
    auto seen = got.get_future();
    mcp::TerminationWatcher watcher(signals, [&got](int sig) { got.set_value(sig); });
    REQUIRE(kill(getpid(), SIGTERM) == 0);
    REQUIRE(seen.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    CHECK(seen.get() == SIGTERM);
  }
}
