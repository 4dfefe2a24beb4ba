#include "server/http_exchange.h"

#include "server/json_rpc.h"

#include <spdlog/spdlog.h>

namespace mcp {

using nlohmann::json;

namespace {

constexpr std::string_view kSseKeepAlive = ": keep-alive\n\n";
// Whitespace between array members is valid JSON, and tells us when the client has gone.
constexpr std::string_view kArrayKeepAlive = "\n";

HttpReply StreamHead(std::string content_type) {
  HttpReply head;
  head.content_type = std::move(content_type);
  if (head.content_type == "text/event-stream") {
    head.headers = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
  }
  return head;
}

}  // namespace

int ReplyStatus(json const& response, bool modern) {
  if (!modern || !response.is_object() || !response.contains("error")) return 200;
  json const& error = response["error"];
  int code = error.is_object() ? error.value("code", 0) : 0;
  if (code == kMethodNotFound) return 404;
  if (code == kHeaderMismatch || code == kMissingRequiredClientCapability ||
      code == kUnsupportedProtocolVersion) {
    return 400;
  }
  return 200;
}

Exchange::Exchange(Kind kind, Options options) : kind_(kind), options_(options) {}

bool Exchange::Notify(json const& message) {
  std::string text = Serialize(message);
  if (text.size() > options_.max_response_bytes) {
    spdlog::warn("http: dropped a {}-byte notification, over the {}-byte limit", text.size(),
                 options_.max_response_bytes);
    return false;
  }
  {
    std::unique_lock lock(mu_);
    if (mode_ == Mode::kArray || mode_ == Mode::kDone) return false;
    if (!Queue(lock, Frame{false, std::move(text)})) return false;
  }
  Wake();
  return true;
}

void Exchange::Respond(json const& response, int status) {
  std::string text =
      response.is_null() ? std::string() : SerializeBounded(response, options_.max_response_bytes);
  {
    std::unique_lock lock(mu_);
    if (kind_ == Kind::kRequest) finished_ = true;
    if (status != 0) status_ = status;
    if (!text.empty()) {
      if (kind_ == Kind::kRequest && status_ == 0) status_ = ReplyStatus(response, options_.modern);
      Queue(lock, Frame{true, std::move(text)});
    }
  }
  Wake();
}

void Exchange::Finish() {
  {
    std::lock_guard lock(mu_);
    finished_ = true;
  }
  Wake();
}

void Exchange::AddCancel(std::shared_ptr<halo::CancelToken> token) {
  std::lock_guard lock(mu_);
  cancels_.push_back(std::move(token));
}

void Exchange::CancelWork() {
  std::lock_guard lock(mu_);
  for (auto const& token : cancels_) token->Cancel();
}

void Exchange::SetWaker(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  wake_ = std::move(wake);
}

void Exchange::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    wake_ = nullptr;
    queue_.clear();
    pending_bytes_ = 0;
  }
  room_.notify_all();
}

bool Exchange::Queue(std::unique_lock<std::mutex>& lock, Frame frame) {
  // One frame larger than the allowance still goes through, alone.
  room_.wait(lock, [&] {
    return closed_ || pending_bytes_ == 0 ||
           pending_bytes_ + frame.json.size() <= options_.max_pending_bytes;
  });
  if (closed_) return false;
  pending_bytes_ += frame.json.size();
  queue_.push_back(std::move(frame));
  return true;
}

void Exchange::Wake() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    wake = wake_;
  }
  if (wake) wake();
}

std::chrono::milliseconds Exchange::wait_time() const {
  std::lock_guard lock(mu_);
  return mode_ == Mode::kOpen && kind_ != Kind::kStream ? options_.sse_after : options_.keepalive;
}

Exchange::Step Exchange::Next(bool waited) {
  Step step;
  std::unique_lock lock(mu_);
  if (mode_ == Mode::kDone) {
    step.kind = Step::Kind::kEnd;
    return step;
  }
  if (mode_ == Mode::kOpen) {
    bool const busy = status_ >= 500;
    if (kind_ == Kind::kStream || (!queue_.empty() && !queue_.front().response) ||
        (queue_.empty() && waited && !finished_)) {
      mode_ = Mode::kSse;
      step.kind = Step::Kind::kStart;
      step.reply = StreamHead("text/event-stream");
      return step;
    }
    if (queue_.empty()) {
      if (!finished_) return step;  // kWait
      mode_ = Mode::kDone;          // nothing is due (notifications only, or cancelled)
      step.kind = Step::Kind::kReply;
      step.reply.status = 202;
      return step;
    }
    if (kind_ == Kind::kRequest || busy) {
      mode_ = Mode::kDone;
      step.kind = Step::Kind::kReply;
      step.reply.status = status_ == 0 ? 200 : status_;
      step.reply.content_type = "application/json";
      step.reply.body = std::move(queue_.front().json);
      if (busy) step.reply.headers = {{"Retry-After", "1"}};
      queue_.clear();
      pending_bytes_ = 0;
      lock.unlock();
      room_.notify_all();
      return step;
    }
    mode_ = Mode::kArray;  // a batch whose first output is a response
    step.kind = Step::Kind::kStart;
    step.reply = StreamHead("application/json");
    return step;
  }
  if (!queue_.empty()) {
    step = TakeQueued();
    lock.unlock();
    room_.notify_all();
    if (!step.data.empty()) return step;
    lock.lock();
  }
  if (queue_.empty() && finished_) {
    bool const close_array = mode_ == Mode::kArray;
    mode_ = Mode::kDone;
    if (close_array) {
      step.kind = Step::Kind::kWrite;
      step.data = array_started_ ? "]" : "[]";
      return step;
    }
    step.kind = Step::Kind::kEnd;
    return step;
  }
  if (waited) {
    step.kind = Step::Kind::kWrite;
    step.data = mode_ == Mode::kArray ? kArrayKeepAlive : kSseKeepAlive;
    return step;
  }
  step.kind = Step::Kind::kWait;
  return step;
}

Exchange::Step Exchange::TakeQueued() {
  Step step;
  step.kind = Step::Kind::kWrite;
  for (auto& frame : queue_) {
    if (mode_ == Mode::kArray) {
      if (!frame.response) continue;  // nowhere to put a notification in a JSON array
      step.data += array_started_ ? "," : "[";
      array_started_ = true;
      step.data += frame.json;
    } else {
      step.data += "event: message\ndata: ";
      step.data += frame.json;
      step.data += "\n\n";
    }
  }
  queue_.clear();
  pending_bytes_ = 0;
  return step;
}

}  // namespace mcp
