#include "server/rows_page.h"

#include "halo/safe_int.h"
#include "server/mcp_server.h"
#include "server/output_format.h"

#include <algorithm>

namespace mcp {

using nlohmann::json;

halo::StatusOr<std::int64_t> CursorOffset(json const& args) {
  auto c = args.find("cursor");
  if (c == args.end() || !c->is_string()) return std::int64_t{0};
  std::string const cursor = c->get<std::string>();
  auto offset = halo::ParseInt64(cursor, 0, 1'000'000'000);
  if (!offset) {
    return halo::InvalidArgumentError("invalid cursor \"" + cursor +
                                      "\": pass the next_cursor value from the previous result "
                                      "as it is");
  }
  return *offset;
}

json RowsPageResult(RowsPage const& page) {
  auto const total = static_cast<std::int64_t>(page.rows.size());
  std::int64_t const begin = std::min(page.offset, total);
  std::int64_t const end = std::min(total, begin + std::max<std::int64_t>(page.limit, 1));
  json items = json::array();
  for (auto i = begin; i < end; ++i) items.push_back(page.rows[static_cast<std::size_t>(i)]);
  bool const more = end < total;
  json structured = page.extra;
  structured["items"] = items;
  structured["returned"] = items.size();
  structured["has_more"] = more;
  structured["record_count"] = total;
  if (more) structured["next_cursor"] = std::to_string(end);

  std::string text = page.preface.empty() ? std::string() : page.preface + "\n";
  text += CountOf(items.size(), page.noun) + " of " + std::to_string(total);
  if (more) text += "; more: call again with cursor \"" + std::to_string(end) + "\"";
  text += "\n";
  if (!items.empty()) {
    TableOptions table;
    table.separator = "|";
    table.wide_chars = 0;  // cells were trimmed when the rows were projected
    table.narrow_chars = 0;
    text += RenderTable(items, page.columns, table);
  }
  return ToolTextResult(text, structured);
}

}  // namespace mcp
