#pragma once

#include "server/mcp_server.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace mcp {

class WorkerPool;

struct StdioOptions {
  std::size_t max_message_bytes = 4 * 1024 * 1024;
  std::size_t max_response_bytes = 2 * 1024 * 1024;  // larger responses become an error
  std::size_t workers = 4;                           // concurrent tool calls
  std::size_t max_queued = 64;  // tool calls waiting for a worker before we answer "busy"
  /// After end of input, calls still running get this long to finish and answer; then they
  /// are cancelled. Stop() (SIGTERM) cancels at once.
  std::chrono::milliseconds eof_grace{10'000};
};

/**
 * Newline-delimited JSON-RPC over two file descriptors. Lifecycle methods and pings are answered
 * on the reading thread; tool calls run on a bounded worker pool, so a slow call never blocks a
 * ping or another call. Only JSON-RPC frames are written to the output; logs go to stderr.
 */
class StdioTransport {
 public:
  StdioTransport(McpServer& server, StdioOptions options, int in_fd = 0, int out_fd = 1);
  ~StdioTransport();

  /// Serves until end of input or Stop(), then winds down the calls still running.
  void Run();
  /// Safe from any thread (e.g. a signal-waiting thread).
  void Stop();

 private:
  void HandleLine(std::string_view line);
  void RefuseOversized();
  void HandleValue(nlohmann::json const& value);
  void HandleBatch(nlohmann::json const& batch);
  void Write(nlohmann::json const& message);
  void WriteLine(std::string line);
  void CancelAll();

  McpServer& server_;
  StdioOptions options_;
  int in_fd_;
  int out_fd_;
  int wake_pipe_[2] = {-1, -1};
  std::mutex write_mu_;
  std::atomic<bool> output_broken_{false};
  std::atomic<bool> stopping_{false};
  Session session_;
  WorkerPool* pool_ = nullptr;  // set while Run() is serving
};

}  // namespace mcp
