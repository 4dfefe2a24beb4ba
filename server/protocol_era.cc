#include "server/protocol_era.h"

#include <algorithm>
#include <array>

namespace mcp {

using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 8> kLevels = {"debug", "info",     "notice", "warning",
                                                     "error", "critical", "alert",  "emergency"};

ErrorObject Err(int code, std::string message, json data = nullptr) {
  return ErrorObject{code, std::move(message), std::move(data)};
}

}  // namespace

std::vector<std::string> const& LegacyVersions() {
  static std::vector<std::string> const v{"2025-11-25", "2025-06-18", "2025-03-26"};
  return v;
}

std::vector<std::string> const& ModernVersions() {
  static std::vector<std::string> const v{kModernVersion};
  return v;
}

bool IsLegacyVersion(std::string_view version) {
  auto const& v = LegacyVersions();
  return std::find(v.begin(), v.end(), version) != v.end();
}

int LogLevelRank(std::string_view level) {
  for (std::size_t i = 0; i < kLevels.size(); ++i) {
    if (kLevels[i] == level) return static_cast<int>(i);
  }
  return -1;
}

bool IsModernMeta(json const& meta) {
  if (!meta.is_object()) return false;
  return meta.contains(kMetaVersion) || meta.contains(kMetaCapabilities);
}

std::optional<ErrorObject> CheckModernMeta(json const& meta) {
  if (!meta.is_object()) {
    return Err(kInvalidParams, std::string("Invalid params: params._meta must carry \"") +
                                   kMetaVersion + "\" and \"" + kMetaCapabilities + "\"");
  }
  auto version = meta.find(kMetaVersion);
  if (version == meta.end() || !version->is_string()) {
    return Err(kInvalidParams, std::string("Invalid params: _meta must carry \"") + kMetaVersion +
                                   "\" (a protocol version string)");
  }
  auto const& modern_versions = ModernVersions();
  if (std::find(modern_versions.begin(), modern_versions.end(), *version) ==
      modern_versions.end()) {
    return Err(kUnsupportedProtocolVersion,
               "Unsupported protocol version " + version->dump() +
                   "; this server supports 2026-07-28 per request, or 2025-11-25, 2025-06-18 "
                   "and 2025-03-26 through initialize",
               json{{"supported", modern_versions}, {"requested", *version}});
  }
  auto caps = meta.find(kMetaCapabilities);
  if (caps == meta.end() || !caps->is_object()) {
    return Err(kInvalidParams, std::string("Invalid params: _meta must carry \"") +
                                   kMetaCapabilities + "\" (an object, {} for none)");
  }
  if (auto level = meta.find(kMetaLogLevel); level != meta.end()) {
    if (!level->is_string() || LogLevelRank(level->get<std::string>()) < 0) {
      return Err(kInvalidParams, "Invalid params: unknown log level " + level->dump() +
                                     "; use debug, info, notice, warning, error, critical, "
                                     "alert or emergency");
    }
  }
  return std::nullopt;
}

std::optional<ErrorObject> BatchRefusal(std::string_view protocol_version, json const& batch,
                                        std::size_t max_members) {
  if (batch.empty()) return Err(kInvalidRequest, "Invalid request: empty batch");
  if (protocol_version != kBatchVersion) {
    return Err(kInvalidRequest,
               "Invalid request: JSON-RPC batches are only accepted under protocol version "
               "2025-03-26");
  }
  if (batch.size() > max_members) {
    return Err(kInvalidRequest, "Invalid request: a batch may hold at most " +
                                    std::to_string(max_members) + " messages, this one holds " +
                                    std::to_string(batch.size()) + "; send fewer at a time");
  }
  return std::nullopt;
}

}  // namespace mcp
