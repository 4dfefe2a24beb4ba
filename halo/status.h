#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace halo {

/// What went wrong, in terms a caller can act on. Kept small on purpose: each kind maps to one
/// piece of advice in the MCP layer ("check the id", "wait and retry", "check what was saved").
enum class StatusCode {
  kOk,
  kInvalidArgument,     // the request was wrong (bad field, validation failure from HaloPSA)
  kUnauthenticated,     // credentials or token rejected
  kPermissionDenied,    // authenticated, but the scope or role does not allow it
  kNotFound,            // unknown id or path
  kResourceExhausted,   // rate limited (429)
  kUnavailable,         // HaloPSA or the network failed; safe to retry reads
  kUnknownOutcome,      // a write may or may not have been applied; never retried
  kDeadlineExceeded,    // the call ran out of time
  kCancelled,           // the caller cancelled
  kFailedPrecondition,  // configuration or state makes the call impossible
  kInternal,            // a bug or an unexpected response
};

std::string_view StatusCodeName(StatusCode code);

/// Details carried beside the message. Everything is optional.
struct ErrorInfo {
  int http_status = 0;
  /// Field-keyed validation messages, e.g. {"summary": "is required"}.
  nlohmann::json fields = nlohmann::json::object();
  /// How long HaloPSA (or our limiter) says to wait before retrying.
  std::optional<std::chrono::milliseconds> retry_after;
  /// A short, actionable suggestion ("check HALOPSA_CLIENT_ID").
  std::string hint;
};

/// A success or an error with a code, a message and details. Cheap to copy when ok.
class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, ErrorInfo info = {})
      : code_(code), message_(std::move(message)), info_(std::move(info)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  std::string const& message() const { return message_; }
  ErrorInfo const& info() const { return info_; }
  ErrorInfo& info() { return info_; }

  /// "NOT_FOUND: Ticket 12 does not exist" style, for logs and tests.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  ErrorInfo info_;
};

inline Status OkStatus() { return Status(); }
inline Status InvalidArgumentError(std::string m, ErrorInfo i = {}) {
  return {StatusCode::kInvalidArgument, std::move(m), std::move(i)};
}
inline Status UnauthenticatedError(std::string m, ErrorInfo i = {}) {
  return {StatusCode::kUnauthenticated, std::move(m), std::move(i)};
}
inline Status PermissionDeniedError(std::string m, ErrorInfo i = {}) {
  return {StatusCode::kPermissionDenied, std::move(m), std::move(i)};
}
inline Status NotFoundError(std::string m, ErrorInfo i = {}) {
  return {StatusCode::kNotFound, std::move(m), std::move(i)};
}
inline Status ResourceExhaustedError(std::string m, ErrorInfo i = {}) {
  return {StatusCode::kResourceExhausted, std::move(m), std::move(i)};
}
inline Status UnavailableError(std::string m, ErrorInfo i = {}) {
  return {StatusCode::kUnavailable, std::move(m), std::move(i)};
}
inline Status UnknownOutcomeError(std::string m, ErrorInfo i = {}) {
  return {StatusCode::kUnknownOutcome, std::move(m), std::move(i)};
}
inline Status DeadlineExceededError(std::string m, ErrorInfo i = {}) {
  return {StatusCode::kDeadlineExceeded, std::move(m), std::move(i)};
}
inline Status CancelledError(std::string m, ErrorInfo i = {}) {
  return {StatusCode::kCancelled, std::move(m), std::move(i)};
}
inline Status FailedPreconditionError(std::string m, ErrorInfo i = {}) {
  return {StatusCode::kFailedPrecondition, std::move(m), std::move(i)};
}
inline Status InternalError(std::string m, ErrorInfo i = {}) {
  return {StatusCode::kInternal, std::move(m), std::move(i)};
}

/// A value or the Status explaining why there is none. Accessing the value of an error is a bug
/// (asserted), so check ok() first.
template <typename T>
class StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) {
      v_ = Status(StatusCode::kInternal, "StatusOr constructed from an OK status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  T const& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  T const& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  T const* operator->() const { return &value(); }

 private:
  std::variant<Status, T> v_;
};

}  // namespace halo
