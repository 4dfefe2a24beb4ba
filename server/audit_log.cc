#include "server/audit_log.h"

#include "halo/text.h"
#include "server/digest.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mcp {

using nlohmann::json;

namespace {

/// write(2) until done; false on a real error.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string UtcTimestamp(std::chrono::system_clock::time_point when) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

void AddId(json& ids, json const& v) {
  if (!v.is_number_integer() && !(v.is_string() && !v.get<std::string>().empty())) return;
  for (auto const& have : ids) {
    if (have == v) return;
  }
  ids.push_back(v);
}

std::string ResultText(json const& result) {
  std::string text;
  for (auto const& c : result.value("content", json::array())) {
    if (c.is_object() && c.value("type", "") == "text") text += c.value("text", "");
  }
  return text;
}

}  // namespace

FileAuditSink::FileAuditSink(std::string path, std::size_t max_bytes, std::size_t keep)
    : path_(std::move(path)), max_bytes_(max_bytes), keep_(std::max<std::size_t>(keep, 1)) {}

std::shared_ptr<FileAuditSink> FileAuditSink::Open(std::string path, std::size_t max_bytes,
                                                   std::size_t keep, std::string& error) {
  std::shared_ptr<FileAuditSink> sink(new FileAuditSink(std::move(path), max_bytes, keep));
  if (!sink->Reopen()) {
    error = "cannot open the audit log " + sink->path_ + ": " + std::strerror(errno);
    return nullptr;
  }
  return sink;
}

FileAuditSink::~FileAuditSink() {
  if (fd_ >= 0) ::close(fd_);
}

bool FileAuditSink::Reopen() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) return false;
  struct stat st {};
  size_ = ::fstat(fd_, &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
  return true;
}

void FileAuditSink::RotateLocked() {
  for (std::size_t k = keep_; k >= 2; --k) {
    std::string from = path_ + "." + std::to_string(k - 1), to = path_ + "." + std::to_string(k);
    std::rename(from.c_str(), to.c_str());  // a missing older file is fine
  }
  std::rename(path_.c_str(), (path_ + ".1").c_str());
  if (!Reopen()) spdlog::error("audit: cannot reopen {} after rotation", path_);
}

void FileAuditSink::Write(std::string_view line) {
  std::string data(line);
  data.push_back('\n');
  std::lock_guard lock(mu_);
  if (size_ > 0 && size_ + data.size() > max_bytes_) RotateLocked();
  if (fd_ < 0 && !Reopen()) {
    spdlog::error("audit: {} is not writable; a write went unaudited: {}", path_, line);
    return;
  }
  if (!WriteAll(fd_, data)) {
    spdlog::error("audit: writing {} failed ({}); the line was: {}", path_, std::strerror(errno),
                  line);
    return;
  }
  size_ += data.size();
}

void StderrAuditSink::Write(std::string_view line) {
  std::string data = "audit " + std::string(line) + "\n";
  static std::mutex mu;
  std::lock_guard lock(mu);
  WriteAll(STDERR_FILENO, data);
}

std::string AuditOutcome(json const& result) {
  std::string const text = ResultText(result);
  bool const error = result.value("isError", false);
  if (text.find("OUTCOME UNKNOWN") != std::string::npos) return "unknown";
  if (error) return "failed";
  if (text.rfind("Would ", 0) == 0) return "preview";
  json const& s = result.value("structuredContent", json::object());
  if (s.is_object() && s.value("failed", 0) > 0) return "partial";
  return "ok";
}

json RecordIdsTouched(ToolSpec const& tool, json const& arguments, json const& result) {
  json ids = json::array();
  for (auto const& p : tool.halo.params) {
    if (p.in == "path" && arguments.contains(p.arg)) AddId(ids, arguments[p.arg]);
  }
  if (auto it = arguments.find(tool.halo.id_field); it != arguments.end()) AddId(ids, *it);
  if (auto it = arguments.find("ids"); it != arguments.end() && it->is_array()) {
    for (auto const& v : *it) AddId(ids, v);
  }
  if (result.is_object()) {
    json const& s = result.value("structuredContent", json::object());
    if (s.is_object() && s.contains("id")) AddId(ids, s["id"]);
  }
  return ids;
}

json AuditRecord(ToolSpec const& tool, json const& arguments, Principal const& principal,
                 json const& result, std::chrono::system_clock::time_point when,
                 bool include_bodies) {
  json line{{"time", UtcTimestamp(when)},
            {"agent", principal.agent},
            {"client", principal.name},
            {"tool", tool.name},
            {"ids", RecordIdsTouched(tool, arguments, result)},
            {"outcome", AuditOutcome(result)},
            // Keys are sorted, so equal arguments give equal digests.
            {"args_sha256", Hex(Sha256(arguments.dump()))}};
  json fields = json::array();
  for (auto const& [k, v] : arguments.items()) fields.push_back(k);
  line["fields"] = std::move(fields);
  if (include_bodies) line["arguments"] = arguments;
  return line;
}

AuditingCaller::AuditingCaller(std::shared_ptr<ToolCaller> inner, std::shared_ptr<AuditSink> sink,
                               bool include_bodies, Now now)
    : inner_(std::move(inner)),
      sink_(std::move(sink)),
      include_bodies_(include_bodies),
      now_(now ? std::move(now) : [] { return std::chrono::system_clock::now(); }) {}

namespace {

// A generic api_call is a write only when its method is not GET; its reads are not audited.
bool IsRead(ToolSpec const& tool, json const& arguments) {
  if (tool.read_only()) return true;
  if (tool.halo.kind != "api_call") return false;
  auto const method = arguments.find("method");
  return method != arguments.end() && method->is_string() &&
         halo::EqualsIgnoreCase(method->get_ref<std::string const&>(), "GET");
}

}  // namespace

json AuditingCaller::Call(ToolSpec const& tool, json const& arguments, CallScope& scope) {
  if (IsRead(tool, arguments)) return inner_->Call(tool, arguments, scope);
  json result;
  try {
    result = inner_->Call(tool, arguments, scope);
  } catch (...) {
    json failed = ToolErrorResult("the call ended with an exception");
    sink_->Write(AuditRecord(tool, arguments, scope.principal(), failed, now_(), include_bodies_)
                     .dump(-1, ' ', false, json::error_handler_t::replace));
    throw;
  }
  sink_->Write(AuditRecord(tool, arguments, scope.principal(), result, now_(), include_bodies_)
                   .dump(-1, ' ', false, json::error_handler_t::replace));
  return result;
}

}  // namespace mcp
