#pragma once

// The audit trail of writes: one JSON line per write tool call (create, update, delete, note,
// time, bulk), whether it succeeded or not, written before the call is answered. Argument
// values are kept out (only a digest) unless the operator asks for bodies.

#include "server/mcp_server.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace mcp {

/// Where audit lines go. Thread-safe; a line is handed to the kernel before Write returns, so
/// a drained shutdown loses none.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual void Write(std::string_view line) = 0;
};

/// Appends to a file, rotating it by size: FILE -> FILE.1 -> ... -> FILE.<keep>.
class FileAuditSink final : public AuditSink {
 public:
  /// Opens (creates, mode 0600) the file; nullptr and `error` set when it cannot.
  static std::shared_ptr<FileAuditSink> Open(std::string path, std::size_t max_bytes,
                                             std::size_t keep, std::string& error);
  ~FileAuditSink() override;
  void Write(std::string_view line) override;

 private:
  FileAuditSink(std::string path, std::size_t max_bytes, std::size_t keep);
  bool Reopen();
  void RotateLocked();

  std::string const path_;
  std::size_t const max_bytes_;
  std::size_t const keep_;
  std::mutex mu_;
  int fd_ = -1;
  std::size_t size_ = 0;
};

/// Writes to stderr (each line in one write).
class StderrAuditSink final : public AuditSink {
 public:
  void Write(std::string_view line) override;
};

/// ok, failed, unknown (HaloPSA may or may not have saved it), partial (a bulk change that
/// saved some records) or preview (nothing was sent: a confirm was missing).
std::string AuditOutcome(nlohmann::json const& result);

/// HaloPSA record ids a write named or created, from its arguments and its result.
nlohmann::json RecordIdsTouched(ToolSpec const& tool, nlohmann::json const& arguments,
                                nlohmann::json const& result);

/// One audit line's content.
nlohmann::json AuditRecord(ToolSpec const& tool, nlohmann::json const& arguments,
                           Principal const& principal, nlohmann::json const& result,
                           std::chrono::system_clock::time_point when, bool include_bodies);

/**
 * The ToolCaller decorator that audits writes: the inner caller runs, then the line is written,
 * then the result is returned. A call that throws is audited as failed before the exception
 * goes on. Reads pass through untouched.
 */
class AuditingCaller final : public ToolCaller {
 public:
  using Now = std::function<std::chrono::system_clock::time_point()>;
  AuditingCaller(std::shared_ptr<ToolCaller> inner, std::shared_ptr<AuditSink> sink,
                 bool include_bodies, Now now = nullptr);
  nlohmann::json Call(ToolSpec const& tool, nlohmann::json const& arguments,
                      CallScope& scope) override;

 private:
  std::shared_ptr<ToolCaller> inner_;
  std::shared_ptr<AuditSink> sink_;
  bool include_bodies_;
  Now now_;
};

}  // namespace mcp
