// The search kind: HaloPSA's one search across tickets, clients, users, assets and KB, shown
// as a small table per kind of record.
#include "server/json_util.h"
#include "server/output_format.h"
#include "server/tool_executor.h"

namespace mcp {

using nlohmann::json;

json ToolExecutor::Search(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  auto built = Build(tool, args, scope, /*include_body=*/false);
  if (!built.ok()) return ToolErrorResult(DescribeFailure(built.status(), "searching"));
  auto body = client_->Get(built->path, built->query, ctx);
  if (!body.ok()) return ToolErrorResult(DescribeFailure(body.status(), "searching"));
  if (!body->is_object()) return ToolErrorResult("HaloPSA's search answered in an unknown shape.");
  // Each kind HaloPSA returns is an array of short rows; kinds the token may not read are absent.
  json results = json::object();
  std::string text;
  std::size_t shown = 0;
  TableOptions table;
  table.separator = "|";
  for (auto const& [kind, rows] : body->items()) {
    if (!rows.is_array()) continue;
    results[kind] = rows;
    if (rows.empty() || !rows[0].is_object()) continue;
    shown += rows.size();
    std::vector<std::string> columns{"id"};
    for (auto const& [field, value] : rows[0].items()) {
      if (field != "id") columns.push_back(field);
    }
    text += kind + ":\n" + RenderTable(rows, columns, table);
  }
  json structured{{"results", results}, {"returned", shown}};
  if (auto n = Member(*body, "record_count"); n.is_number_integer()) structured["record_count"] = n;
  std::string head = shown == 0 ? "Nothing found." : "Found " + std::to_string(shown) + " records";
  if (shown > 0 && structured.contains("record_count")) {
    head += " (" + Render(structured["record_count"]) + " matches; per_kind shows more)";
  }
  return ToolTextResult(head + (shown ? ".\n" : "\n") + text, structured);
}

}  // namespace mcp
