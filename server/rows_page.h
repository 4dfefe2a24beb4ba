// A list tool's answer built from rows already in memory (a report's rows, balances gathered per
// client), paged with the same cursor and output shape as lists HaloPSA pages itself.
#pragma once

#include "halo/status.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mcp {

/// The offset a `cursor` argument names (0 without one); a cursor this server did not hand out
/// is kInvalidArgument saying how to continue.
halo::StatusOr<std::int64_t> CursorOffset(nlohmann::json const& args);

struct RowsPage {
  nlohmann::json rows = nlohmann::json::array();  // every row, already projected
  std::int64_t offset = 0;
  std::int64_t limit = 25;
  std::vector<std::string> columns;                 // table columns, in order
  std::string noun;                                 // "row", "client"
  std::string preface;                              // first line(s) of the text, may be empty
  nlohmann::json extra = nlohmann::json::object();  // more structuredContent members
};

/// The page [offset, offset + limit) as text (a count, the continuation and a table) and as
/// structuredContent {items, returned, has_more, record_count, next_cursor, ...extra}.
nlohmann::json RowsPageResult(RowsPage const& page);

}  // namespace mcp
