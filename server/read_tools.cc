// The read kinds of tools: list, get, whoami.
#include "halo/safe_int.h"
#include "server/json_util.h"
#include "server/output_format.h"
#include "server/tool_executor.h"

namespace mcp {

using halo::Status;
using halo::StatusCode;
using halo::StatusOr;
using nlohmann::json;

json ToolExecutor::List(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  auto built = Build(tool, args, scope, /*include_body=*/false);
  std::string const noun = Noun(tool);
  if (!built.ok())
    return ToolErrorResult(DescribeFailure(built.status(), "listing " + Plural(noun)));
  halo::ListRequest req;
  req.path = built->path;
  req.query = built->query;
  req.list_key = tool.halo.list_key;
  req.paginate = tool.halo.paginate;
  req.fields = ReadFields(tool, args);
  json const& limit_schema = Member(Member(tool.input_schema, "properties"), "limit");
  std::int64_t const default_limit = limit_schema.is_object()
                                         ? limit_schema.value("default", options_.default_limit)
                                         : options_.default_limit;
  req.limit = args.value("limit", default_limit);
  if (auto c = args.find("cursor"); c != args.end()) {
    std::string const cursor = c->get<std::string>();
    // A cursor is an offset this server handed out: never beyond what a list may hold.
    auto offset = halo::ParseInt64(cursor, 0, 1'000'000'000);
    if (!offset) {
      return ToolErrorResult("Invalid cursor \"" + cursor +
                             "\": pass the next_cursor value from the previous result as it is.");
    }
    req.offset = *offset;
  }
  auto result = client_->List(req, ctx);
  if (!result.ok())
    return ToolErrorResult(DescribeFailure(result.status(), "listing " + Plural(noun)));
  if (auto s = CheckFields(tool, args, result->records); !s.ok()) {
    return ToolErrorResult(DescribeFailure(s, "listing " + Plural(noun)));
  }
  json items = json::array();
  for (auto const& r : result->records) items.push_back(Project(r, tool, args, true, ctx));
  if (!tool.halo.paginate && req.limit > 0 && static_cast<std::int64_t>(items.size()) > req.limit) {
    // Unpaged lookups come back whole; apply the limit here so the output stays bounded.
    json cut = json::array();
    for (std::int64_t i = 0; i < req.limit; ++i) cut.push_back(items[i]);
    result->next_offset = req.offset + req.limit;
    items = std::move(cut);
  }
  json structured{{"returned", items.size()}, {"has_more", result->next_offset.has_value()}};
  if (result->record_count) structured["record_count"] = *result->record_count;
  if (result->next_offset) structured["next_cursor"] = std::to_string(*result->next_offset);

  if (built->dated) structured["dates"] = DateBasis();
  std::string text = built->dated ? DateBasis() + "\n" : std::string();
  text += CountOf(items.size(), noun);
  if (result->record_count) text += " of " + std::to_string(*result->record_count);
  if (result->next_offset) {
    text += "; more: call again with cursor \"" + std::to_string(*result->next_offset) + "\"";
  }
  text += "\n";
  if (items.empty()) text += Closest(tool, args, scope);
  if (!items.empty()) {
    std::vector<std::string> columns = Columns(tool, args, true);
    if (columns.empty() || args.value("detail", "") == "full") {
      for (auto const& item : items) text += Serialize(item) + "\n";
    } else {
      TableOptions table;
      table.separator = "|";  // 2 bytes a cell less than " | ": 900 bytes on 50 tickets
      // The projection already trimmed long text: the table shows exactly what
      // structuredContent holds, no less.
      table.wide_chars = 0;
      table.narrow_chars = 0;
      text += RenderTable(items, columns, table);
    }
  }
  structured["items"] = std::move(items);  // moved last: the text above is rendered from it
  return ToolTextResult(text, std::move(structured));
}

std::string ToolExecutor::Closest(ToolSpec const& tool, json const& args, CallScope& scope) {
  // A search that found nothing offers the closest names, as a misspelt filter does.
  auto search = args.find("search");
  if (search == args.end() || !search->is_string()) return "";
  // HaloPSA matches the search text as typed, so "password reset" misses "reset a password".
  std::string const phrase = search->get_ref<std::string const&>().find(' ') == std::string::npos
                                 ? ""
                                 : "HaloPSA matched \"" + search->get<std::string>() +
                                       "\" as one phrase; search one distinctive word instead.\n";
  if (!resolver_->Knows(tool.halo.record)) return phrase;
  auto id = resolver_->Resolve(tool.halo.record, *search, scope.halo_context());
  if (id.ok() || id.status().code() != StatusCode::kInvalidArgument) return phrase;
  std::string const message = id.status().message();
  auto closest = message.find("closest: ");
  if (closest == std::string::npos) return phrase;
  return "Closest names: " + message.substr(closest + 9) + "\n";
}

StatusOr<json> ToolExecutor::ReadRecord(ToolSpec const& tool, json const& args, CallScope& scope) {
  if (!client_) {
    return halo::UnavailableError("no HaloPSA tenant is configured: " + unavailable_.message());
  }
  auto ctx = scope.halo_context();
  auto built = Build(tool, args, scope, false);
  if (!built.ok()) return built.status();
  auto body = client_->Get(built->path, built->query, ctx);
  if (!body.ok()) return body.status();
  if (auto s = CheckFields(tool, args, json::array({FirstRecord(*body)})); !s.ok()) return s;
  // whoami shows two agents: their list rows say who they are without the detail.
  return Project(FirstRecord(*body), tool, args, tool.halo.kind == "whoami", ctx);
}

json ToolExecutor::Get(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  auto read = ReadRecord(tool, args, scope);
  if (!read.ok())
    return ToolErrorResult(DescribeFailure(read.status(), "getting the " + Noun(tool)));
  json record = *std::move(read);
  if (tool.halo.kind != "whoami") return ToolTextResult(RenderRecord(record), record);

  // The API application acts as one agent; the technician's own name goes on their work.
  json structured{{"api_account", record}};
  std::string text = "API account (the HaloPSA API application's agent):\n" + RenderRecord(record);
  if (scope.principal().agent.empty()) {
    text +=
        "\nActing agent: none set, so notes and time are recorded as the API account and \"me\" "
        "cannot be used. Start halo-mcp with --agent (or HALOPSA_AGENT) to act as a technician.";
    return ToolTextResult(text, structured);
  }
  auto me = ActingAgent(scope);
  if (!me.ok()) return ToolErrorResult(DescribeFailure(me.status(), "finding the acting agent"));
  auto agent = client_->Get("/Agent/" + Render(*me), {}, ctx);
  if (!agent.ok()) {
    return ToolErrorResult(DescribeFailure(agent.status(), "getting the acting agent"));
  }
  json acting = Project(FirstRecord(*agent), tool, args, true, ctx);
  structured["acting_agent"] = acting;
  text += "\nActing agent (notes, time and \"me\" are this technician):\n" + RenderRecord(acting);
  return ToolTextResult(text, structured);
}

}  // namespace mcp
