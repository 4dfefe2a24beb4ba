#include "sim/approvals.h"

#include "sim/tenant_generator.h"
#include "sim/ticket_writes.h"

#include <algorithm>

namespace halo_sim {
namespace {

Json* FindApproval(Store& store, std::int64_t ticket_id, std::int64_t seq) {
  for (auto& [key, row] : store.table("TicketApproval").rows) {
    if (FieldInt(row, "ticket_id") == ticket_id && FieldInt(row, "seq") == seq) return &row;
  }
  return nullptr;
}

Json const* FindStep(Store const& store, std::int64_t process_id, std::int64_t step_id) {
  auto const* process = store.Find("ApprovalProcess", process_id);
  if (process == nullptr) return nullptr;
  auto const steps = process->find("steps");
  if (steps == process->end() || !steps->is_array()) return nullptr;
  for (auto const& step : *steps) {
    if (FieldInt(step, "id") == step_id) return &step;
  }
  return nullptr;
}

/// Once every approver of a step has answered (or one rejected), the ticket moves on.
void DecideStep(Store& store, Json const& answered, std::int64_t now) {
  auto const ticket_id = FieldInt(answered, "ticket_id");
  auto const process_id = FieldInt(answered, "approval_process_id");
  auto const step_id = FieldInt(answered, "step_id");
  bool rejected = false, pending = false;
  for (auto const& [key, row] : store.table("TicketApproval").rows) {
    if (FieldInt(row, "ticket_id") != ticket_id ||
        FieldInt(row, "approval_process_id") != process_id || FieldInt(row, "step_id") != step_id) {
      continue;
    }
    auto const result = FieldInt(row, "result");
    rejected = rejected || result == kApprovalRejected;
    pending = pending || result == kApprovalPending;
  }
  auto* ticket = store.Find("Tickets", ticket_id);
  auto const* step = FindStep(store, process_id, step_id);
  if (ticket == nullptr || step == nullptr || (pending && !rejected)) return;
  auto const status = FieldInt(*step, rejected ? "statusafterreject" : "statusafteraccept");
  if (status > 0 && store.Find("Status", status) != nullptr) {
    ApplyStatus(store, *ticket, status, now);
    (*ticket)["last_update"] = FormatTime(now);
  }
}

void StageResponse(WriteContext const& ctx, Json const& in, Json row, Validator& v,
                   std::vector<Staged>& staged) {
  auto const result = InputId(in, "result", v);
  if (!v.ok()) return;
  if (!result || (*result != kApprovalApproved && *result != kApprovalRejected)) {
    v.Fail("result", "result must be 1 (approve) or 2 (reject)");
    return;
  }
  if (FieldInt(row, "result") != kApprovalPending) {
    v.Fail("result", std::string("This approval was already ") +
                         (FieldInt(row, "result") == kApprovalApproved ? "approved" : "rejected"));
    return;
  }
  auto const api = ApiAgentId(ctx.store);
  row["result"] = *result;
  row["approver_note"] = FieldStr(in, "approver_note");
  row["dateapproved"] = FormatTime(ctx.now);
  // A Services application answers for the approver as an administrator would.
  if (FieldInt(row, "agent_id") != api) {
    row["admin_overridden"] = true;
    row["admin_override_id"] = api;
  }
  auto const uniqueid = FieldInt(row, "uniqueid");
  auto& s = Stage(staged, "TicketApproval", uniqueid, std::move(row));
  s.id_field = "uniqueid";
  s.after = [now = ctx.now](Store& st, Json const& answered) {
    if (auto* ticket = st.Find("Tickets", FieldInt(answered, "ticket_id"))) {
      bool const approved = FieldInt(answered, "result") == kApprovalApproved;
      auto note =
          std::string(approved ? "Approved" : "Rejected") + " by " + FieldStr(answered, "name");
      if (!FieldStr(answered, "approver_note").empty()) {
        note += ": " + FieldStr(answered, "approver_note");
      }
      AddSystemAction(st, *ticket, "Private Note", note, now);
    }
    DecideStep(st, answered, now);
  };
}

void StageRequest(WriteContext const& ctx, Json const& in, Json const& ticket, Validator& v,
                  std::vector<Staged>& staged) {
  Store& store = ctx.store;
  auto const agent_in = InputId(in, "agent_id", v);
  auto const user_in = InputId(in, "user_id", v);
  auto const process_in = InputId(in, "approval_process_id", v);
  if (!v.ok()) return;
  Json row = NewRecord("TicketApproval");
  auto const ticket_id = FieldInt(ticket, "id");
  auto const* agent = FindReferenced(store, v, "agent_id", agent_in.value_or(0), "Agent", "Agent");
  auto const* user =
      agent ? nullptr : FindReferenced(store, v, "user_id", user_in.value_or(0), "Users", "User");
  if (!v.ok()) return;
  if (agent != nullptr) {
    row["agent_id"] = *agent_in;
    row["name"] = FieldStr(*agent, "name");
    row["emailaddress"] = FieldStr(*agent, "email");
    row["type"] = 0;
  } else if (user != nullptr) {
    row["user_id"] = *user_in;
    row["name"] = FieldStr(*user, "name");
    row["emailaddress"] = FieldStr(*user, "emailaddress");
    row["type"] = 1;
  } else {
    v.Fail("agent_id", "An approver must be given: agent_id or user_id");
    return;
  }
  Json const* step = nullptr;
  if (auto const* process = FindReferenced(store, v, "approval_process_id", process_in.value_or(0),
                                           "ApprovalProcess", "Approval process")) {
    row["approval_process_id"] = *process_in;
    row["approval_process_name"] = FieldStr(*process, "name");
    auto const steps = process->value("steps", Json::array());
    if (!steps.empty()) {
      step = FindStep(store, *process_in, FieldInt(steps[0], "id"));
      row["step_id"] = FieldInt(*step, "id");
      row["step_name"] = FieldStr(*step, "name");
    }
  }
  if (!v.ok()) return;
  std::int64_t seq = 0;
  for (auto const& [key, r] : store.table("TicketApproval").rows) {
    if (FieldInt(r, "ticket_id") == ticket_id) seq = std::max(seq, FieldInt(r, "seq"));
  }
  auto const api = ApiAgentId(store);
  row["ticket_id"] = ticket_id;
  row["seq"] = seq + 1;
  row["result"] = kApprovalPending;
  row["datetime"] = FormatTime(ctx.now);
  row["requestor_agent_id"] = api;
  row["requestor_name"] = AgentName(store, api);
  row["summary"] = FieldStr(ticket, "summary");
  row["note"] = FieldStr(in, "note");
  auto const awaiting = step ? FieldInt(*step, "statusawaitingapproval") : 0;
  auto& s = Stage(staged, "TicketApproval", 0, std::move(row));
  s.id_field = "uniqueid";
  s.after = [awaiting, now = ctx.now](Store& st, Json const& approval) {
    auto* t = st.Find("Tickets", FieldInt(approval, "ticket_id"));
    if (t != nullptr && awaiting > 0 && st.Find("Status", awaiting) != nullptr) {
      ApplyStatus(st, *t, awaiting, now);
    }
  };
}

}  // namespace

void StageTicketApproval(WriteContext const& ctx, Json const& in, Validator& v,
                         std::vector<Staged>& staged) {
  auto const ticket_id = InputId(in, "ticket_id", v);
  auto const seq = InputId(in, "seq", v);
  if (!v.ok()) return;
  auto const* ticket = ticket_id ? ctx.store.Find("Tickets", *ticket_id) : nullptr;
  if (ticket == nullptr) {
    v.Fail("ticket_id", ticket_id ? "Ticket " + std::to_string(*ticket_id) + " does not exist"
                                  : "An approval must name its ticket (ticket_id)");
    return;
  }
  if (!seq || *seq <= 0) {
    StageRequest(ctx, in, *ticket, v, staged);
    return;
  }
  auto const* approval = FindApproval(ctx.store, *ticket_id, *seq);
  if (approval == nullptr) {
    v.FailNotFound(
        "seq", "Ticket " + std::to_string(*ticket_id) + " has no approval " + std::to_string(*seq));
    return;
  }
  StageResponse(ctx, in, *approval, v, staged);
}

ApiResponse DeleteTicketApproval(Store& store, ApiRequest const& req) {
  auto const amp = req.id.find('&');
  auto ticket = ToInt(req.id.substr(0, amp));
  auto seq = amp == std::string::npos ? std::nullopt : ToInt(req.id.substr(amp + 1));
  if (!ticket || !seq) {
    return Error(404, "DELETE needs /api/TicketApproval/{ticket_id}&{seq}");
  }
  auto& rows = store.table("TicketApproval").rows;
  for (auto it = rows.begin(); it != rows.end(); ++it) {
    if (FieldInt(it->second, "ticket_id") == *ticket && FieldInt(it->second, "seq") == *seq) {
      Json row = std::move(it->second);
      rows.erase(it);
      return ApiResponse{200, std::move(row), true};
    }
  }
  return Error(404,
               "Ticket " + std::to_string(*ticket) + " has no approval " + std::to_string(*seq));
}

}  // namespace halo_sim
