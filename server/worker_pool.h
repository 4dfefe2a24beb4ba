#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mcp {

/// A fixed set of threads and a bounded queue. Submit() refuses work when the queue is full so
/// the caller can answer "busy" instead of piling up unbounded memory.
class WorkerPool {
 public:
  WorkerPool(std::size_t threads, std::size_t max_queued);
  ~WorkerPool();  // finishes queued work, then joins
  WorkerPool(WorkerPool const&) = delete;
  WorkerPool& operator=(WorkerPool const&) = delete;

  bool Submit(std::function<void()> task);
  /// Blocks until every submitted task has finished.
  void Drain();
  /// Like Drain, but gives up after `timeout`; returns whether everything finished.
  bool DrainFor(std::chrono::milliseconds timeout);

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<std::function<void()>> queue_;
  std::size_t max_queued_;
  std::size_t active_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace mcp
