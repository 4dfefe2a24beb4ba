// The rules that tell the two MCP protocol eras apart, in one place for every transport: the
// initialize-based revisions (2025-11-25, 2025-06-18, 2025-03-26) keep state per session; the
// stateless 2026-07-28 revision carries its version and client capabilities in each request's
// _meta. HTTP adds header rules of its own (server/http_*); everything else is here.
#pragma once

#include "server/json_rpc.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp {

inline constexpr char kModernVersion[] = "2026-07-28";
/// The only revision whose clients may send JSON-RPC batches (arrays of messages).
inline constexpr std::string_view kBatchVersion = "2025-03-26";

inline constexpr char kMetaVersion[] = "io.modelcontextprotocol/protocolVersion";
inline constexpr char kMetaCapabilities[] = "io.modelcontextprotocol/clientCapabilities";
inline constexpr char kMetaLogLevel[] = "io.modelcontextprotocol/logLevel";
inline constexpr char kMetaServerInfo[] = "io.modelcontextprotocol/serverInfo";

std::vector<std::string> const& LegacyVersions();  // newest first
std::vector<std::string> const& ModernVersions();
bool IsLegacyVersion(std::string_view version);

/// RFC 5424 levels as MCP names them; returns -1 for an unknown name.
int LogLevelRank(std::string_view level);

/// Whether a request's _meta carries the 2026-07-28 per-request keys, which makes it modern.
bool IsModernMeta(nlohmann::json const& meta);

/// The checks every modern request's _meta must pass: protocol version present and supported
/// (-32022), client capabilities present (-32602), a known log level (-32602).
std::optional<ErrorObject> CheckModernMeta(nlohmann::json const& meta);

/// Why a batch may not be processed: it is empty, longer than `max_members`, or the session did
/// not negotiate 2025-03-26 (pass "" when there is no session). -32600; nullopt when it may be.
std::optional<ErrorObject> BatchRefusal(std::string_view protocol_version,
                                        nlohmann::json const& batch, std::size_t max_members);

/// Batches longer than this are refused whole: each member may produce a response, and a batch
/// is answered as one array.
inline constexpr std::size_t kMaxBatchMembers = 64;

}  // namespace mcp
