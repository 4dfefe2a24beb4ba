// The merge kind: merging cannot be undone (the duplicate's actions move and it is closed), so
// like a delete it shows what would happen until the caller confirms.
#include "server/json_util.h"
#include "server/output_format.h"
#include "server/tool_executor.h"

namespace mcp {

using nlohmann::json;

json ToolExecutor::MergeTickets(ToolSpec const& tool, json const& args, CallScope& scope) {
  if (args.value("confirm", false)) return Update(tool, args, scope);
  auto ctx = scope.halo_context();
  json const none = json::object();
  json preview = json::object();
  for (char const* arg : {"id", "into"}) {
    auto ticket =
        client_->Get(Substitute(tool.halo.get_path, {{"id", args.value(arg, json())}}), {}, ctx);
    if (!ticket.ok()) {
      return ToolErrorResult(DescribeFailure(ticket.status(), std::string("reading ticket ") +
                                                                  Render(args.value(arg, json()))) +
                             "\nNothing was merged.");
    }
    preview[arg] = Project(FirstRecord(*ticket), tool, none, true, ctx);
  }
  json structured{{"record", preview["id"]}, {"into", preview["into"]}, {"merged", false}};
  return ToolTextResult("Would merge ticket " + Render(args["id"]) + " into " +
                            Render(args["into"]) +
                            ": its actions and time move there and it is closed. This cannot be "
                            "undone; nothing changed yet. Call again with confirm: true to merge.\n"
                            "Merged away:\n" +
                            RenderRecord(preview["id"]) + "Kept:\n" + RenderRecord(preview["into"]),
                        structured);
}

}  // namespace mcp
