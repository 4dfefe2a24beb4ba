// Fuzz target: bytes on stdin -> StdioTransport (framing, size limits, batches, the worker pool)
// -> McpServer with the real tool registry -> ToolExecutor over an in-memory HaloClient.
//
// One transport serves the whole run over a pair of pipes, as halo-mcp serves one client: a
// transport per input would spend most of the run starting and joining worker threads. After
// each input the target sends a newline (ending any partial line) and a sentinel tools/call (of
// an unknown tool: cheap, and answered by a worker like any call), and waits for its answer. With
// one worker, tool calls run in order, so when the sentinel is answered every call of the input has
// finished and its output was checked. Invariants: no crash, no hang, and every line written to
// stdout is exactly one JSON-RPC message (an object with "jsonrpc": "2.0", or a non-empty array of
// them).
#include "server/stdio_transport.h"
#include "tests/fuzz/canned_halo.h"
#include "tests/fuzz/fuzz_fail.h"
#include "tests/fuzz/jsonrpc_line_check.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unistd.h>

namespace {

constexpr char kSentinelPrefix[] = "halo-fuzz-sentinel-";

using halo_fuzz::Fail;

/// halo-mcp's stdio side, served on a thread for the whole run; its output is checked line by
/// line on another thread.
class Fixture {
 public:
  Fixture() : server_(halo_fuzz::MakeServer()) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) Fail("pipe", "");
    to_server_ = in[1];
    from_server_ = out[0];
    mcp::StdioOptions options;
    options.max_message_bytes = 2048;  // small, so the fuzzer reaches the oversize paths
    options.workers = 1;               // in-order tool calls: see the file comment
    options.max_queued = 16;           // and the "busy" answer
    options.eof_grace = std::chrono::milliseconds(100);
    transport_ = std::make_unique<mcp::StdioTransport>(*server_, options, in[0], out[1]);
    server_fds_[0] = in[0];
    server_fds_[1] = out[1];
    serve_ = std::thread([this] { transport_->Run(); });
    read_ = std::thread([this] { ReadOutput(); });
  }
  ~Fixture() {
    close(to_server_);  // end of input: Run() returns
    serve_.join();
    close(server_fds_[1]);
    read_.join();
    close(server_fds_[0]);
    close(from_server_);
  }

  /// Sends one input and waits until everything it started has answered.
  void Exchange(std::string_view input) {
    Send(input);
    Send("\n");
    for (int attempt = 0; attempt < 50; ++attempt) {
      std::string id = kSentinelPrefix + std::to_string(++sentinel_);
      Send(R"({"jsonrpc":"2.0","id":")" + id +
           R"(","method":"tools/call","params":{"name":"halo_fuzz_sentinel","arguments":{},)"
           R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
           R"("io.modelcontextprotocol/clientCapabilities":{}}}})"
           "\n");
      std::unique_lock lock(mu_);
      if (!AwaitAnswer(lock, id)) Fail("no answer to the sentinel within 10 s", id);
      if (!sentinel_busy_) return;
      lock.unlock();  // the queue was full: calls are still running; ask again shortly
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    Fail("the server stayed busy", "");
  }

 private:
  /// Waits up to 10 s of time in which the server could have run. A campaign paused (SIGSTOP) for a
  /// benchmark, or starved by a build at higher priority, otherwise reported hangs that never
  /// happened (both seen; each input passed alone in 12-15 ms).
  bool AwaitAnswer(std::unique_lock<std::mutex>& lock, std::string const& id) {
    using namespace std::chrono;
    auto const slice = milliseconds(100);
    std::optional<nanoseconds> queued;  // read only once a slice runs out: most answers come first
    for (auto left = duration_cast<nanoseconds>(seconds(10)); left > nanoseconds(0);) {
      auto const start = steady_clock::now();
      if (cv_.wait_for(lock, slice, [&] { return answered_ == id; })) return true;
      // A slice far longer than asked was spent stopped; time our threads spent ready to run but
      // without a CPU was spent starved. Neither is the server's doing.
      nanoseconds const now_queued = RunQueueWait();
      nanoseconds const starved = queued ? now_queued - *queued : nanoseconds(0);
      queued = now_queued;
      nanoseconds const ran = std::min<nanoseconds>(steady_clock::now() - start, 2 * slice);
      left -= std::max(ran - starved, nanoseconds(0));
    }
    return false;
  }

  /// The time this process's threads have spent runnable but waiting for a CPU, summed (Linux
  /// schedstat: run time, run-queue wait, slices); zero where the kernel does not report it.
  static std::chrono::nanoseconds RunQueueWait() {
    std::int64_t total = 0;
    std::error_code error;
    for (auto const& task : std::filesystem::directory_iterator("/proc/self/task", error)) {
      std::ifstream stat(task.path() / "schedstat");
      std::int64_t run = 0, wait = 0;
      if (stat >> run >> wait) total += wait;
    }
    return std::chrono::nanoseconds(total);
  }

  void Send(std::string_view bytes) {
    for (std::size_t off = 0; off < bytes.size();) {
      ssize_t n = write(to_server_, bytes.data() + off, bytes.size() - off);
      if (n <= 0) Fail("the server stopped reading", "");
      off += static_cast<std::size_t>(n);
    }
  }

  void ReadOutput() {
    std::string pending;
    char buf[65536];
    for (ssize_t n; (n = read(from_server_, buf, sizeof buf)) > 0;) {
      pending.append(buf, static_cast<std::size_t>(n));
      std::size_t start = 0;
      for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
        std::string_view line(pending.data() + start, nl - start);
        auto check = halo_fuzz::CheckJsonRpcLine(line);
        if (!check.error.empty()) Fail(check.error, line);
        NoteSentinel(check.string_id, line);
      }
      pending.erase(0, start);
    }
    if (!pending.empty()) Fail("output ends inside a line", pending);
  }

  void NoteSentinel(std::string const& id, std::string_view line) {
    if (id.rfind(kSentinelPrefix, 0) != 0) return;
    std::lock_guard lock(mu_);
    answered_ = id;
    sentinel_busy_ = line.find("Server busy") != std::string_view::npos;
    cv_.notify_all();
  }

  std::unique_ptr<mcp::McpServer> server_;
  std::unique_ptr<mcp::StdioTransport> transport_;
  int to_server_ = -1, from_server_ = -1;
  int server_fds_[2] = {-1, -1};
  std::thread serve_, read_;
  std::uint64_t sentinel_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string answered_;
  bool sentinel_busy_ = false;
};

Fixture& Server() {
  static Fixture fixture;
  return fixture;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  halo_fuzz::SilenceLogs();
  Server();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
  Server().Exchange(std::string_view(reinterpret_cast<char const*>(data), size));
  return 0;
}
