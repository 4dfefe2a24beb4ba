// An in-memory HaloClient for the fuzz targets: the real tool registry and executor run on top
// of it, so fuzzed tool calls reach argument handling, name lookups, projection and rendering
// without any network.
#pragma once

#include "halo/halo_client.h"
#include "server/mcp_server.h"
#include "server/tool_registry.h"

#include <memory>

namespace halo_fuzz {

/// Answers every call from a few fixed records. Ids whose last three digits are 404 are unknown
/// (kNotFound), and writes to paths containing "Outcome" fail as an ambiguous write would
/// (kUnknownOutcome), so error paths are reachable too.
class CannedHaloClient final : public halo::HaloClient {
 public:
  halo::StatusOr<nlohmann::json> Get(std::string const& path, halo::Query const& query,
                                     halo::CallContext const& ctx) override;
  halo::StatusOr<nlohmann::json> Post(std::string const& path, nlohmann::json const& body,
                                      halo::CallContext const& ctx,
                                      halo::Idempotency idempotency) override;
  halo::StatusOr<nlohmann::json> Delete(std::string const& path, halo::Query const& query,
                                        halo::CallContext const& ctx,
                                        halo::Idempotency idempotency) override;
  halo::StatusOr<halo::ListResult> List(halo::ListRequest const& request,
                                        halo::CallContext const& ctx) override;
  std::vector<halo::BatchItemResult> PostBatch(std::string const& path,
                                               std::vector<nlohmann::json> const& items,
                                               std::size_t chunk_size, halo::CallContext const& ctx,
                                               halo::Idempotency idempotency) override;
  std::vector<halo::StatusOr<nlohmann::json>> GetMany(std::vector<std::string> const& paths,
                                                      halo::Query const& query,
                                                      halo::CallContext const& ctx) override;
  halo::ClientStats stats() const override { return {}; }
  halo::HaloOptions const& options() const override { return options_; }

 private:
  halo::HaloOptions options_;
};

/// The tools of schemas/ (every toolset, writes included), loaded once per process.
std::shared_ptr<mcp::ToolRegistry const> SharedRegistry();

/// A server as main.cc builds it, with a fresh executor over a CannedHaloClient, so lookups
/// cached by one input do not change how the next one runs.
std::unique_ptr<mcp::McpServer> MakeServer();

/// Sends every log line through the formatting code at trace level, into a sink that drops it.
void SilenceLogs();

}  // namespace halo_fuzz
