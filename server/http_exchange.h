#pragma once

// The response side of one POST (a request or a batch) or of a session's standalone GET stream:
// the method layer pushes notifications and responses into it from a worker thread, and the
// connection asks it what to write next. It decides the shape of the answer (one JSON reply, a
// JSON array streamed member by member, an SSE stream, or 202) from what comes first, and keeps
// at most `max_pending_bytes` queued: a producer that gets ahead of the client waits.

#include "halo/clock.h"
#include "server/http_message.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mcp {

/// The HTTP status of a JSON reply: 2026-07-28 maps some JSON-RPC errors onto HTTP ones.
int ReplyStatus(nlohmann::json const& response, bool modern);

class Exchange {
 public:
  enum class Kind {
    kRequest,  // one request: JSON when the response comes first, else SSE
    kBatch,    // a 2025-03-26 batch: a JSON array streamed as members finish, else SSE
    kStream,   // a standalone GET stream: SSE until the session ends
  };
  struct Options {
    bool modern = false;
    std::size_t max_response_bytes = 2 * 1024 * 1024;
    /// Output queued ahead of the client; one frame larger than this still goes, alone.
    std::size_t max_pending_bytes = 64 * 1024;
    std::chrono::milliseconds sse_after{1000};  // no answer by then: switch to SSE
    std::chrono::milliseconds keepalive{2000};  // comment lines on a quiet stream
  };

  Exchange(Kind kind, Options options);
  Exchange(Exchange const&) = delete;
  Exchange& operator=(Exchange const&) = delete;

  // ---- producer side (any thread) ----

  /// A notification or a request to the client. Returns false when it cannot be delivered: the
  /// answer is going out as JSON, the client has gone, or it is larger than a response may be.
  bool Notify(nlohmann::json const& message);
  /// The response to the request (null json: none is due), or one member's response in a batch.
  /// A non-zero `status` is used when the reply is still a plain JSON one (503 for busy).
  void Respond(nlohmann::json const& response, int status = 0);
  /// No more output: ends a batch or a stream (a request ends with its Respond).
  void Finish();

  /// Cancellation of the work behind the exchange (the request's token, a batch's members).
  void AddCancel(std::shared_ptr<halo::CancelToken> token);
  /// The client went away, or the server stops waiting: the work is no longer wanted.
  void CancelWork();

  // ---- consumer side (the connection) ----

  /// Called (from any thread) whenever there may be something new to write.
  void SetWaker(std::function<void()> wake);

  struct Step {
    enum class Kind {
      kWait,   // nothing yet: wait for the waker or for wait_time()
      kReply,  // write `reply` in full; the exchange is over
      kStart,  // write the head of a streamed body (`reply` without body)
      kWrite,  // write `data` as part of the streamed body
      kEnd,    // end the streamed body; the exchange is over
    };
    Kind kind = Kind::kWait;
    HttpReply reply;
    std::string data;
  };
  /// What to write next; `waited` says the last wait ran for the whole of wait_time().
  Step Next(bool waited);
  /// How long to wait before calling Next again without a wake-up.
  std::chrono::milliseconds wait_time() const;
  /// The connection is gone: output is dropped from now on, and waiting producers return.
  void Close();

  Kind kind() const { return kind_; }

 private:
  struct Frame {
    bool response;
    std::string json;
  };
  enum class Mode { kOpen, kArray, kSse, kDone };

  /// Queues a frame once there is room; false when the consumer has gone.
  bool Queue(std::unique_lock<std::mutex>& lock, Frame frame);
  void Wake();
  Step TakeQueued();

  Kind const kind_;
  Options const options_;
  mutable std::mutex mu_;
  std::condition_variable room_;
  std::deque<Frame> queue_;
  std::size_t pending_bytes_ = 0;
  Mode mode_ = Mode::kOpen;
  bool finished_ = false;  // the producer has no more to say
  bool closed_ = false;    // the consumer has gone
  bool array_started_ = false;
  int status_ = 0;
  std::function<void()> wake_;
  std::vector<std::shared_ptr<halo::CancelToken>> cancels_;
};

}  // namespace mcp
