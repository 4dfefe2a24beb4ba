#pragma once

#include "halo/status.h"

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace halo::internal {

/// The status a produce() that threw is replaced with.
inline Status ExceptionStatus(std::exception_ptr const& e) {
  try {
    std::rethrow_exception(e);
  } catch (std::exception const& ex) {
    return InternalError(std::string("unexpected failure: ") + ex.what());
  } catch (...) {
    return InternalError("unexpected failure");
  }
}

/**
 * Runs `produce(i)` for every i in [0, n) on up to `workers` threads of its own, and hands each
 * result to `consume(i, result)` on the calling thread, in completion order: the slow part
 * (HTTP) stays `workers` wide while the calling thread digests what has arrived.
 *
 * `consume` returning false stops handing out indices; results still in flight are dropped.
 * Returns once every started produce() has finished and every thread is joined.
 *
 * Nothing escapes: an exception from produce() becomes that index's result, T(InternalError);
 * one from consume() (or from the bookkeeping) stops the run and is returned. If no thread can
 * be started, the calling thread does the work itself. `T` must be constructible from a Status
 * (a StatusOr).
 */
template <typename T>
Status ProduceConsume(std::size_t n, int workers, std::function<T(std::size_t)> const& produce,
                      std::function<bool(std::size_t, T&&)> const& consume) {
  if (n == 0) return OkStatus();
  auto safe_produce = [&produce](std::size_t i) -> T {
    try {
      return produce(i);
    } catch (...) {
      return T(ExceptionStatus(std::current_exception()));
    }
  };
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::pair<std::size_t, T>> ready;
    std::size_t next = 0;
    int running = 0;
    bool stop = false;
    Status failure;
  } s;
  auto worker = [&] {
    try {
      for (;;) {
        std::size_t i = 0;
        {
          std::lock_guard<std::mutex> lk(s.mu);
          if (s.stop || s.next >= n) break;
          i = s.next++;
        }
        T r = safe_produce(i);
        {
          std::lock_guard<std::mutex> lk(s.mu);
          s.ready.emplace_back(i, std::move(r));
        }
        s.cv.notify_all();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lk(s.mu);
      s.stop = true;
      if (s.failure.ok()) s.failure = ExceptionStatus(std::current_exception());
    }
    {
      std::lock_guard<std::mutex> lk(s.mu);
      --s.running;
    }
    s.cv.notify_all();
  };

  std::size_t const wanted =
      std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, workers)));
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < wanted; ++t) {
    {
      std::lock_guard<std::mutex> lk(s.mu);
      ++s.running;
    }
    try {
      threads.emplace_back(worker);
    } catch (...) {
      // Out of threads: run with the ones started (or on this thread, below).
      std::lock_guard<std::mutex> lk(s.mu);
      --s.running;
      break;
    }
  }

  auto safe_consume = [&](std::size_t i, T&& r) {
    try {
      return consume(i, std::move(r));
    } catch (...) {
      std::lock_guard<std::mutex> lk(s.mu);
      if (s.failure.ok()) s.failure = ExceptionStatus(std::current_exception());
      return false;
    }
  };

  if (threads.empty()) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!safe_consume(i, safe_produce(i))) break;
    }
    return s.failure;
  }
  for (;;) {
    std::unique_lock<std::mutex> lk(s.mu);
    s.cv.wait(lk, [&] { return !s.ready.empty() || s.running == 0; });
    if (s.ready.empty()) break;
    auto item = std::move(s.ready.front());
    s.ready.pop_front();
    bool const stopped = s.stop;
    lk.unlock();
    if (stopped) continue;  // drained, not consumed
    if (!safe_consume(item.first, std::move(item.second))) {
      std::lock_guard<std::mutex> stop_lk(s.mu);
      s.stop = true;
    }
  }
  for (auto& t : threads) t.join();
  return s.failure;
}

}  // namespace halo::internal
