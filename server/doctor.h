// `halo-mcp doctor`: checks a HaloPSA set-up from end to end and says, line by line, what works
// and what to change. Each check is one harmless request at most.
#pragma once

#include "halo/halo_client.h"
#include "halo/http_client.h"
#include "halo/options.h"
#include "server/mcp_server.h"
#include "server/tool_executor.h"
#include "server/tool_registry.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp {

struct DoctorLine {
  enum class Level { kOk, kWarn, kFail, kSkip };
  Level level = Level::kOk;
  std::string check;  ///< "configuration", "token", "toolset tickets", ...
  std::string text;   ///< what was found, or what is wrong and how to fix it
};

struct DoctorReport {
  std::vector<DoctorLine> lines;
  /// Everything needed works: no line failed (warnings and skipped checks do not count).
  bool ok() const;
  /// One line per check ("ok    token: ..."), then a verdict line.
  std::string Render() const;
};

/// What the doctor examines; everything is built exactly as the server builds it.
struct DoctorInputs {
  halo::HaloOptions options;
  std::shared_ptr<halo::HaloClient> client;
  /// For the anonymous reachability probe, whose answer also carries HaloPSA's clock.
  std::shared_ptr<halo::HttpClient> http;
  std::shared_ptr<ToolRegistry const> registry;
  std::shared_ptr<ToolExecutor> executor;
  std::shared_ptr<Principal const> principal;
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
};

DoctorReport RunDoctor(DoctorInputs const& in);

/// The report for settings that did not even load (no request is made).
DoctorReport ConfigurationFailure(std::string const& message);

/// An HTTP Date header (IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"); nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> ParseHttpDate(std::string_view text);

/// The clock line: how far HaloPSA's Date header is from `ours`.
DoctorLine ClockLine(std::string const& date_header, std::chrono::system_clock::time_point ours);

}  // namespace mcp
