// The action kind: a note or time on a ticket, refused before anything is sent when it asks
// for an email that could not or should not go out.
#include "server/action_email.h"
#include "server/json_util.h"
#include "server/output_format.h"
#include "server/tool_executor.h"

namespace mcp {

using nlohmann::json;

json ToolExecutor::AddAction(ToolSpec const& tool, json const& args, CallScope& scope) {
  std::string ticket_email;
  if (NeedsTicketEmail(args) && !tool.halo.side_effect.path.empty()) {
    auto ticket =
        client_->Get(Substitute(tool.halo.side_effect.path, args), {}, scope.halo_context());
    if (!ticket.ok()) {
      return ToolErrorResult(DescribeFailure(ticket.status(), "reading the ticket") +
                             "\nNothing was sent to HaloPSA.");
    }
    json const email = Member(FirstRecord(*ticket), "user_email");
    if (email.is_string()) ticket_email = email.get<std::string>();
  }
  if (auto why = EmailRefusal(args, ticket_email); !why.empty()) {
    return ToolErrorResult(why + " Nothing was sent to HaloPSA.");
  }
  return Create(tool, args, scope);
}

}  // namespace mcp
