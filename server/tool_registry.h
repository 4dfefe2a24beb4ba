#pragma once

#include "halo/retry_policy.h"
#include "halo/status.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mcp {

/// How an argument's value is changed on its way to HaloPSA.
enum class Transform {
  kNone,
  kMinutesToHours,  ///< HaloPSA's timetaken is in hours
  kNot,             ///< a positive flag for a negative field (visible_to_user -> hiddenfromuser)
  kDateStart,       ///< YYYY-MM-DD -> the first second of that day
  kDateEnd,         ///< YYYY-MM-DD -> the last second of that day
  kBoolToInt,       ///< a flag for a numeric field (billable -> charge_rate 1 / 0)
  kIdList,          ///< an id for a field that takes records (related -> [{"id": 5}])
};

/// How one tool argument reaches HaloPSA. Arguments without a binding are either control
/// arguments the executor understands (limit, cursor, fields, detail, confirm, full_text), named
/// in `unbound`, or rejected when the schema file is loaded.
struct ParamBinding {
  std::string arg;      // argument name in inputSchema
  std::string in;       // "query" | "path" | "body"
  std::string name;     // HaloPSA's parameter or field name (defaults to arg)
  std::string resolve;  // lookup kind for names -> ids ("client", "status", ...), or ""
  Transform transform = Transform::kNone;
  nlohmann::json also;  // extra query/body values sent whenever this argument is present
  /// Send the resolved record's name instead of its id (a ticket's team is a name).
  bool send_name = false;
  /// The tool's words for HaloPSA's values ({"priority": "priority_id"}); others pass as given.
  nlohmann::json values;
};

/// A body field filled from the tenant when its argument is not given, e.g. the tenant's own
/// private-note outcome: never a hard-coded id.
struct DefaultBinding {
  std::string arg;                 // the argument it stands in for
  std::string field;               // HaloPSA's field
  std::string resolve;             // lookup kind
  std::vector<std::string> names;  // the first of these that exists is used
};

/// The HaloPSA side of a tool: never sent to MCP clients. Parsed and checked once at load.
struct HaloBinding {
  std::string method;    // GET | POST | DELETE
  std::string path;      // relative to /api, "{arg}" placeholders
  std::string kind;      // list | get | create | update | bulk_update | delete | action | whoami
  std::string list_key;  // wrapped list key; "" for bare arrays
  bool paginate = true;
  std::string record;  // record profile (projection and text trimming), e.g. "ticket"
  std::vector<ParamBinding> params;
  nlohmann::json fixed_query = nlohmann::json::object();
  nlohmann::json fixed_body = nlohmann::json::object();
  /// Whether HaloPSA may be asked again after a failure that left the outcome unknown. Taken
  /// from the tool's idempotentHint, which the registry requires to be explicit: an update sets
  /// the same fields again, a create or a note would be made twice.
  halo::Idempotency idempotency = halo::Idempotency::kIdempotent;
  /// Groups of arguments of which at most one may be given.
  std::vector<std::vector<std::string>> exclusive;
  std::vector<DefaultBinding> defaults;
  /// Updates: the body field that names the record; where to check that it exists first (a
  /// POST with an unknown id would create a record) and which arguments go into that query.
  std::string id_field = "id";
  std::string get_path;
  std::vector<std::string> get_query;
  /// This tool's own projection, instead of the record profile's.
  std::vector<std::string> fields;
  /// Arguments the executor consumes itself (e.g. a bulk update's id list).
  std::vector<std::string> unbound;
  /// Bulk updates: one list call that tells which of many ids exist (e.g. /Tickets with
  /// ticketids=1,2,3), instead of one GET per id; empty path = GET get_path per id.
  struct ExistenceCheck {
    std::string path;
    std::string param;
    std::string list_key;
  } exists;
  /// A field of a related record that this write may change as a side effect (an action's
  /// outcome can change its ticket's status). Read before and after, and reported in words.
  struct SideEffect {
    std::string path;     // "/Tickets/{ticket_id}"
    std::string field;    // "status_id"
    std::string resolve;  // lookup kind for the words, "status"
    std::string label;    // "status"
  } side_effect;
  /// The body field that names who did the work (an action's actionby_agent_id), filled with
  /// the acting agent's id when one is set; "" = none.
  std::string acting_agent_field;
  /// The body field that says where a new record came from (a ticket's source), filled with
  /// the tenant's source id for this integration when one is configured; "" = none.
  std::string source_field;
};

struct ToolSpec {
  std::string name;
  std::string title;
  std::string description;
  std::string toolset;
  nlohmann::json annotations;
  nlohmann::json input_schema;
  nlohmann::json output_schema;  // null when the result is unstructured
  HaloBinding halo;
  std::string file;  // where it was loaded from, for error messages
  /// A tool about the server's own tool list (halopsa_enable_toolset), from a meta toolset.
  bool meta = false;
  /// Why the filter hides it, for refusals: what the server's owner would change. "" = shown.
  std::string hidden_because;

  bool read_only() const;
  ParamBinding const* FindParam(std::string_view arg) const;
  /// The MCP Tool object sent in tools/list.
  nlohmann::json Definition() const;
};

struct Toolset {
  std::string id;
  std::string description;
  bool default_enabled = false;
  /// Tools about the tool list itself: never part of "all" or "default", exposed only by the
  /// setting that needs them (--dynamic-toolsets).
  bool meta = false;
};

/// Which tools a server exposes. Exclusions win over everything; read-only removes writes even
/// when they are named explicitly.
struct ToolFilter {
  std::vector<std::string> toolsets;  // ids, or "all" / "default"; empty = default
  std::vector<std::string> tools;     // added on top of the toolsets
  std::vector<std::string> exclude;
  bool read_only = false;
  /// --dynamic-toolsets: the other toolsets' tools (within exclude and read_only) stay loaded
  /// so that a session can enable them, and the meta toolset's tool is exposed.
  bool dynamic_toolsets = false;
};

/// Control arguments the executor interprets itself; they need no HaloPSA binding.
bool IsControlArgument(std::string_view name);

/**
 * The tools loaded from schemas/, validated once at start-up and immutable afterwards, so it is
 * safe to share across threads without locking.
 */
class ToolRegistry {
 public:
  /// Loads <dir>/toolsets.json, <dir>/lookups.json and every <dir>/<toolset>/*.json. Any bad
  /// file stops loading with a message naming the file and the problem.
  static halo::StatusOr<ToolRegistry> Load(std::filesystem::path const& dir,
                                           ToolFilter const& filter);
  /// Builds from in-memory definitions (tests, the conformance fixture); `tools` is consumed.
  static halo::StatusOr<ToolRegistry> FromJson(nlohmann::json const& toolsets,
                                               std::vector<nlohmann::json> tools,
                                               ToolFilter const& filter,
                                               nlohmann::json lookups = nlohmann::json::object(),
                                               nlohmann::json records = nlohmann::json::object());

  /// An exposed tool, or nullptr.
  ToolSpec const* Find(std::string_view name) const;
  /// A tool that exists but is hidden by the filter (to explain a refusal), or nullptr. Only
  /// its name, title, toolset and annotations are kept, except for tools on demand.
  ToolSpec const* FindHidden(std::string_view name) const;
  /// A tool a session may enable (--dynamic-toolsets), in full, or nullptr.
  ToolSpec const* FindOnDemand(std::string_view name) const;
  std::vector<ToolSpec> const& tools() const { return tools_; }  // sorted by name
  /// Tools outside the start set that sessions may enable, sorted by name; empty without
  /// --dynamic-toolsets.
  std::vector<ToolSpec> const& on_demand() const { return on_demand_; }
  bool dynamic() const { return dynamic_; }
  /// Tools loaded but filtered out (names, toolsets and annotations only).
  std::vector<ToolSpec> const& hidden() const { return hidden_; }
  Toolset const* FindToolset(std::string_view id) const;
  std::vector<Toolset> const& toolsets() const { return toolsets_; }
  nlohmann::json const& lookups() const { return lookups_; }
  /// Record profiles (default fields, computed names, text fields) from records.json.
  nlohmann::json const& records() const { return records_; }

  /// One page of tools/list; cursor is opaque to clients. nullopt = invalid cursor. `visible`,
  /// when set, hides tools from this caller (a client token's policy); `enabled` adds the tools
  /// on demand of these toolsets (the caller's session enabled them).
  std::optional<nlohmann::json> ListPage(
      std::string const& cursor, std::size_t page_size,
      std::function<bool(ToolSpec const&)> const& visible = nullptr,
      std::set<std::string> const& enabled = {}) const;

 private:
  std::vector<ToolSpec> tools_;   // exposed
  std::vector<ToolSpec> hidden_;  // loaded but filtered out
  std::vector<ToolSpec> on_demand_;
  bool dynamic_ = false;

  /// Appends the toolsets a session may enable to the meta tool's `toolset` argument.
  void DescribeOnDemandToolsets();
  std::vector<Toolset> toolsets_;
  nlohmann::json lookups_ = nlohmann::json::object();
  nlohmann::json records_ = nlohmann::json::object();
};

/// A JSON file read and parsed with the server's limits; errors name the file.
halo::StatusOr<nlohmann::json> ReadJsonFile(std::filesystem::path const& p);

/// Parses and checks one tool definition against the registry's rules.
halo::StatusOr<ToolSpec> ParseToolSpec(nlohmann::json const& def,
                                       std::set<std::string> const& toolsets,
                                       std::string const& file);

/// The directory holding the schema files: the flag if given, else next to the installed binary
/// (<prefix>/share/halo-mcp/schemas), else the source tree for a binary in the build tree.
std::filesystem::path FindSchemaDir(std::string const& flag, std::filesystem::path const& exe);

}  // namespace mcp
