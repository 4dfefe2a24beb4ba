// The api kinds: every documented HaloPSA operation within reach. api_operations searches the
// operation index; api_call checks one call against its operation and sends it through the
// shared client. Writes need --allow-api-writes, a DELETE needs confirm, and answers are cut to
// the same budgets as other tools, with a cursor, `fields` or full_text to see more.
#include "halo/text.h"
#include "server/json_util.h"
#include "server/output_format.h"
#include "server/rows_page.h"
#include "server/tool_executor.h"

#include <algorithm>

namespace mcp {

using nlohmann::json;

namespace {

/// An operation as one compact row; `full` lists every parameter and body field.
json OperationRow(ApiOperation const& op, ApiCatalogue const& catalogue, bool full) {
  constexpr std::size_t kBrief = 12;
  std::string query, path_params;
  std::size_t shown = 0, more = 0;
  for (auto const& p : op.params) {
    std::string const item = p.name + ":" + p.type;
    if (p.in == "path") {
      path_params += (path_params.empty() ? "" : ", ") + item;
    } else if (full || shown < kBrief) {
      query += (query.empty() ? "" : ", ") + item;
      ++shown;
    } else {
      ++more;
    }
  }
  if (more > 0) query += " (+" + std::to_string(more) + " more)";
  json row{{"operation", op.Key()}, {"summary", op.summary}};
  if (!path_params.empty()) row["path_params"] = path_params;
  if (!query.empty()) row["query"] = query;
  if (!op.body.empty()) {
    row["body"] = op.body_array ? "[" + op.body + "]" : op.body;
    if (full) {
      if (auto const* fields = catalogue.Fields(op.body)) {
        std::string list;
        for (auto const& f : *fields) list += (list.empty() ? "" : ", ") + f;
        row["body_fields"] = list;
      }
    }
  }
  return row;
}

/// Keeps only `fields` of an object (all when none are asked for).
json Pick(json const& value, json const& fields) {
  if (!value.is_object() || !fields.is_array() || fields.empty()) return value;
  json out = json::object();
  for (auto const& f : fields) {
    if (auto it = value.find(f.get<std::string>()); it != value.end()) out[it.key()] = *it;
  }
  return out;
}

}  // namespace

halo::StatusOr<std::shared_ptr<ApiCatalogue const>> ToolExecutor::Catalogue() {
  return api_catalogue_->Get();
}

json ToolExecutor::ApiOperations(ToolSpec const& tool, json const& args, CallScope&) {
  std::string const doing = "searching HaloPSA's operations";
  auto catalogue = Catalogue();
  if (!catalogue.ok()) return ToolErrorResult(DescribeFailure(catalogue.status(), doing));
  auto const& c = **catalogue;
  RowsPage page;
  page.noun = "operation";
  page.columns = {"operation", "summary", "path_params", "query", "body", "body_fields"};
  if (auto exact = args.find("operation"); exact != args.end()) {
    std::string const key = exact->get<std::string>();
    auto const space = key.find(' ');
    auto const* op = space == std::string::npos
                         ? nullptr
                         : c.Match(halo::AsciiLower(key.substr(0, space)) == "get"      ? "GET"
                                   : halo::AsciiLower(key.substr(0, space)) == "post"   ? "POST"
                                   : halo::AsciiLower(key.substr(0, space)) == "delete" ? "DELETE"
                                                                                        : "",
                                   key.substr(space + 1));
    if (op == nullptr) {
      return ToolErrorResult("No documented operation \"" + key +
                             "\": give it as METHOD /Path, e.g. \"GET /Tickets/{id}\", or search "
                             "with query.");
    }
    page.rows.push_back(OperationRow(*op, c, true));
    return RowsPageResult(page);
  }
  std::string const words = args.value("query", "");
  if (words.empty()) {
    return ToolErrorResult(
        "Give query (words, a path or a resource, e.g. \"appointment\") or "
        "operation (\"GET /Appointment\").");
  }
  auto offset = CursorOffset(args);
  if (!offset.ok()) return ToolErrorResult(DescribeFailure(offset.status(), doing));
  auto const found = c.Search(words, args.value("method", ""));
  for (auto const* op : found) page.rows.push_back(OperationRow(*op, c, false));
  page.offset = *offset;
  json const& limit_schema = Member(Member(tool.input_schema, "properties"), "limit");
  page.limit = args.value("limit", limit_schema.value("default", std::int64_t{5}));
  if (found.empty()) {
    page.preface = "No documented operation matches every word of \"" + words +
                   "\"; try fewer or other words (a resource such as Appointment, Invoice).";
  } else {
    page.preface = "operation: {\"operation\": \"<METHOD /path>\"} shows every parameter.";
  }
  return RowsPageResult(page);
}

json ToolExecutor::ApiCall(ToolSpec const&, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  std::string const method = halo::AsciiLower(args.value("method", "")) == "post"     ? "POST"
                             : halo::AsciiLower(args.value("method", "")) == "delete" ? "DELETE"
                                                                                      : "GET";
  std::string path = args.value("path", "");
  if (halo::StartsWithIgnoreCase(path, "/api/")) path = path.substr(4);
  std::string const call = method + " " + path;
  std::string const doing = "calling " + call;
  if (path.empty() || path[0] != '/' || path.find('?') != std::string::npos ||
      path.find("..") != std::string::npos) {
    return ToolErrorResult(
        "path must be a HaloPSA API path such as /Tickets/123, with query "
        "parameters in query, not in the path. Nothing was sent.");
  }
  auto catalogue = Catalogue();
  if (!catalogue.ok()) return ToolErrorResult(DescribeFailure(catalogue.status(), doing));
  auto const& c = **catalogue;
  auto const* op = c.Match(method, path);
  if (op == nullptr) {
    std::string similar;
    auto const found = c.Search(path, "");
    for (std::size_t i = 0; i < found.size() && i < 5; ++i) {
      similar += (similar.empty() ? "" : ", ") + found[i]->Key();
    }
    return ToolErrorResult("HaloPSA documents no " + call +
                           (similar.empty() ? "" : "; similar: " + similar) +
                           ". Nothing was sent; halopsa_api_operations finds operations.");
  }
  json const query = args.value("query", json());
  json const body = args.value("body", json());
  if (auto valid = ValidateApiCall(c, *op, path, query, body); !valid.ok()) {
    return ToolErrorResult("Invalid " + call + " (" + op->Key() + "): " + valid.message() +
                           ". Nothing was sent.");
  }
  if (method != "GET" && !options_.allow_api_writes) {
    return ToolErrorResult(call +
                           " would change HaloPSA, and API writes are off. Use the "
                           "dedicated tools, or start halo-mcp with --allow-api-writes "
                           "(HALO_MCP_API_WRITES=1). Nothing was sent.");
  }
  if (method == "DELETE" && !args.value("confirm", false)) {
    return ToolTextResult(
        "Would send " + call + " (nothing changed yet; call again with confirm: true to do it).",
        {{"operation", op->Key()}, {"sent", false}});
  }
  halo::Query q;
  json const given = query.is_object() ? query : json::object();
  for (auto const& [name, value] : given.items()) {
    std::string rendered;
    if (value.is_array()) {
      for (auto const& v : value) rendered += (rendered.empty() ? "" : ",") + Render(v);
    } else {
      rendered = Render(value);
    }
    q.emplace_back(name, rendered);
  }
  auto answer = method == "GET"    ? client_->Get(path, q, ctx)
                : method == "POST" ? client_->Post(path, body, ctx)
                                   : client_->Delete(path, q, ctx);
  if (!answer.ok()) return ToolErrorResult(DescribeFailure(answer.status(), doing));

  // A list (bare, or wrapped with its one array) is paged; anything else is cut by size.
  std::size_t const budget =
      args.value("full_text", false) ? options_.api_result_chars * 4 : options_.api_result_chars;
  json const fields = args.value("fields", json());
  json const* rows = answer->is_array() ? &*answer : nullptr;
  if (rows == nullptr && answer->is_object()) {
    for (auto const& [k, v] : answer->items()) {
      if (v.is_array() && (rows == nullptr))
        rows = &v;
      else if (v.is_array())
        rows = nullptr;  // more than one array: not a list
    }
    if (rows != nullptr && !answer->contains("record_count") && answer->size() > 2) rows = nullptr;
  }
  json structured{{"operation", op->Key()}, {"sent", true}};
  std::string text = "Sent " + call + ".";
  if (rows != nullptr) {
    auto offset = CursorOffset(args);
    if (!offset.ok()) return ToolErrorResult(DescribeFailure(offset.status(), doing));
    auto const limit = static_cast<std::size_t>(args.value("limit", std::int64_t{25}));
    json items = json::array();
    std::size_t used = 0, i = static_cast<std::size_t>(*offset);
    for (; i < rows->size() && items.size() < limit; ++i) {
      json row = Pick((*rows)[i], fields);
      std::size_t const size = row.dump().size();
      if (!items.empty() && used + size > budget) break;
      used += size;
      items.push_back(std::move(row));
    }
    structured["result"] = items;
    structured["returned"] = items.size();
    structured["record_count"] = answer->value("record_count", json(rows->size()));
    if (i < rows->size()) structured["next_cursor"] = std::to_string(i);
    text += " " + CountOf(items.size(), "row") + " of " + Render(structured["record_count"]) +
            (i < rows->size() ? "; more: cursor \"" + std::to_string(i) + "\"" : "") + ".\n" +
            items.dump();
  } else {
    json const picked = Pick(*answer, fields);
    json result = picked;
    if (picked.is_object() && picked.dump().size() > budget) {
      result = json::object();
      std::size_t used = 0, left = 0;
      for (auto const& [k, v] : picked.items()) {
        std::size_t const size = k.size() + v.dump().size() + 4;
        if (used + size > budget) {
          ++left;
          continue;
        }
        used += size;
        result[k] = v;
      }
      text += " Showing part: " + std::to_string(left) +
              " fields left out for size; name the ones you need in fields, or full_text: true.";
      structured["omitted_fields"] = left;
    }
    structured["result"] = result;
    std::string dumped = result.dump();
    text += "\n" + TrimText(dumped, budget);
  }
  return ToolTextResult(text, structured);
}

}  // namespace mcp
