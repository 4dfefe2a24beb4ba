// The prepay kind: prepaid balances per client. HaloPSA lists top-ups (ClientPrepay) but keeps
// the balance on the client (GET /Client/{id}?includeprepay=true), so the top-ups name the
// clients and one read per client on the page gives what was bought, used and is left.
#include "server/json_util.h"
#include "server/output_format.h"
#include "server/rows_page.h"
#include "server/tool_executor.h"

#include <algorithm>
#include <map>

namespace mcp {

using nlohmann::json;

json ToolExecutor::ListPrepay(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  std::string const doing = "listing prepaid balances";
  auto offset = CursorOffset(args);
  if (!offset.ok()) return ToolErrorResult(DescribeFailure(offset.status(), doing));
  auto built = Build(tool, args, scope, /*include_body=*/false);
  if (!built.ok()) return ToolErrorResult(DescribeFailure(built.status(), doing));
  halo::ListRequest req;
  req.path = built->path;
  req.query = built->query;
  req.list_key = tool.halo.list_key;
  req.paginate = tool.halo.paginate;
  req.limit = 0;  // every top-up, within the client's overall bound
  auto topups = client_->List(req, ctx);
  if (!topups.ok()) return ToolErrorResult(DescribeFailure(topups.status(), doing));

  struct Client {
    std::string name;
    int top_ups = 0;
    std::string last;  // latest top-up date (HaloPSA's sortable ISO text)
  };
  std::map<std::int64_t, Client> clients;
  for (auto const& t : topups->records) {
    json const& id = Member(t, "client_id");
    if (!id.is_number_integer()) continue;
    auto& c = clients[id.get<std::int64_t>()];
    if (c.name.empty() && Member(t, "client_name").is_string()) c.name = t["client_name"];
    ++c.top_ups;
    if (Member(t, "date").is_string()) c.last = std::max(c.last, t["date"].get<std::string>());
  }
  std::vector<std::int64_t> order;
  for (auto const& [id, c] : clients) order.push_back(id);
  std::stable_sort(order.begin(), order.end(),
                   [&clients](auto a, auto b) { return clients[a].name < clients[b].name; });

  json const& limit_schema = Member(Member(tool.input_schema, "properties"), "limit");
  RowsPage page;
  page.offset = *offset;
  page.limit = args.value("limit", limit_schema.is_object()
                                       ? limit_schema.value("default", options_.default_limit)
                                       : options_.default_limit);
  auto const begin = std::min<std::size_t>(static_cast<std::size_t>(page.offset), order.size());
  auto const end = std::min(order.size(), begin + static_cast<std::size_t>(page.limit));
  std::vector<std::string> paths;
  for (auto i = begin; i < end; ++i) paths.push_back("/Client/" + std::to_string(order[i]));
  auto balances = client_->GetMany(paths, {{"includeprepay", "true"}}, ctx);

  for (std::size_t i = 0; i < order.size(); ++i) {
    auto const& c = clients[order[i]];
    json row{{"client_id", order[i]}, {"client_name", c.name}, {"top_ups", c.top_ups}};
    if (!c.last.empty()) row["last_top_up"] = c.last.substr(0, 10);
    if (i >= begin && i < end) {
      auto const& got = balances[i - begin];
      if (!got.ok()) {
        row["error"] = DescribeFailure(got.status(), "reading the balance");
      } else {
        json const client = FirstRecord(*got);
        bool const money =
            Member(client, "prepayasamount").is_boolean() && client["prepayasamount"].get<bool>();
        row["unit"] = money ? "amount" : "hours";
        for (auto const& [from, to] : {std::pair{"prepaytotal", "bought"},
                                       {"prepayused", "used"},
                                       {"prepaybalance", "left"}}) {
          if (!Member(client, from).is_null()) row[to] = client[from];
        }
      }
    }
    page.rows.push_back(std::move(row));
  }
  page.columns = {"client_id", "client_name", "unit",        "bought", "used",
                  "left",      "top_ups",     "last_top_up", "error"};
  page.noun = "client";
  if (topups->truncated) {
    page.preface = "Note: HaloPSA holds more top-ups than one call reads; filter by client.";
  }
  // For one client, its top-ups too: when each block was bought and on which invoice.
  if (args.contains("client")) {
    json history = json::array();
    for (auto const& t : topups->records) history.push_back(Project(t, tool, args, true, ctx));
    page.extra["top_ups"] = history;
  }
  json result = RowsPageResult(page);
  if (page.extra.contains("top_ups") && !page.extra["top_ups"].empty()) {
    TableOptions table;
    table.separator = "|";
    result["content"][0]["text"] =
        result["content"][0]["text"].get<std::string>() + "Top-ups:\n" +
        RenderTable(page.extra["top_ups"], Columns(tool, args, true), table);
  }
  return result;
}

}  // namespace mcp
