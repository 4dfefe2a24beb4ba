#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mcp {

/// HTML (as HaloPSA stores notes and details) to plain text: tags dropped, block elements and
/// <br> become line breaks, common entities decoded, runs of blank lines collapsed.
std::string HtmlToText(std::string_view html);

/// Cuts text to at most max_chars code points (never inside a UTF-8 sequence), adding a marker
/// that says how much was cut and how to get it all. max_chars 0 = no limit.
std::string TrimText(std::string const& text, std::size_t max_chars);

/// Renders one value for a compact text table cell: strings as-is (newlines folded), dates
/// shortened to minutes, objects and arrays as compact JSON.
std::string CellText(nlohmann::json const& value, std::size_t max_chars);

/// How RenderTable lays out cells.
struct TableOptions {
  std::string separator = " | ";
  std::size_t wide_chars = 60;    ///< summary and name cells
  std::size_t narrow_chars = 40;  ///< every other cell
};

/// A compact table: a header line of field names, then one line per record, cells separated
/// by " | ". Columns absent from every record are left out.
std::string RenderTable(nlohmann::json const& records, std::vector<std::string> const& columns);
/// The same with chosen separator and cell widths (tool results use the tightest layout).
std::string RenderTable(nlohmann::json const& records, std::vector<std::string> const& columns,
                        TableOptions const& options);

/// An English plural of a record noun: "priority" -> "priorities", "status" -> "statuses",
/// "SLA" -> "SLAs", "ticket type" -> "ticket types".
std::string Plural(std::string const& noun);

/// "1 ticket", "12 priorities".
std::string CountOf(std::size_t n, std::string const& noun);

/// One record as "field: value" lines, long text on its own lines.
std::string RenderRecord(nlohmann::json const& record);

}  // namespace mcp
