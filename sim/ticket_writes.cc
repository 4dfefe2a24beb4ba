#include "sim/ticket_writes.h"

#include "sim/list_filters.h"
#include "sim/tenant_generator.h"
#include "sim/timesheets.h"

#include <algorithm>

namespace halo_sim {
namespace {

bool PriorityExists(Store const& store, std::int64_t priorityid) {
  auto const* t = store.find_table("Priority");
  if (t == nullptr) return false;
  return std::any_of(t->rows.begin(), t->rows.end(), [&](auto const& kv) {
    return FieldInt(kv.second, "priorityid") == priorityid;
  });
}

std::string PriorityName(Store const& store, std::int64_t priorityid, std::int64_t sla_id) {
  auto const* t = store.find_table("Priority");
  if (t == nullptr) return "";
  std::string fallback;
  for (auto const& [key, row] : t->rows) {
    if (FieldInt(row, "priorityid") != priorityid) continue;
    if (FieldInt(row, "slaid") == sla_id) return FieldStr(row, "name");
    if (fallback.empty()) fallback = FieldStr(row, "name");
  }
  return fallback;
}

bool HasOutcome(Json const& in) {
  auto id = in.find("outcome_id");
  if (id != in.end() && !id->is_null() && JsonInt(*id).value_or(0) > 0) return true;
  return !FieldStr(in, "outcome").empty();
}

/// A ticket type whose approval process starts with a CAB step cannot be created through the
/// API without choosing the CAB members (HaloPSA answers CODE:APP03/2).
bool NeedsCabMembers(Store const& store, Json const& type) {
  auto const* process = store.Find("ApprovalProcess", FieldInt(type, "approval_process_id"));
  if (process == nullptr) return false;
  auto const steps = process->value("steps", Json::array());
  return !steps.empty() && FieldInt(steps[0], "type") == kCabStep;
}

/// Outcomes the API agent's role may not use ("You do not have access to this Action").
bool OutcomeRestricted(Store const& store, Json const& outcome) {
  auto const restricted = store.meta().value("restricted_outcome_ids", Json::array());
  return std::find(restricted.begin(), restricted.end(), outcome["id"]) != restricted.end();
}

/// The first ticket type with `use` (e.g. "project"), or 0.
std::int64_t FirstTypeWithUse(Store const& store, std::string const& use) {
  if (auto const* t = store.find_table("TicketType")) {
    for (auto const& [id, row] : t->rows) {
      if (FieldStr(row, "use") == use) return id;
    }
  }
  return 0;
}

/// Counts a parent's children again (after a child was added, moved or merged away).
void RecountChildren(Store& store, std::int64_t parent_id) {
  auto* parent = parent_id > 0 ? store.Find("Tickets", parent_id) : nullptr;
  if (parent == nullptr) return;
  std::int64_t count = 0, open = 0;
  for (auto const& [id, t] : store.table("Tickets").rows) {
    if (FieldInt(t, "parent_id") != parent_id) continue;
    ++count;
    open += IsClosedStatus(store, FieldInt(t, "status_id")) ? 0 : 1;
  }
  (*parent)["child_count"] = count;
  (*parent)["child_count_open"] = open;
}

/// Relates two tickets, or ends their relation. HaloPSA shows a relation on both tickets, so
/// both rows' related_tickets (Faults_List entries) and has_related change.
void SetRelated(Store& store, std::int64_t a, std::int64_t b, bool related) {
  for (auto const& [from, to] : {std::pair{a, b}, std::pair{b, a}}) {
    auto* ticket = store.Find("Tickets", from);
    auto const* other = store.Find("Tickets", to);
    if (ticket == nullptr || other == nullptr) continue;
    Json& list = (*ticket)["related_tickets"];
    if (!list.is_array()) list = Json::array();
    auto const it = std::find_if(list.begin(), list.end(),
                                 [to = to](Json const& e) { return FieldInt(e, "id") == to; });
    if (related && it == list.end()) {
      list.push_back(Json{{"id", to}, {"summary", FieldStr(*other, "summary")}});
    } else if (!related && it != list.end()) {
      list.erase(it);
    }
    (*ticket)["has_related"] = !list.empty();
  }
}

}  // namespace

Json& AddSystemAction(Store& store, Json const& ticket, std::string const& outcome_name,
                      std::string const& note, std::int64_t now) {
  Json action = NewRecord("Actions");
  auto const ticket_id = FieldInt(ticket, "id");
  auto const number = store.AllocateActionId(ticket_id);
  auto const* outcome = FindOutcome(store, Json{{"outcome", outcome_name}});
  action["ticket_id"] = ticket_id;
  action["id"] = number;
  action["outcome"] = outcome ? FieldStr(*outcome, "outcome") : outcome_name;
  action["outcome_id"] = outcome ? FieldInt(*outcome, "id") : 0;
  action["who"] = "System";
  action["who_type"] = 0;
  action["datetime"] = FormatTime(now);
  action["actiondatecreated"] = action["datetime"];
  action["note"] = note;
  action["note_html"] = HtmlEscape(note);
  action["hiddenfromuser"] = outcome ? outcome->value("hidefromuser", false) : true;
  store.PutAction(ticket_id, number, std::move(action));
  return store.actions().at({ticket_id, number});
}

namespace {

/// Halo sends the end user an acknowledgement email when `sendack` is true; the simulator
/// records it as the email action Halo would add.
void AddAcknowledgement(Store& store, Json const& ticket, std::int64_t now) {
  auto const email = FieldStr(ticket, "user_email");
  if (email.empty()) return;
  auto const ticket_id = FieldInt(ticket, "id");
  auto& ack = AddSystemAction(store, ticket, "Email User",
                              "Acknowledgement sent: we have logged your request as ticket #" +
                                  std::to_string(ticket_id) + ".",
                              now);
  ack["hiddenfromuser"] = false;
  ack["sendemail"] = true;
  ack["emailto"] = email;
  ack["emailsubject"] =
      "[Ticket #" + std::to_string(ticket_id) + "] " + FieldStr(ticket, "summary");
}

/// Moves the source ticket's actions and time onto the target and closes the source.
void MergeTicket(Store& store, Json& source, std::int64_t target_id, std::int64_t now) {
  auto* target = store.Find("Tickets", target_id);
  if (target == nullptr) return;
  auto const source_id = FieldInt(source, "id");
  std::vector<Json> moved;
  for (auto const& [key, action] : store.actions()) {
    if (key.first == source_id) moved.push_back(action);
  }
  store.EraseActions(source_id);
  for (auto& action : moved) {
    auto const number = store.AllocateActionId(target_id);
    action["ticket_id"] = target_id;
    action["id"] = number;
    store.PutAction(target_id, number, std::move(action));
  }
  (*target)["timetaken"] = FieldNum(*target, "timetaken") + FieldNum(source, "timetaken");
  (*target)["last_update"] = FormatTime(now);
  AddSystemAction(store, *target, "Private Note",
                  "Ticket #" + std::to_string(source_id) + " was merged into this ticket.", now);
  source["timetaken"] = 0.0;
  source["merged_into_id"] = target_id;
  source["domerge"] = false;
  std::int64_t closed = 9;
  if (store.Find("Status", closed) == nullptr || !IsClosedStatus(store, closed)) {
    for (auto const& [id, s] : store.table("Status").rows) {
      if (FieldInt(s, "type") == 1) {
        closed = id;
        break;
      }
    }
  }
  ApplyStatus(store, source, closed, now);
  AddSystemAction(store, source, "Private Note",
                  "Merged into ticket #" + std::to_string(target_id) + ".", now);
}

}  // namespace

void ApplyStatus(Store const& store, Json& ticket, std::int64_t status_id, std::int64_t now) {
  auto const* s = store.Find("Status", status_id);
  bool const was_closed = IsClosedStatus(store, FieldInt(ticket, "status_id"));
  ticket["status_id"] = status_id;
  ticket["status_name"] = s ? FieldStr(*s, "name") : "";
  bool const closed = s && FieldInt(*s, "type") == 1;
  if (closed && !was_closed) {
    ticket["dateclosed"] = FormatTime(now);
    ticket["hasbeenclosed"] = true;
  } else if (!closed && was_closed) {
    ticket["dateclosed"] = nullptr;
  }
  ticket["onhold"] = s && !closed && FieldStr(*s, "slaaction") == "Hold";
}

Json const* FindOutcome(Store const& store, Json const& in) {
  auto const* t = store.find_table("Outcome");
  if (t == nullptr) return nullptr;
  if (auto it = in.find("outcome_id"); it != in.end() && !it->is_null()) {
    if (auto id = JsonInt(*it); id && *id > 0) return store.Find("Outcome", *id);
  }
  auto name = Lower(FieldStr(in, "outcome"));
  for (auto const& [id, o] : t->rows) {
    if (Lower(FieldStr(o, "outcome")) == name || Lower(FieldStr(o, "buttonname")) == name) {
      return &o;
    }
  }
  return nullptr;
}

void StageTicket(WriteContext const& ctx, Json const& in, Validator& v,
                 std::vector<Staged>& staged) {
  Store& store = ctx.store;
  std::int64_t const now = ctx.now;
  bool const projects = ctx.resource == "Projects";
  auto target = LoadForWrite(store, "Tickets", in, v);
  if (!target) return;
  auto& [row, id] = *target;
  bool const create = target->create();
  if (!create && projects && !IsProject(store, row)) {
    v.FailNotFound("id", "Ticket " + std::to_string(id) + " is not a project");
    return;
  }
  auto const old_row = row;
  MergeKnown(row, in,
             {"id",
              "client_name",
              "site_name",
              "user_name",
              "status_name",
              "tickettype_name",
              "agent_name",
              "sla_name",
              "priority_name",
              "status_id",
              "timetaken",
              "datecreated",
              "hasbeenclosed",
              "api_url",
              "web_url",
              "child_count",
              "child_count_open",
              "merged_into_id",
              "domerge",
              "attachment_count",
              "related_tickets",
              "has_related"});
  if (auto it = in.find("summary"); it != in.end() && !it->is_string()) {
    v.Fail("summary", "The value for summary must be a string");
  }
  if (create && FieldStr(row, "summary").empty()) {
    v.Fail("summary", "A summary must be entered for this ticket");
  }
  auto type_id = InputId(in, "tickettype_id", v);
  auto const client_in = InputId(in, "client_id", v);
  auto const site_in = InputId(in, "site_id", v);
  auto const user_in = InputId(in, "user_id", v);
  auto const agent_in = InputId(in, "agent_id", v);
  auto const status_in = InputId(in, "status_id", v);
  auto const priority_in = InputId(in, "priority_id", v);
  auto const sla_in = InputId(in, "sla_id", v);
  auto const parent_in = InputId(in, "parent_id", v);
  auto const merge_into = InputId(in, "merged_into_id", v);
  if (!v.ok()) return;
  if (create && projects && !type_id) {
    if (auto project_type = FirstTypeWithUse(store, "project")) type_id = project_type;
  }

  Json const* type = nullptr;
  if (create && !type_id) {
    v.Fail("tickettype_id", "A ticket type must be selected (tickettype_id)");
  } else if (type_id) {
    type = store.Find("TicketType", *type_id);
    if (type == nullptr) {
      v.Fail("tickettype_id", "Ticket type " + std::to_string(*type_id) + " does not exist");
    } else if (create && NeedsCabMembers(store, *type)) {
      v.Fail("approval", "CODE:APP03/2 Please select the CAB members to approve");
    } else if (projects && FieldStr(*type, "use") != "project") {
      v.Fail("tickettype_id", "Ticket type " + std::to_string(*type_id) +
                                  " is not a project type; use /Tickets for it");
    }
  } else {
    type = store.Find("TicketType", FieldInt(row, "tickettype_id"));
  }

  // Client, site and user must agree with each other.
  std::int64_t client_id = client_in.value_or(FieldInt(row, "client_id"));
  std::int64_t site_id = site_in.value_or(FieldInt(row, "site_id"));
  std::int64_t const user_id = user_in.value_or(FieldInt(row, "user_id"));
  Json const* client = client_id > 0 ? store.Find("Client", client_id) : nullptr;
  if (client_in && *client_in > 0 && client == nullptr) {
    v.Fail("client_id", "Client " + std::to_string(*client_in) + " does not exist");
  }
  Json const* user = user_id > 0 ? store.Find("Users", user_id) : nullptr;
  if (user_in && *user_in > 0 && user == nullptr) {
    v.Fail("user_id", "User " + std::to_string(*user_in) + " does not exist");
  }
  if (create && user_in && *user_in > 0 && !site_in && ctx.options.require_site_for_user) {
    v.Fail("site_id", "A site_id must be entered when a user is selected");
  }
  Json const* site = site_id > 0 ? store.Find("Site", site_id) : nullptr;
  if (site_in && *site_in > 0 && site == nullptr) {
    v.Fail("site_id", "Site " + std::to_string(*site_in) + " does not exist");
  }
  if (!v.ok()) return;
  if (client == nullptr && site != nullptr) {
    client_id = FieldInt(*site, "client_id");
    client = store.Find("Client", client_id);
  }
  if (site != nullptr && client != nullptr && FieldInt(*site, "client_id") != client_id) {
    v.Fail("site_id", "Site " + std::to_string(site_id) + " does not belong to client " +
                          std::to_string(client_id));
  }
  if (user != nullptr && site != nullptr && FieldInt(*user, "site_id") != site_id) {
    auto const* user_site = store.Find("Site", FieldInt(*user, "site_id"));
    if (user_site == nullptr || FieldInt(*user_site, "client_id") != client_id) {
      v.Fail("user_id", "User " + std::to_string(user_id) + " does not belong to client " +
                            std::to_string(client_id));
    }
  }
  if (client != nullptr && site == nullptr) {
    site_id = FieldInt(*client, "main_site_id");
    site = store.Find("Site", site_id);
  }

  Json const* agent = nullptr;
  std::int64_t const agent_id = agent_in.value_or(FieldInt(row, "agent_id"));
  if (agent_id > 0) {
    agent = store.Find("Agent", agent_id);
    if (agent == nullptr) {
      v.Fail("agent_id", "Agent " + std::to_string(agent_id) + " does not exist");
    } else if (agent_in && agent->value("isdisabled", false)) {
      v.Fail("agent_id", "Agent " + std::to_string(agent_id) + " (" + FieldStr(*agent, "name") +
                             ") is inactive and cannot be assigned tickets");
    }
  }
  std::int64_t const status_id = status_in        ? *status_in
                                 : create && type ? FieldInt(*type, "initial_status")
                                                  : FieldInt(row, "status_id");
  if (store.Find("Status", status_id) == nullptr) {
    v.Fail("status_id", "Status " + std::to_string(status_id) + " does not exist");
  }
  std::int64_t priority_id = priority_in      ? *priority_in
                             : create && type ? FieldInt(*type, "default_priority")
                                              : FieldInt(row, "priority_id");
  bool const run_rules = create && !JsonBool(in.value("dont_do_rules", Json(false)));
  // The tenant's one ticket rule: a VIP client's new ticket is at least High. `dont_do_rules`
  // skips it, as it skips every rule in HaloPSA.
  if (run_rules && !priority_in && client != nullptr && client->value("is_vip", false) &&
      priority_id > 2 && PriorityExists(store, 2)) {
    priority_id = 2;
  }
  if (!PriorityExists(store, priority_id)) {
    v.Fail("priority_id", "Priority " + std::to_string(priority_id) + " does not exist");
  }
  std::int64_t const sla_id = sla_in                      ? *sla_in
                              : create && site != nullptr ? FieldInt(*site, "sla_id")
                              : create && type != nullptr ? FieldInt(*type, "default_sla")
                                                          : FieldInt(row, "sla_id");
  Json const* sla = store.Find("SLA", sla_id);
  if (sla_in && sla == nullptr) {
    v.Fail("sla_id", "SLA " + std::to_string(*sla_in) + " does not exist");
  }
  if (in.contains("team")) {
    auto team = FieldStr(in, "team");
    auto const* teams = store.find_table("Team");
    bool found = team.empty();
    if (teams != nullptr) {
      for (auto const& [tid, t] : teams->rows) found = found || FieldStr(t, "name") == team;
    }
    if (!found) v.Fail("team", "Team '" + team + "' does not exist");
  }
  for (int n = 1; n <= 4; ++n) {
    auto key = "categoryid_" + std::to_string(n);
    if (auto it = in.find(key); it != in.end() && !it->is_null()) {
      auto cid = JsonInt(*it);
      auto const* cat = cid ? store.Find("Category", *cid) : nullptr;
      if (cid && *cid == 0) {
        row["category_" + std::to_string(n)] = "";
      } else if (cat == nullptr) {
        v.Fail(key, "Category " + it->dump() + " does not exist");
      } else {
        row["category_" + std::to_string(n)] = FieldStr(*cat, "value");
      }
    }
  }
  std::int64_t const parent_id = parent_in.value_or(FieldInt(old_row, "parent_id"));
  if (parent_in && *parent_in > 0) {
    auto const* parent = store.Find("Tickets", *parent_in);
    if (parent == nullptr) {
      v.Fail("parent_id", "Parent ticket " + std::to_string(*parent_in) + " does not exist");
    } else if (*parent_in == id) {
      v.Fail("parent_id", "A ticket cannot be its own parent");
    } else if (FieldInt(*parent, "parent_id") == id && id != 0) {
      v.Fail("parent_id", "Ticket " + std::to_string(*parent_in) + " is a child of this ticket");
    }
  }
  // Relations are changed through these two write-only fields, never by posting
  // related_tickets itself.
  std::vector<std::int64_t> relate;
  if (auto it = in.find("new_related_tickets"); it != in.end() && !it->is_null()) {
    if (!it->is_array()) {
      v.Fail("new_related_tickets", "new_related_tickets must be an array of tickets");
    } else {
      for (auto const& entry : *it) {
        auto const rid = entry.is_object() ? JsonInt(entry.value("id", Json())) : std::nullopt;
        if (!rid || *rid <= 0) {
          v.Fail("new_related_tickets", "Each related ticket needs an id");
        } else if (*rid == id && !create) {
          v.Fail("new_related_tickets", "A ticket cannot be related to itself");
        } else if (store.Find("Tickets", *rid) == nullptr) {
          v.Fail("new_related_tickets",
                 "Related ticket " + std::to_string(*rid) + " does not exist");
        } else {
          relate.push_back(*rid);
          continue;
        }
        break;
      }
    }
  }
  std::int64_t const unrelate = InputId(in, "unrelate_from_ticket_id", v).value_or(0);
  if (unrelate > 0 && store.Find("Tickets", unrelate) == nullptr) {
    v.Fail("unrelate_from_ticket_id", "Ticket " + std::to_string(unrelate) + " does not exist");
  }
  bool const merge = JsonBool(in.value("domerge", Json(false)));
  if (merge) {
    auto const target = merge_into.value_or(0);
    auto const* into = target > 0 ? store.Find("Tickets", target) : nullptr;
    if (create) {
      v.Fail("domerge", "Only an existing ticket can be merged: send its id");
    } else if (target <= 0) {
      v.Fail("merged_into_id", "merged_into_id must name the ticket to merge into");
    } else if (into == nullptr) {
      v.Fail("merged_into_id", "Ticket " + std::to_string(target) + " does not exist");
    } else if (target == id) {
      v.Fail("merged_into_id", "A ticket cannot be merged into itself");
    } else if (FieldInt(*into, "merged_into_id") > 0) {
      v.Fail("merged_into_id", "Ticket " + std::to_string(target) + " was itself merged into " +
                                   std::to_string(FieldInt(*into, "merged_into_id")));
    }
  }
  if (!v.ok()) return;

  row["client_id"] = client_id;
  row["client_name"] = client ? FieldStr(*client, "name") : "";
  row["site_id"] = site_id;
  row["site_name"] = site ? FieldStr(*site, "name") : "";
  row["user_id"] = user_id;
  if (user != nullptr) {
    row["user_name"] = FieldStr(*user, "name");
  } else if (user_id == 0) {
    row["user_name"] = "";
  }
  if (user != nullptr && (create || user_in)) {
    row["user_email"] = FieldStr(*user, "emailaddress");
    if (!in.contains("reportedby")) row["reportedby"] = FieldStr(*user, "name");
  }
  row["tickettype_id"] = type ? FieldInt(*type, "id") : 0;
  row["tickettype_name"] = type ? FieldStr(*type, "name") : "";
  row["agent_id"] = agent_id;
  row["agent_name"] = agent ? FieldStr(*agent, "name") : "";
  if (agent_in && agent_id != FieldInt(old_row, "agent_id")) {
    row["dateassigned"] = agent_id > 0 ? Json(FormatTime(now)) : Json();
  }
  if (create && !in.contains("team") && type != nullptr) {
    row["team"] = type->value("default_team", "");
  }
  row["priority_id"] = priority_id;
  row["priority_name"] = PriorityName(store, priority_id, sla_id);
  row["sla_id"] = sla_id;
  row["sla_name"] = sla ? FieldStr(*sla, "name") : "";
  row["parent_id"] = parent_id;
  if (in.contains("details_html") && !in.contains("details")) {
    row["details"] = StripTags(FieldStr(row, "details_html"));
  } else if (in.contains("details") && !in.contains("details_html")) {
    row["details_html"] = HtmlEscape(FieldStr(row, "details"));
  }
  if (create) {
    if (row["dateoccurred"].is_null()) row["dateoccurred"] = FormatTime(now);
    row["datecreated"] = FormatTime(now);
    row["source"] = in.contains("source") ? row["source"] : Json(0);
    row["status_id"] = 0;  // so ApplyStatus sees a fresh ticket
  }
  if (create || status_id != FieldInt(old_row, "status_id")) {
    ApplyStatus(store, row, status_id, now);
  }
  row["last_update"] = FormatTime(now);
  if (create) row["lastactiondate"] = FormatTime(now);

  auto& s = Stage(staged, "Tickets", id, std::move(row));
  bool const send_ack = create && JsonBool(in.value("sendack", Json(false)));
  std::int64_t const old_parent = FieldInt(old_row, "parent_id");
  std::int64_t const merge_target = merge ? merge_into.value_or(0) : 0;
  s.commit = [merge_target, now](Store& st, Json& ticket) {
    ticket["web_url"] = "/tickets?id=" + std::to_string(FieldInt(ticket, "id"));
    ticket["api_url"] = "/api/Tickets/" + std::to_string(FieldInt(ticket, "id"));
    if (merge_target > 0) MergeTicket(st, ticket, merge_target, now);
  };
  s.after = [send_ack, old_parent, parent_id, now, relate, unrelate](Store& st,
                                                                     Json const& ticket) {
    if (send_ack) AddAcknowledgement(st, ticket, now);
    if (old_parent != parent_id) RecountChildren(st, old_parent);
    RecountChildren(st, parent_id);
    std::int64_t const self = FieldInt(ticket, "id");
    for (auto const other : relate) SetRelated(st, self, other, true);
    if (unrelate > 0) SetRelated(st, self, unrelate, false);
  };
}

void StageOpportunity(WriteContext const& ctx, Json const& in, Validator& v,
                      std::vector<Staged>& staged) {
  Store& store = ctx.store;
  auto target = LoadForWrite(store, "Opportunities", in, v);
  if (!target) return;
  auto& [row, id] = *target;
  bool const create = target->create();
  MergeKnown(row, in, {"id", "client_name", "agent_name", "status_name", "tickettype_name"});
  if (create && FieldStr(row, "summary").empty()) {
    v.Fail("summary", "A summary must be entered for this opportunity");
  }
  auto const client_in = InputId(in, "client_id", v);
  auto const agent_in = InputId(in, "agent_id", v);
  auto const status_in = InputId(in, "status_id", v);
  if (!v.ok()) return;
  auto const* client =
      FindReferenced(store, v, "client_id", client_in.value_or(0), "Client", "Client");
  auto const* agent = FindReferenced(store, v, "agent_id", agent_in.value_or(0), "Agent", "Agent");
  if (!v.ok()) return;
  if (client != nullptr) {
    row["client_id"] = *client_in;
    row["client_name"] = FieldStr(*client, "name");
    if (FieldStr(row, "oppcompanyname").empty()) row["oppcompanyname"] = row["client_name"];
  }
  if (agent_in) {
    row["agent_id"] = *agent_in;
    row["agent_name"] = agent ? FieldStr(*agent, "name") : "";
  }
  std::int64_t const status = status_in.value_or(create ? 1 : FieldInt(row, "status_id"));
  if (store.Find("Status", status) == nullptr) {
    v.Fail("status_id", "Status " + std::to_string(status) + " does not exist");
    return;
  }
  if (create) {
    auto const type = FirstTypeWithUse(store, "opportunity");
    row["tickettype_id"] = type;
    row["tickettype_name"] = type ? FieldStr(*store.Find("TicketType", type), "name") : "";
    row["dateoccurred"] = FormatTime(ctx.now);
    row["datecreated"] = FormatTime(ctx.now);
    row["status_id"] = 0;
  }
  if (create || status != FieldInt(row, "status_id")) ApplyStatus(store, row, status, ctx.now);
  row["is_opportunity"] = true;
  row["last_update"] = FormatTime(ctx.now);
  Stage(staged, "Opportunities", id, std::move(row));
}

void StageAction(WriteContext const& ctx, Json const& in, Validator& v,
                 std::vector<Staged>& staged) {
  Store& store = ctx.store;
  std::int64_t const now = ctx.now;
  auto id = InputId(in, "id", v);
  auto ticket_id = InputId(in, "ticket_id", v);
  auto const actionby_in = InputId(in, "actionby_agent_id", v);
  auto const on_behalf_in = InputId(in, "on_behalf_of", v);
  if (!v.ok()) return;
  bool const create = !id || *id <= 0;
  if (!ticket_id || *ticket_id <= 0) {
    v.Fail("ticket_id", "An Action must be associated with a ticket_id");
    return;
  }
  auto const* ticket = store.Find("Tickets", *ticket_id);
  if (ticket == nullptr) {
    v.Fail("ticket_id", "Ticket " + std::to_string(*ticket_id) + " does not exist");
    return;
  }
  Json row;
  if (!create) {
    auto it = store.actions().find({*ticket_id, *id});
    if (it == store.actions().end()) {
      v.FailNotFound("id", "Action " + std::to_string(*id) + " does not exist on ticket " +
                               std::to_string(*ticket_id));
      return;
    }
    row = it->second;
  } else {
    row = NewRecord("Actions");
  }
  Json const* outcome = nullptr;
  if (create || HasOutcome(in)) {
    if (!HasOutcome(in)) {
      v.Fail("outcome", "An Outcome must be entered for this Action");
      return;
    }
    outcome = FindOutcome(store, in);
    if (outcome == nullptr || OutcomeRestricted(store, *outcome)) {
      v.Fail("outcome", "You do not have access to this Action at the moment");
      return;
    }
  }
  // Who did it (README "Who did an action"): the application's own agent unless the post
  // names the agent the work is credited to; who / who_agentid / who_type are derived.
  std::int64_t by = ApiAgentId(store);
  if (create && actionby_in && ctx.options.honour_actionby_agent) {
    auto const* agent =
        FindReferenced(store, v, "actionby_agent_id", *actionby_in, "Agent", "Agent");
    if (agent != nullptr && agent->value("isdisabled", false)) {
      v.Fail("actionby_agent_id", "Agent " + std::to_string(*actionby_in) + " (" +
                                      FieldStr(*agent, "name") +
                                      ") is inactive; actions cannot be logged as them");
    } else if (agent != nullptr) {
      by = *actionby_in;
    }
  }
  FindReferenced(store, v, "on_behalf_of", on_behalf_in.value_or(0), "Agent", "Agent");
  if (!v.ok()) return;
  double const old_time = FieldNum(row, "timetaken");
  MergeKnown(row, in,
             {"id", "ticket_id", "outcome", "outcome_id", "who", "who_agentid", "who_type",
              "timetaken", "new_status", "new_status_name", "actiondatecreated",
              "actionby_agent_id", "on_behalf_of", "on_behalf_of_name"});
  double time = old_time;
  if (auto it = in.find("timetaken"); it != in.end() && !it->is_null()) {
    auto hours = JsonNumber(*it);
    if (!hours || *hours < 0) {
      v.Fail("timetaken", "timetaken must be a number of hours");
      return;
    }
    time = *hours;
  }
  std::int64_t new_status = 0;
  // An explicit new_status wins over the status the outcome sets (TOutcome.newstatus).
  if (auto it = in.find("new_status"); it != in.end() && !it->is_null()) {
    auto s = JsonInt(*it);
    if (!s || (*s != 0 && store.Find("Status", *s) == nullptr)) {
      v.Fail("new_status", "Status " + it->dump() + " does not exist");
      return;
    }
    new_status = *s;
  } else if (create && outcome != nullptr) {
    new_status = FieldInt(*outcome, "newstatus");
  }
  if (outcome != nullptr) {
    row["outcome"] = FieldStr(*outcome, "outcome");
    row["outcome_id"] = FieldInt(*outcome, "id");
    if (create && !in.contains("hiddenfromuser")) {
      row["hiddenfromuser"] = outcome->value("hidefromuser", false);
    }
  }
  if (in.contains("note_html") && !in.contains("note")) {
    row["note"] = StripTags(FieldStr(row, "note_html"));
  } else if (in.contains("note") && !in.contains("note_html")) {
    row["note_html"] = HtmlEscape(FieldStr(row, "note"));
  }
  row["ticket_id"] = *ticket_id;
  row["timetaken"] = time;
  row["timetakendays"] = time / 8.0;
  if (create && !in.contains("chargerate")) row["chargerate"] = time > 0 ? 1 : 0;
  if (on_behalf_in) {
    row["on_behalf_of"] = *on_behalf_in;
    row["on_behalf_of_name"] = AgentName(store, *on_behalf_in);
  }
  if (create) {
    row["who"] = AgentName(store, by);
    if (FieldStr(row, "who").empty()) row["who"] = "API";
    row["who_type"] = 1;
    row["who_agentid"] = by;
    row["actionby_agent_id"] = by;
    if (row["datetime"].is_null()) row["datetime"] = FormatTime(now);
    row["actiondatecreated"] = FormatTime(now);
  }
  if (new_status != 0) {
    row["new_status"] = new_status;
    row["new_status_name"] = FieldStr(*store.Find("Status", new_status), "name");
  }
  auto& s = Stage(staged, "Actions", create ? 0 : *id, std::move(row));
  s.ticket_id = *ticket_id;
  double const delta = time - old_time;
  s.commit = [delta, new_status, now, by, create](Store& st, Json& action) {
    auto* t = st.Find("Tickets", FieldInt(action, "ticket_id"));
    if (t == nullptr) return;
    // timetaken is in hours and accumulates on the ticket.
    (*t)["timetaken"] = FieldNum(*t, "timetaken") + delta;
    auto const billable = FieldInt(action, "chargerate") != 0;
    char const* bucket = billable ? "chargeabletime" : "nonchargeabletime";
    (*t)[bucket] = FieldNum(*t, bucket) + delta;
    (*t)["lastactiondate"] = FormatTime(now);
    (*t)["last_update"] = FormatTime(now);
    if (new_status != 0 && new_status != FieldInt(*t, "status_id")) {
      ApplyStatus(st, *t, new_status, now);
    }
    if (create && delta > 0) {
      auto const event_id = st.AllocateId("TimesheetEvent");
      auto const start = now - static_cast<std::int64_t>(delta * 3600);
      st.Put("TimesheetEvent", event_id, ActionTimeEvent(event_id, *t, action, by, start, delta));
    }
  };
}

}  // namespace halo_sim
