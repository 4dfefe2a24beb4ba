#pragma once

#include "halo/halo_client.h"
#include "halo/status.h"
#include "server/failure_text.h"
#include "server/lookup_resolver.h"
#include "server/mcp_server.h"
#include "server/tool_registry.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace mcp {

struct ExecutorOptions {
  std::size_t list_text_chars = 120;  // long text in list rows
  std::size_t get_text_chars = 1000;  // long text in a single record (x2: text + structured)
  std::int64_t default_limit = 25;    // when a list tool's schema gives no default
  std::size_t bulk_chunk = 50;
};

/**
 * Executes schema-described tools through the shared HaloPSA client: arguments become path,
 * query and body values (names resolved to ids), results are projected to the fields a
 * technician needs, long text trimmed and HTML turned into text. Writes are guarded: updates
 * check that the record exists first (a POST without a valid id would create a duplicate),
 * deletes need confirm:true, and nothing that may have reached HaloPSA is retried.
 */
class ToolExecutor final : public ToolCaller {
 public:
  /// client may be null when no tenant is configured; calls then explain `unavailable`.
  ToolExecutor(std::shared_ptr<halo::HaloClient> client, halo::Status unavailable,
               nlohmann::json lookups, nlohmann::json records, ExecutorOptions options = {},
               std::shared_ptr<halo::Clock const> clock = nullptr);

  nlohmann::json Call(ToolSpec const& tool, nlohmann::json const& arguments,
                      CallScope& scope) override;

 private:
  struct Built {
    std::string path;
    halo::Query query;
    nlohmann::json body = nlohmann::json::object();
  };
  /// Partial-name matches are reported through scope.Note().
  halo::StatusOr<Built> Build(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope,
                              bool include_body = true);
  nlohmann::json Project(nlohmann::json const& record, ToolSpec const& tool,
                         nlohmann::json const& args, bool in_list, halo::CallContext const& ctx);
  std::vector<std::string> Columns(ToolSpec const& tool, nlohmann::json const& args, bool in_list);

  nlohmann::json Dispatch(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  nlohmann::json List(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  nlohmann::json Get(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  nlohmann::json Create(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  nlohmann::json Update(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  nlohmann::json BulkUpdate(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  nlohmann::json Delete(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);

  std::string Noun(ToolSpec const& tool) const;

  std::shared_ptr<halo::HaloClient> client_;
  halo::Status unavailable_;
  nlohmann::json records_;
  ExecutorOptions options_;
  std::unique_ptr<LookupResolver> resolver_;
};

}  // namespace mcp
