// The report kind: runs a saved HaloPSA report (found by name or id) and returns its rows
// projected to the report's columns or the asked `fields`, paged like any list.
#include "server/json_util.h"
#include "server/output_format.h"
#include "server/rows_page.h"
#include "server/tool_executor.h"

#include <algorithm>

namespace mcp {

using nlohmann::json;

namespace {

/// The report's own column order (its `columns` by sequence), else the first row's keys.
std::vector<std::string> ReportColumns(json const& saved, json const& rows) {
  std::vector<std::pair<std::int64_t, std::string>> ordered;
  for (auto const& c : Member(saved, "columns")) {
    if (c.is_object() && Member(c, "name").is_string()) {
      json const& seq = Member(c, "sequence");
      ordered.emplace_back(seq.is_number_integer() ? seq.get<std::int64_t>() : 0,
                           c["name"].get<std::string>());
    }
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](auto const& a, auto const& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (auto& [seq, name] : ordered) out.push_back(std::move(name));
  if (out.empty() && !rows.empty() && rows[0].is_object()) {
    for (auto const& [k, v] : rows[0].items()) out.push_back(k);
  }
  return out;
}

}  // namespace

json ToolExecutor::RunReport(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  std::string const doing = "running the report";
  auto offset = CursorOffset(args);
  if (!offset.ok()) return ToolErrorResult(DescribeFailure(offset.status(), doing));
  auto built = Build(tool, args, scope, /*include_body=*/false);
  if (!built.ok()) return ToolErrorResult(DescribeFailure(built.status(), doing));
  auto answer = client_->Get(built->path, built->query, ctx);
  if (!answer.ok()) return ToolErrorResult(DescribeFailure(answer.status(), doing));
  json const saved = FirstRecord(*answer);
  std::string const name = Member(saved, "name").is_string() ? saved["name"].get<std::string>()
                                                             : std::string("(unnamed)");
  std::string const label = "report " + Render(RecordId(saved)) + " \"" + name + "\"";
  json const& report = Member(saved, "report");
  json const& rows = Member(report, "rows");
  if (!Member(report, "loaded").is_boolean() || !report["loaded"].get<bool>() || !rows.is_array()) {
    std::string why = Member(report, "load_error").is_string()
                          ? report["load_error"].get<std::string>()
                          : std::string("no rows came back");
    return ToolErrorResult("HaloPSA did not run " + label + ": " +
                           (why.empty() ? std::string("no rows came back") : why) + ".");
  }

  std::vector<std::string> const available = ReportColumns(saved, rows);
  std::vector<std::string> columns = available;
  if (auto f = args.find("fields"); f != args.end() && f->is_array() && !f->empty()) {
    columns.clear();
    for (auto const& v : *f) {
      std::string const field = v.get<std::string>();
      bool known = std::find(available.begin(), available.end(), field) != available.end();
      for (std::size_t i = 0; !known && i < rows.size(); ++i) known = rows[i].contains(field);
      if (!known) {
        std::string list;
        for (auto const& a : available) list += (list.empty() ? "" : ", ") + a;
        return ToolErrorResult("The " + label + " has no column \"" + field +
                               "\". Its columns: " + list + ".");
      }
      columns.push_back(field);
    }
  }
  bool const full_text = args.value("full_text", false);
  json projected = json::array();
  for (auto const& row : rows) {
    json out = json::object();
    for (auto const& c : columns) {
      json const& value = Member(row, c);
      if (value.is_null()) continue;
      out[c] = value.is_string() && !full_text
                   ? json(TrimText(value.get<std::string>(), options_.list_text_chars))
                   : value;
    }
    projected.push_back(std::move(out));
  }
  json const& limit_schema = Member(Member(tool.input_schema, "properties"), "limit");
  RowsPage page;
  page.rows = std::move(projected);
  page.offset = *offset;
  page.limit = args.value("limit", limit_schema.is_object()
                                       ? limit_schema.value("default", options_.default_limit)
                                       : options_.default_limit);
  page.columns = columns;
  page.noun = "row";
  page.preface = (built->dated ? DateBasis() + "\n" : std::string()) + "Ran " + label + ".";
  page.extra = {{"report", {{"id", RecordId(saved)}, {"name", name}}}, {"columns", columns}};
  if (built->dated) page.extra["dates"] = DateBasis();
  return RowsPageResult(page);
}

}  // namespace mcp
