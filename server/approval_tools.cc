// The respond kind: answers one step of a ticket's approval. The step is read first so that a
// step already answered, or one that does not exist, is explained before anything is sent, and
// the ticket's status is read before and after because deciding a step moves the ticket on.
#include "server/json_util.h"
#include "server/output_format.h"
#include "server/tool_executor.h"

namespace mcp {

using nlohmann::json;

json ToolExecutor::RespondToApproval(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  std::string const doing = "answering the approval";
  auto built = Build(tool, args, scope);
  if (!built.ok()) {
    return ToolErrorResult(DescribeFailure(built.status(), doing) +
                           "\nNothing was sent to HaloPSA.");
  }
  json const ticket_id = Member(built->body, "ticket_id");
  json const seq = Member(built->body, "seq");
  std::string const where = "ticket " + Render(ticket_id);
  auto steps = client_->Get(tool.halo.get_path, {{"ticket_id", Render(ticket_id)}}, ctx);
  if (!steps.ok()) {
    return ToolErrorResult(DescribeFailure(steps.status(), "reading the approvals of " + where) +
                           "\nNothing was sent to HaloPSA.");
  }
  json const& all = steps->is_array() ? *steps : Member(*steps, tool.halo.list_key);
  json step;
  std::string known;
  for (auto const& s : all) {
    known += (known.empty() ? "" : ", ") + Render(Member(s, "seq"));
    if (Member(s, "seq") == seq) step = s;
  }
  if (step.is_null()) {
    return ToolErrorResult(
        "The " + where + " has no approval " + Render(seq) +
        (known.empty() ? "; it has no approvals at all" : "; its approvals: " + known) +
        ". Nothing was sent to HaloPSA.");
  }
  json const projected_before = Project(step, tool, json::object(), false, ctx);
  if (Member(step, "result") != json(0)) {
    return ToolErrorResult(
        "Approval " + Render(seq) + " on " + where + " is already " +
        Render(Member(projected_before, "result")) + " (" + Render(Member(step, "name")) + ", " +
        Render(Member(step, "dateapproved")) + "). Nothing was sent to HaloPSA.");
  }
  auto const& effect = tool.halo.side_effect;
  auto status_of = [&](json const& ticket) {
    json const id = Member(FirstRecord(ticket), effect.field);
    std::string name = resolver_->NameOf(effect.resolve, id, ctx);
    return name.empty() ? Render(id) : name;
  };
  std::string const ticket_path = Substitute(effect.path, args);
  auto before = client_->Get(ticket_path, {}, ctx);
  if (!before.ok()) {
    return ToolErrorResult(DescribeFailure(before.status(), doing) +
                           "\nNothing was sent to HaloPSA.");
  }
  auto saved = client_->Post(built->path, json::array({built->body}), ctx, tool.halo.idempotency);
  if (!saved.ok()) {
    return ToolErrorResult(DescribeFailure(RenameFields(saved.status(), tool), doing));
  }
  json record = Project(FirstRecord(*saved), tool, args, false, ctx);
  std::string const decided = Render(Member(record, "result"));
  std::string text = "Approval " + Render(seq) + " on " + where + " (" +
                     Render(Member(step, "step_name")) + "): " + decided + ".";
  json structured{{"id", seq}, {"record", record}};
  auto after = client_->Get(ticket_path, {}, ctx);
  if (after.ok()) {
    std::string const from = status_of(*before);
    std::string const to = status_of(*after);
    if (from != to) {
      text += " Ticket status: " + from + " → " + to + ".";
      structured["changed"] = {{effect.label, {{"from", from}, {"to", to}}}};
    } else {
      text += " Ticket status unchanged (" + to +
              "): other approvals of this step may be "
              "outstanding.";
    }
  } else {
    text += " (Could not read the ticket's status back: " + after.status().message() + ".)";
  }
  return ToolTextResult(text, structured);
}

}  // namespace mcp
