#include "server/stdio_transport.h"

#include "server/batch.h"
#include "server/worker_pool.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <poll.h>
#include <unistd.h>

namespace mcp {

using nlohmann::json;

StdioTransport::StdioTransport(McpServer& server, StdioOptions options, int in_fd, int out_fd)
    : server_(server), options_(options), in_fd_(in_fd), out_fd_(out_fd) {
  if (pipe(wake_pipe_) != 0) {
    wake_pipe_[0] = wake_pipe_[1] = -1;
  }
}

StdioTransport::~StdioTransport() {
  for (int fd : wake_pipe_) {
    if (fd >= 0) close(fd);
  }
}

void StdioTransport::Stop() {
  stopping_ = true;
  if (wake_pipe_[1] >= 0) {
    char c = 1;
    [[maybe_unused]] auto n = write(wake_pipe_[1], &c, 1);
  }
}

void StdioTransport::Write(json const& message) {
  if (output_broken_) return;
  WriteLine(SerializeBounded(message, options_.max_response_bytes));
}

void StdioTransport::WriteLine(std::string line) {
  if (output_broken_) return;
  line.push_back('\n');
  std::lock_guard lock(write_mu_);
  std::size_t off = 0;
  while (off < line.size()) {
    ssize_t n = write(out_fd_, line.data() + off, line.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // The client closed its end; nothing more can be delivered, so stop reading too.
      output_broken_ = true;
      Stop();
      return;
    }
    off += static_cast<std::size_t>(n);
  }
}

void StdioTransport::CancelAll() {
  std::lock_guard lock(session_.mu);
  for (auto& [id, token] : session_.in_flight) token->Cancel();
}

void StdioTransport::Run() {
  WorkerPool pool(options_.workers, options_.max_queued);
  pool_ = &pool;
  std::string buffer;
  bool discarding = false;  // inside an oversized line: skip to its end
  char chunk[65536];
  for (;;) {
    pollfd fds[2] = {{in_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    int ready = poll(fds, wake_pipe_[0] >= 0 ? 2 : 1, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (wake_pipe_[0] >= 0 && (fds[1].revents & POLLIN)) break;
    if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    ssize_t n = read(in_fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of input: the client is done
    std::size_t start = 0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
      if (chunk[i] != '\n') continue;
      if (!discarding) {
        if (buffer.size() + (i - start) > options_.max_message_bytes) {
          RefuseOversized();
        } else {
          buffer.append(chunk + start, i - start);
          HandleLine(buffer);
        }
      }
      buffer.clear();
      discarding = false;
      start = i + 1;
    }
    if (!discarding) {
      buffer.append(chunk + start, static_cast<std::size_t>(n) - start);
      if (buffer.size() > options_.max_message_bytes) {
        RefuseOversized();
        buffer.clear();
        buffer.shrink_to_fit();
        discarding = true;
      }
    }
  }
  if (!stopping_ && !buffer.empty() && !discarding) HandleLine(buffer);  // no final newline
  // At end of input the client may still read our answers (a pipe closed after the last
  // request), so running calls get a grace period; on Stop() nobody is listening any more.
  if (stopping_ || !pool.DrainFor(options_.eof_grace)) {
    CancelAll();
    pool.Drain();
  }
  pool_ = nullptr;
}

void StdioTransport::RefuseOversized() {
  Write(MakeError(nullptr, ErrorObject{kInvalidRequest,
                                       "Invalid request: message exceeds the limit of " +
                                           std::to_string(options_.max_message_bytes) +
                                           " bytes (--max-message-bytes); it was discarded",
                                       nullptr}));
}

void StdioTransport::HandleLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  if (line.find_first_not_of(" \t") == std::string_view::npos) return;
  ErrorObject parse_error;
  auto value = ParseMessage(line, &parse_error);
  if (!value) {
    Write(MakeError(nullptr, parse_error));
    return;
  }
  if (value->is_array()) {
    HandleBatch(*value);
    return;
  }
  HandleValue(*value);
}

void StdioTransport::HandleBatch(json const& batch) {
  std::string version;
  {
    std::lock_guard lock(session_.mu);
    version = session_.protocol_version;
  }
  if (auto refusal = BatchRefusal(version, batch, kMaxBatchMembers)) {
    Write(MakeError(nullptr, *refusal));
    return;
  }
  // Batches are rare and old; their members are answered together, in order, on this thread.
  // Each response is kept only as its bounded text, never the whole array as values.
  std::string line;
  mcp::HandleBatch(
      server_, session_, batch, [this](json const& n) { Write(n); },
      [this, &line](json const& response) {
        line += line.empty() ? "[" : ",";
        line += SerializeBounded(response, options_.max_response_bytes);
      });
  if (!line.empty()) WriteLine(line + "]");
}

void StdioTransport::HandleValue(json const& value) {
  Decoded d = DecodeMessage(value);
  if (d.error) {
    Write(MakeError(d.error_id, *d.error));
    return;
  }
  Message message = *std::move(d.message);
  auto send = [this](json const& n) { Write(n); };
  if (message.kind == Message::Kind::kRequest && McpServer::IsSlow(message) && pool_) {
    // Registered before queuing, so that notifications/cancelled finds a call still waiting.
    auto token = server_.Track(session_, message.id);
    if (!token) {
      Write(McpServer::DuplicateIdError(message.id));
      return;
    }
    RequestContext context{send, token, nullptr};
    bool queued = pool_->Submit([this, message, context] {
      json r = server_.Handle(session_, message, context);
      // However it ended (a call refused before it ran included), the id is free again before
      // the client can read the answer and reuse it.
      McpServer::Untrack(session_, message.id, context.cancel);
      if (!r.is_null()) Write(r);
    });
    if (!queued) {
      McpServer::Untrack(session_, message.id, token);
      Write(MakeError(
          message.id,
          ErrorObject{kInternalError, "Server busy: too many tool calls in flight; retry shortly",
                      nullptr}));
    }
    return;
  }
  json r = server_.Handle(session_, message, RequestContext{send, nullptr, nullptr});
  if (!r.is_null()) Write(r);
}

}  // namespace mcp
