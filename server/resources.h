// MCP resources: HaloPSA records as halopsa:// URIs, read through the tool executor so that a
// resource is the same compact projection, under the same budgets, as the matching get tool.
#pragma once

#include "halo/status.h"
#include "server/mcp_server.h"
#include "server/tool_registry.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp {

/// One URI template, halopsa://<collection>/{id}, served by a get tool taking "id".
struct ResourceTemplate {
  std::string collection;  // "tickets"
  std::string noun;        // "ticket"
  std::string tool;        // "halopsa_get_ticket"
  std::string description;

  std::string uri_template() const { return "halopsa://" + collection + "/{id}"; }
};

/// The templates this server knows; those whose tool is not enabled are not offered.
std::vector<ResourceTemplate> const& KnownResourceTemplates();

/// A parsed halopsa:// URI: the template it matches and the record id.
struct ResourceRef {
  ResourceTemplate const* templ = nullptr;
  std::int64_t id = 0;
};

class ResourceCatalog {
 public:
  /// A get tool's compact record, with HaloPSA's failure as a status (kNotFound for an unknown
  /// record). The executor's ToolExecutor::ReadRecord.
  using Reader = std::function<halo::StatusOr<nlohmann::json>(
      ToolSpec const& tool, nlohmann::json const& args, CallScope& scope)>;

  /// `caller` runs the list tool behind resources/list (my open tickets).
  ResourceCatalog(std::shared_ptr<ToolRegistry const> registry, Reader reader,
                  std::shared_ptr<ToolCaller> caller);

  /// Templates whose tool is enabled, in a fixed order.
  std::vector<ResourceTemplate const*> const& templates() const { return templates_; }
  /// The template and id of a URI this server serves; nullopt for anything else (another
  /// scheme, an unknown collection, a disabled one, an id that is not a positive integer).
  std::optional<ResourceRef> Parse(std::string_view uri) const;

  nlohmann::json TemplatesList() const;
  /// The acting agent's open tickets, most urgent first, at most kListedTickets; empty without
  /// an acting agent. An error result of the list tool becomes an internal error naming it.
  nlohmann::json List(CallScope& scope, std::optional<ErrorObject>& error) const;
  /// resources/read. Unknown URIs and records are "not found": -32002 in the initialize-era
  /// revisions, -32602 in 2026-07-28.
  nlohmann::json Read(std::string const& uri, CallScope& scope,
                      std::optional<ErrorObject>& error) const;

  static constexpr int kListedTickets = 50;

 private:
  std::shared_ptr<ToolRegistry const> registry_;
  Reader reader_;
  std::shared_ptr<ToolCaller> caller_;
  std::vector<ResourceTemplate const*> templates_;
};

/// Registers resources/list, resources/templates/list and resources/read, and declares the
/// resources capability (no subscriptions).
void RegisterResources(McpServer& server, std::shared_ptr<ResourceCatalog const> catalog);

}  // namespace mcp
