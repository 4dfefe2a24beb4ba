// Seeds who works on what and when: departed agents, linked tickets and projects, time, the
// calendar and approvals.
#include "sim/api_util.h"
#include "sim/approvals.h"
#include "sim/list_filters.h"
#include "sim/tenant_seed.h"
#include "sim/ticket_writes.h"
#include "sim/timesheets.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace halo_sim::seed {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kHour = 3600;

std::int64_t At(std::int64_t day, double hours) {
  return day + static_cast<std::int64_t>(std::llround(hours * kHour));
}

bool Weekday(std::int64_t day) {
  auto const w = (day / kDay + 4) % 7;  // 0 = Sunday
  return w != 0 && w != 6;
}

/// Open tickets per assigned agent, in id order.
std::map<std::int64_t, std::vector<std::int64_t>> OpenTicketsByAgent(Store const& store) {
  std::map<std::int64_t, std::vector<std::int64_t>> out;
  for (auto const& [id, t] : store.table("Tickets").rows) {
    if (!IsClosedStatus(store, FieldInt(t, "status_id")) && FieldInt(t, "agent_id") > 0) {
      out[FieldInt(t, "agent_id")].push_back(id);
    }
  }
  return out;
}

void PutEvent(Store& store, Json event) {
  auto const id = store.AllocateId("TimesheetEvent");
  event["id"] = id;
  store.Put("TimesheetEvent", id, std::move(event));
}

Json OtherTime(std::int64_t agent_id, std::string const& subject, std::int64_t start, double hours,
               int charge_rate) {
  Json e = NewRecord("TimesheetEvent");
  e["event_type"] = 1;
  e["subject"] = subject;
  e["start_date"] = FormatTime(start);
  e["end_date"] = FormatTime(start + static_cast<std::int64_t>(hours * kHour));
  e["timetaken"] = hours;
  e["agent_id"] = agent_id;
  e["charge_rate"] = charge_rate;
  return e;
}

/// Logs work on a ticket as an agent would: a timed action and its timesheet event.
void LogTicketWork(Store& store, std::int64_t ticket_id, std::int64_t agent_id, std::int64_t when,
                   double hours, std::string const& note) {
  auto* ticket = store.Find("Tickets", ticket_id);
  if (ticket == nullptr) return;
  auto const number = store.AllocateActionId(ticket_id);
  auto const* outcome = FindOutcome(store, Json{{"outcome", "Remote Session"}});
  Json const a =
      SeededAction(ticket_id, number, outcome ? FieldStr(*outcome, "outcome") : "Remote Session",
                   outcome ? FieldInt(*outcome, "id") : 0, agent_id, AgentName(store, agent_id),
                   when, note, hours);
  store.PutAction(ticket_id, number, a);
  (*ticket)["timetaken"] = FieldNum(*ticket, "timetaken") + hours;
  (*ticket)["chargehours"] = FieldNum(*ticket, "chargehours") + hours;
  (*ticket)["lastactiondate"] = a["datetime"];
  (*ticket)["last_update"] = a["datetime"];
  auto const event_id = store.AllocateId("TimesheetEvent");
  store.Put("TimesheetEvent", event_id,
            ActionTimeEvent(event_id, *ticket, a, agent_id,
                            when - static_cast<std::int64_t>(hours * kHour), hours));
}

Json Step(std::int64_t id, std::int64_t process, std::string const& name, int type,
          std::int64_t approver, std::string const& approver_name, std::int64_t accept,
          std::int64_t reject) {
  return Json{{"id", id},
              {"processid", process},
              {"sequence", 1},
              {"name", name},
              {"type", type},
              {"agent_id_or_cab_id", approver},
              {"agent_name", type == 0 ? approver_name : ""},
              {"cab_name", type == kCabStep ? approver_name : ""},
              {"statusawaitingapproval", 11},
              {"statusafteraccept", accept},
              {"statusafterreject", reject},
              {"minapprovers", 1},
              {"notifyagent", true},
              {"notifyenduser", type == 1}};
}

}  // namespace

Json SeededAction(std::int64_t ticket_id, std::int64_t number, std::string const& outcome,
                  std::int64_t outcome_id, std::int64_t who_agent, std::string const& who,
                  std::int64_t when, std::string const& note, double hours) {
  Json a = NewRecord("Actions");
  a["ticket_id"] = ticket_id;
  a["id"] = number;
  a["outcome"] = outcome;
  a["outcome_id"] = outcome_id;
  a["who"] = who;
  a["who_type"] = who_agent ? 1 : 2;
  a["who_agentid"] = who_agent;
  a["actionby_agent_id"] = who_agent;
  a["datetime"] = FormatTime(when);
  a["actiondatecreated"] = a["datetime"];
  a["note"] = note;
  a["note_html"] = "<p>" + HtmlEscape(note) + "</p>";
  a["timetaken"] = hours;
  a["timetakendays"] = hours / 8.0;
  a["chargerate"] = hours > 0 ? 1 : 0;
  return a;
}

std::vector<std::int64_t> ActiveAgents(Store const& store) {
  std::vector<std::int64_t> out;
  for (auto const& [id, a] : store.table("Agent").rows) {
    if (!a.value("isdisabled", false) && !a.value("isapiagent", false)) out.push_back(id);
  }
  return out;
}

void SeedPeople(Tenant& t, Prng& rng) {
  Store& store = t.store;
  if (t.size.agents < 4) return;
  struct Departed {
    std::string first, last, team;
    std::int64_t team_id;
  };
  std::vector<Departed> const departed = {{"Gareth", "Lloyd", "1st Line", 1},
                                          {"Fiona", "Baxter", "2nd Line", 2}};
  std::map<std::string, std::int64_t> by_team;
  auto next = store.table("Agent").next_id;
  for (auto const& d : departed) {
    auto const id = next++;
    auto const name = d.first + " " + d.last;
    store.Put("Agent", id,
              Json{{"id", id},
                   {"name", name},
                   {"firstname", d.first},
                   {"surname", d.last},
                   {"initials", std::string{d.first[0], d.last[0]}},
                   {"email", Lower(d.first) + "." + Lower(d.last) + "@northwind-it.co.uk"},
                   {"team", d.team},
                   {"teams", Json::array({Json{{"team_id", d.team_id}, {"team_name", d.team}}})},
                   {"isdisabled", true},
                   {"is_agent", true},
                   {"isapiagent", false},
                   {"role_list", "Agent"},
                   {"jobtitle", d.team_id == 1 ? "Service Desk Analyst" : "Senior Engineer"},
                   {"colour", "#9e9e9e"},
                   {"extensionnumber", ""},
                   {"workhour_start", 8.5},
                   {"workhour_end", 17.0},
                   {"lunchbreak", 0.5}});
    by_team[d.team] = id;
  }
  // They still own tickets, open ones included: a re-assignment job for the desk.
  for (auto& [ticket_id, ticket] : store.table("Tickets").rows) {
    auto it = by_team.find(FieldStr(ticket, "team"));
    auto const old_agent = FieldInt(ticket, "agent_id");
    if (it == by_team.end() || old_agent == 0 || !rng.Chance(7)) continue;
    ticket["agent_id"] = it->second;
    ticket["agent_name"] = AgentName(store, it->second);
    auto first = store.actions().lower_bound({ticket_id, INT64_MIN});
    auto last = store.actions().lower_bound({ticket_id + 1, INT64_MIN});
    for (auto a = first; a != last; ++a) {
      if (FieldInt(a->second, "who_agentid") != old_agent) continue;
      a->second["who_agentid"] = it->second;
      a->second["actionby_agent_id"] = it->second;
      a->second["who"] = ticket["agent_name"];
    }
  }
}

void SeedTicketLinks(Tenant& t, Prng& rng) {
  Store& store = t.store;
  auto& tickets = store.table("Tickets").rows;
  // Linked incidents: the same fault reported again by one client becomes a child of the first.
  std::map<std::pair<std::int64_t, std::string>, std::vector<std::int64_t>> same;
  for (auto const& [id, ticket] : tickets) {
    if (IsClosedStatus(store, FieldInt(ticket, "status_id")) || IsProject(store, ticket)) continue;
    same[{FieldInt(ticket, "client_id"), FieldStr(ticket, "summary")}].push_back(id);
  }
  std::vector<std::int64_t> parents;
  for (auto const& [key, ids] : same) {
    if (ids.size() < 2) continue;
    parents.push_back(ids.front());
    for (std::size_t i = 1; i < ids.size() && i <= 4; ++i)
      tickets[ids[i]]["parent_id"] = ids.front();
  }
  if (parents.empty()) {
    // Small tenants: link two open tickets of one client so the relation always exists.
    std::map<std::int64_t, std::vector<std::int64_t>> by_client;
    for (auto const& [k, ids] : same) {
      for (auto id : ids) by_client[k.first].push_back(id);
    }
    for (auto& [client, ids] : by_client) {
      if (ids.size() < 2) continue;
      std::sort(ids.begin(), ids.end());
      tickets[ids[1]]["parent_id"] = ids[0];
      parents.push_back(ids[0]);
      break;
    }
  }
  std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> children;  // count, open
  for (auto const& [id, ticket] : tickets) {
    if (auto parent = FieldInt(ticket, "parent_id"); parent > 0) {
      auto& [count, open] = children[parent];
      ++count;
      open += IsClosedStatus(store, FieldInt(ticket, "status_id")) ? 0 : 1;
    }
  }
  for (auto const& [parent, counts] : children) {
    tickets[parent]["child_count"] = counts.first;
    tickets[parent]["child_count_open"] = counts.second;
  }
  // Projects carry a budget, dates and progress.
  for (auto& [id, ticket] : tickets) {
    if (!IsProject(store, ticket)) continue;
    double const budget = static_cast<double>(rng.Range(2, 10) * 8);
    double const actual = FieldNum(ticket, "timetaken");
    auto const start = FieldTime(ticket, "dateoccurred").value_or(t.anchor);
    ticket["estimate"] = budget;
    ticket["projecttimebudget"] = budget;
    ticket["projecttimeactual"] = actual;
    ticket["projectmoneybudget"] = budget * 95.0;
    ticket["projecttimepercentage"] = std::min(100.0, std::round(actual / budget * 1000.0) / 10.0);
    ticket["startdate"] = FormatTime(start);
    ticket["targetdate"] = FormatTime(start + rng.Range(30, 90) * kDay);
  }
}

void SeedTime(Tenant& t, Prng& rng) {
  Store& store = t.store;
  // Time on ticket actions (the last 60 days), as HaloPSA records it on the timesheet.
  std::vector<std::pair<std::int64_t, std::int64_t>> timed;
  for (auto const& [key, a] : store.actions()) {
    auto when = FieldTime(a, "datetime");
    if (FieldNum(a, "timetaken") > 0 && FieldInt(a, "who_agentid") > 0 && when &&
        *when >= t.anchor - 60 * kDay) {
      timed.push_back(key);
    }
  }
  for (auto const& key : timed) {
    auto const& a = store.actions().at(key);
    auto const* ticket = store.Find("Tickets", key.first);
    auto const id = store.AllocateId("TimesheetEvent");
    store.Put(
        "TimesheetEvent", id,
        ActionTimeEvent(id, *ticket, a, FieldInt(a, "who_agentid"),
                        FieldTime(a, "datetime").value_or(t.anchor), FieldNum(a, "timetaken")));
  }
  // Time not on tickets over the last four weeks, and today's work so far.
  auto const agents = ActiveAgents(store);
  auto const open = OpenTicketsByAgent(store);
  std::vector<std::string> const training = {"Training: Microsoft Intune", "Training: Azure AD",
                                             "Training: ITIL 4 Foundation",
                                             "Training: Sophos Firewall"};
  for (auto day = t.anchor - 27 * kDay; day <= t.anchor; day += kDay) {
    if (!Weekday(day)) continue;
    bool const monday = (day / kDay + 4) % 7 == 1;
    for (auto agent_id : agents) {
      auto const& agent = *store.Find("Agent", agent_id);
      double const begin = FieldNum(agent, "workhour_start");
      double const end = FieldNum(agent, "workhour_end");
      std::vector<Json> events;
      events.push_back(OtherTime(agent_id, "Daily stand-up", At(day, begin + 0.25), 0.25, 0));
      if (monday) events.push_back(OtherTime(agent_id, "Team meeting", At(day, 14), 1.0, 0));
      if (rng.Chance(30)) {
        events.push_back(OtherTime(agent_id, "Admin: email, timesheets and queue review",
                                   At(day, end - 0.5), 0.5, 0));
      }
      if (rng.Chance(8)) {
        events.push_back(
            OtherTime(agent_id, rng.Pick(training), At(day, 13.5), rng.Chance(50) ? 1.5 : 3.0, 0));
      } else if (rng.Chance(10) && !t.clients.empty()) {
        auto const& client = rng.Pick(t.clients);
        Json travel = OtherTime(agent_id, "Travel to " + client.name, At(day, 12.5), 1.0, 1);
        travel["client_id"] = client.id;
        travel["customer"] = client.name;
        events.push_back(std::move(travel));
      }
      for (auto& e : events) {
        if (ParseTime(FieldStr(e, "end_date")).value_or(t.now + 1) <= t.now) PutEvent(store, e);
      }
      // Today: an hour or two of ticket work so far, on the agent's own open tickets.
      auto mine = open.find(agent_id);
      if (day != t.anchor || mine == open.end()) continue;
      double at = begin + 0.75;
      for (std::size_t k = 0; k < std::min<std::size_t>(2, mine->second.size()); ++k) {
        double const hours = 0.25 * static_cast<double>(rng.Range(2, 6));
        if (At(day, at + hours) > t.now) break;
        LogTicketWork(store, mine->second[k], agent_id, At(day, at + hours), hours,
                      "Remote session: investigated and updated the user.");
        at += hours + 0.25;
      }
    }
  }
}

void SeedCalendar(Tenant& t, Prng& rng) {
  Store& store = t.store;
  auto const agents = ActiveAgents(store);
  if (agents.empty()) return;
  auto put = [&](std::int64_t agent_id, std::string const& subject, std::int64_t start,
                 double hours, Json const* ticket, int type_id, std::string const& type_name) {
    Json a = NewRecord("Appointment");
    auto const id = store.AllocateId("Appointment");
    auto const end = start + static_cast<std::int64_t>(hours * kHour);
    a["id"] = id;
    a["subject"] = subject;
    a["start_date"] = FormatTime(start);
    a["end_date"] = FormatTime(end);
    a["agent_id"] = agent_id;
    a["agent_name"] = AgentName(store, agent_id);
    a["appointment_type_id"] = type_id;
    a["appointment_type_name"] = type_name;
    a["complete_status"] = end <= t.now ? 1 : 0;
    if (ticket != nullptr) {
      for (auto const* f :
           {"client_id", "client_name", "site_id", "site_name", "user_id", "user_name"}) {
        a[f] = (*ticket)[f];
      }
      a["ticket_id"] = (*ticket)["id"];
      a["appointment_location_free_text"] = (*ticket)["site_name"];
    } else {
      a["appointment_location_free_text"] = "Office";
    }
    store.Put("Appointment", id, std::move(a));
  };
  auto const& tickets = store.table("Tickets").rows;
  auto const first_ticket = tickets.empty() ? 0 : tickets.begin()->first;
  int const spread = std::min(60, t.size.tickets / 10 + 5);
  for (int k = 0; k < spread; ++k) {
    auto const start = t.anchor + rng.Range(-30, 30) * kDay + rng.Range(8, 16) * kHour;
    auto const ticket_id = tickets.empty() ? 0 : first_ticket + rng.Range(0, t.size.tickets - 1);
    auto const* ticket = store.Find("Tickets", ticket_id);
    auto const agent = rng.Pick(agents);
    if (ticket == nullptr) {
      put(agent, "Team meeting", start, 1, nullptr, 3, "Meeting");
    } else {
      put(agent, "Site visit: " + FieldStr(*ticket, "summary"), start,
          static_cast<double>(rng.Range(1, 3)), ticket, 1, "Site Visit");
    }
  }
  // Today and tomorrow for every agent: what "my calendar" should show.
  auto const open = OpenTicketsByAgent(store);
  for (std::size_t k = 0; k < agents.size(); ++k) {
    auto const agent_id = agents[k];
    auto mine = open.find(agent_id);
    Json const* ticket = mine == open.end() ? nullptr : store.Find("Tickets", mine->second.front());
    if (ticket != nullptr) {
      put(agent_id, "Remote session: " + FieldStr(*ticket, "summary"), At(t.anchor, 10), 1.0,
          ticket, 2, "Remote Session");
    } else {
      put(agent_id, "Client review meeting", At(t.anchor, 10), 1.0, nullptr, 3, "Meeting");
    }
    auto const* later = mine != open.end() && mine->second.size() > 1
                            ? store.Find("Tickets", mine->second[1])
                            : ticket;
    if (later != nullptr) {
      put(agent_id, "Site visit: " + FieldStr(*later, "summary"), At(t.anchor + kDay, 14), 1.5,
          later, 1, "Site Visit");
    }
    if (k % 3 == 0)
      put(agent_id, "1:1 with service manager", At(t.anchor + kDay, 9.5), 0.5, nullptr, 3,
          "Meeting");
  }
}

void SeedApprovals(Tenant& t, Prng& rng) {
  Store& store = t.store;
  auto const agents = ActiveAgents(store);
  std::int64_t manager = agents.empty() ? ApiAgentId(store) : agents.back();
  for (auto id : agents) {
    if (FieldStr(*store.Find("Agent", id), "team") == "Service Management") manager = id;
  }
  auto const manager_name = AgentName(store, manager);
  store.Put("ApprovalProcess", 1,
            Json{{"id", 1},
                 {"name", "Change approval"},
                 {"type", 0},
                 {"no_status_change", false},
                 {"steps", Json::array({Step(1, 1, "Service manager approval", 0, manager,
                                             manager_name, 7, 3)})}});
  store.Put("ApprovalProcess", 2,
            Json{{"id", 2},
                 {"name", "Line manager approval"},
                 {"type", 0},
                 {"no_status_change", false},
                 {"steps", Json::array({Step(2, 2, "Requester's line manager", 1, 0, "", 2, 8)})}});
  store.Put("ApprovalProcess", 3,
            Json{{"id", 3},
                 {"name", "CAB approval"},
                 {"type", 0},
                 {"no_status_change", false},
                 {"steps", Json::array({Step(3, 3, "Change Advisory Board", kCabStep, 1,
                                             "Change Advisory Board", 7, 3)})}});
  std::map<std::int64_t, std::int64_t> contact;  // client -> important contact
  for (auto const& c : t.clients) {
    if (!c.users.empty()) contact[c.id] = c.users.front();
  }
  std::int64_t uniqueid = 1;
  auto add = [&](Json& ticket, std::int64_t process, int result, bool to_agent) {
    auto const ticket_id = FieldInt(ticket, "id");
    auto const opened = FieldTime(ticket, "dateoccurred").value_or(t.anchor);
    auto const* step = &store.Find("ApprovalProcess", process)->at("steps")[0];
    Json a = NewRecord("TicketApproval");
    a["uniqueid"] = uniqueid;
    a["ticket_id"] = ticket_id;
    a["seq"] = 1;
    a["result"] = result;
    a["approval_process_id"] = process;
    a["approval_process_name"] = FieldStr(*store.Find("ApprovalProcess", process), "name");
    a["step_id"] = (*step)["id"];
    a["step_name"] = (*step)["name"];
    if (to_agent) {
      a["type"] = 0;
      a["agent_id"] = manager;
      a["name"] = manager_name;
      a["emailaddress"] = FieldStr(*store.Find("Agent", manager), "email");
    } else {
      auto const user_id = contact[FieldInt(ticket, "client_id")];
      auto const* user = store.Find("Users", user_id);
      a["type"] = 1;
      a["user_id"] = user_id;
      a["name"] = user ? FieldStr(*user, "name") : "";
      a["emailaddress"] = user ? FieldStr(*user, "emailaddress") : "";
    }
    a["datetime"] = FormatTime(opened + kHour);
    a["requestor_agent_id"] = FieldInt(ticket, "agent_id");
    a["requestor_name"] = FieldStr(ticket, "agent_name");
    a["summary"] = ticket["summary"];
    a["note"] = "Please approve: " + FieldStr(ticket, "summary");
    if (result != kApprovalPending) {
      a["dateapproved"] = FormatTime(opened + rng.Range(2, 30) * kHour);
      a["approver_note"] = result == kApprovalApproved ? "Approved, go ahead." : "Not this month.";
    } else {
      ApplyStatus(store, ticket, FieldInt(*step, "statusawaitingapproval"), t.now);
    }
    store.Put("TicketApproval", uniqueid++, std::move(a));
  };
  for (auto& [id, ticket] : store.table("Tickets").rows) {
    bool const closed = IsClosedStatus(store, FieldInt(ticket, "status_id"));
    auto const type = FieldInt(ticket, "tickettype_id");
    auto const category = FieldInt(ticket, "categoryid_1");
    if (type == 4) {
      if (closed) {
        add(ticket, 1, kApprovalApproved, true);
      } else if (rng.Chance(70)) {
        add(ticket, 1, kApprovalPending, true);
      }
    } else if (type == 2 && (category == 9 || category == 4) &&
               contact.count(FieldInt(ticket, "client_id"))) {
      if (closed && rng.Chance(50)) {
        add(ticket, 2, rng.Chance(90) ? kApprovalApproved : kApprovalRejected, false);
      } else if (!closed && rng.Chance(40)) {
        add(ticket, 2, kApprovalPending, false);
      }
    }
  }
  if (uniqueid == 1) {
    // Small tenants: one pending approval so the flow can always be tried.
    for (auto& [id, ticket] : store.table("Tickets").rows) {
      if (!IsClosedStatus(store, FieldInt(ticket, "status_id"))) {
        add(ticket, 1, kApprovalPending, true);
        break;
      }
    }
  }
}

}  // namespace halo_sim::seed
