#include "sim/list_filters.h"

#include <algorithm>

namespace halo_sim {
namespace {

/// An "(array of int)" filter whose values are categories (e.g. includeclosed: 1 = closed,
/// 0 = not closed): keeps rows whose category is listed.
void AddCategoryFilter(std::vector<Predicate>& preds, Params const& p, std::string const& param,
                       std::function<std::int64_t(Json const&)> category) {
  if (auto wanted = p.IntSet(param)) {
    preds.push_back([wanted = *wanted, category = std::move(category)](Json const& r) {
      return wanted.count(category(r)) > 0;
    });
  }
}

void AddTextFilter(std::vector<Predicate>& preds, Params const& p, std::string const& param,
                   char const* field) {
  auto v = p.Get(param);
  if (!v || v->empty()) return;
  preds.push_back([needle = Lower(*v), field](Json const& r) {
    return ContainsLower(FieldStr(r, field), needle);
  });
}

/// Filters every ticket-shaped list shares (Tickets, Projects, Opportunities).
std::vector<Predicate> TicketFilters(Store const& store, Params const& p, std::int64_t now) {
  std::vector<Predicate> preds;
  // The list filter is requesttype_id / requesttype; `tickettype_id` is NOT a list filter and is
  // ignored, exactly like HaloPSA does.
  AddIntEq(preds, p, "requesttype_id", "tickettype_id");
  AddIntIn(preds, p, "requesttype", "tickettype_id");
  AddIntEq(preds, p, "client_id", "client_id");
  AddIntIn(preds, p, "client_ids", "client_id");
  AddIntEq(preds, p, "site_id", "site_id");
  AddIntEq(preds, p, "user_id", "user_id");
  AddIntEq(preds, p, "agent_id", "agent_id");
  AddIntIn(preds, p, "agent", "agent_id");  // array of agent ids; 0 = unassigned
  AddIntIn(preds, p, "status_id", "status_id");
  AddIntIn(preds, p, "status", "status_id");      // the spec's array filter (ids, comma-joined)
  AddIntIn(preds, p, "priority", "priority_id");  // the spec's name; `priority_id` is ignored
  AddIntIn(preds, p, "sla", "sla_id");
  AddIntIn(preds, p, "ticketids", "id");
  AddIntEq(preds, p, "parent_id", "parent_id");
  AddIntEq(preds, p, "contract_id", "contract_id");
  if (auto excluded = p.IntSet("excludethese")) {
    preds.push_back([e = *excluded](Json const& r) { return e.count(FieldInt(r, "id")) == 0; });
  }
  if (auto asset = p.Int("asset_id")) {
    preds.push_back([a = *asset](Json const& r) {
      for (auto const& linked : r.value("assets", Json::array())) {
        if (FieldInt(linked, "id") == a) return true;
      }
      return false;
    });
  }
  if (auto teams = p.IntSet("team")) {
    std::set<std::string> names;
    for (auto id : *teams) {
      if (auto const* t = store.Find("Team", id)) names.insert(FieldStr(*t, "name"));
    }
    preds.push_back([names](Json const& r) { return names.count(FieldStr(r, "team")) > 0; });
  }
  if (auto name = p.Get("team_name")) {
    preds.push_back([n = Lower(*name)](Json const& r) { return Lower(FieldStr(r, "team")) == n; });
  }
  if (p.Flag("open_only")) {
    preds.push_back(
        [&store](Json const& r) { return !IsClosedStatus(store, FieldInt(r, "status_id")); });
  }
  if (p.Flag("closed_only")) {
    preds.push_back(
        [&store](Json const& r) { return IsClosedStatus(store, FieldInt(r, "status_id")); });
  }
  if (p.Flag("mine")) {
    preds.push_back(
        [api = ApiAgentId(store)](Json const& r) { return FieldInt(r, "agent_id") == api; });
  }
  if (p.Flag("withattachments")) {
    preds.push_back([](Json const& r) { return FieldInt(r, "attachment_count") > 0; });
  }
  AddCategoryFilter(preds, p, "includeclosed", [&store](Json const& r) {
    return IsClosedStatus(store, FieldInt(r, "status_id")) ? 1 : 0;
  });
  AddCategoryFilter(preds, p, "includebreached",
                    [&store, now](Json const& r) { return SlaBreached(store, r, now) ? 1 : 0; });
  // 0 = no children and not a child, 1 = has children, 2 = is a child.
  AddCategoryFilter(preds, p, "includechildren", [](Json const& r) -> std::int64_t {
    if (FieldInt(r, "parent_id") > 0) return 2;
    return FieldInt(r, "child_count") > 0 ? 1 : 0;
  });
  // 1 = opportunities, 2 = projects, 0 = neither.
  AddCategoryFilter(preds, p, "includeprojects", [&store](Json const& r) -> std::int64_t {
    if (r.value("is_opportunity", false)) return 1;
    return IsProject(store, r) ? 2 : 0;
  });
  AddSearch(preds, p, {"summary", "details", "id", "user_name", "client_name"});
  AddTextFilter(preds, p, "search_summary", "summary");
  AddTextFilter(preds, p, "search_user_name", "user_name");
  AddTextFilter(preds, p, "search_details", "details");
  if (auto which = p.Get("datesearch")) {
    auto w = Lower(*which);
    // Halo spells the opened date "dateoccured" (sic) in datesearch.
    char const* field = w == "dateoccured" || w == "dateoccurred" ? "dateoccurred"
                        : w == "datecleared" || w == "dateclosed" ? "dateclosed"
                        : w == "lastactiondate"                   ? "lastactiondate"
                        : w == "fixbydate"                        ? "fixbydate"
                                                                  : nullptr;
    if (field != nullptr) AddDateRange(preds, p.Get("startdate"), p.Get("enddate"), field);
  }
  AddDateRange(preds, p.Get("lastupdatefromdate"), p.Get("lastupdatetodate"), "last_update");
  return preds;
}

void ActionFilters(Store const& store, Params const& p, std::vector<Predicate>& preds) {
  AddIntEq(preds, p, "ticket_id", "ticket_id");
  if (p.Flag("excludesys")) {
    preds.push_back([&store](Json const& r) {
      auto const* o = store.Find("Outcome", FieldInt(r, "outcome_id"));
      return o == nullptr || FieldInt(*o, "systemid") == 0;
    });
  }
  if (p.Flag("excludeprivate") || p.Flag("conversationonly")) {
    preds.push_back([](Json const& r) { return !r.value("hiddenfromuser", false); });
  }
  if (p.Flag("agentonly")) {
    preds.push_back([](Json const& r) { return FieldInt(r, "who_type") == 1; });
  }
  if (p.Flag("timeentriesonly")) {
    preds.push_back([](Json const& r) { return FieldNum(r, "timetaken") > 0; });
  }
  AddFlagFilter(preds, p, "importantonly", "important");
  AddDateRange(preds, p.Get("startdate"), p.Get("enddate"), "datetime");
}

void AgentFilters(Params const& p, std::vector<Predicate>& preds) {
  bool disabled = p.Flag("includedisabled");
  bool enabled = p.FlagOr("includeenabled", true);
  if (auto both = p.Get("activeinactive")) {
    auto comma = both->find(',');
    enabled = Lower(both->substr(0, comma)) == "true";
    disabled = comma != std::string::npos && Lower(both->substr(comma + 1)) == "true";
  }
  bool const api = p.Flag("includeapiagents");
  preds.push_back([=](Json const& r) {
    if (r.value("isapiagent", false) && !api) return false;
    return r.value("isdisabled", false) ? disabled : enabled;
  });
  if (auto team_id = p.Int("team_id")) {
    preds.push_back([t = *team_id](Json const& r) {
      for (auto const& team : r.value("teams", Json::array())) {
        if (FieldInt(team, "team_id") == t) return true;
      }
      return false;
    });
  }
  if (auto team = p.Get("team")) {
    preds.push_back([n = Lower(*team)](Json const& r) { return Lower(FieldStr(r, "team")) == n; });
  }
  AddSearch(preds, p, {"name", "email", "phonenumber"});
}

void AppointmentFilters(Params const& p, std::vector<Predicate>& preds) {
  AddIntIn(preds, p, "agents", "agent_id");
  AddIntEq(preds, p, "client_id", "client_id");
  AddIntEq(preds, p, "ticket_id", "ticket_id");
  AddIntIn(preds, p, "types", "appointment_type_id");
  // A calendar window: everything that overlaps [start_date, end_date].
  auto from = p.Get("start_date") ? ParseTime(*p.Get("start_date")) : std::nullopt;
  auto to = p.Get("end_date") ? ParseTime(*p.Get("end_date")) : std::nullopt;
  if (to && p.Get("end_date")->size() <= 10) *to += 86399;
  if (from || to) {
    preds.push_back([=](Json const& r) {
      auto start = FieldTime(r, "start_date");
      auto end = FieldTime(r, "end_date");
      if (!start || !end) return false;
      return (!from || *end > *from) && (!to || *start <= *to);
    });
  }
  if (p.Flag("hidecompleted")) {
    preds.push_back([](Json const& r) { return FieldInt(r, "complete_status") == 0; });
  }
  if (p.Flag("tasksonly")) preds.push_back([](Json const& r) { return r.value("is_task", false); });
  if (p.Flag("appointmentsonly")) {
    preds.push_back([](Json const& r) { return !r.value("is_task", false); });
  }
  AddSearch(preds, p, {"subject", "note"});
}

void InvoiceFilters(Params const& p, std::vector<Predicate>& preds) {
  AddIntEq(preds, p, "client_id", "client_id");
  AddIntIn(preds, p, "client_ids", "client_id");
  AddIntEq(preds, p, "site_id", "sitenumber");  // InvoiceHeader names the site `sitenumber`
  AddIntEq(preds, p, "ticket_id", "ticket_id");
  AddIntEq(preds, p, "contract_id", "contract_id");
  AddIntEq(preds, p, "recurringinvoice_id", "recurring_invoice_id");
  AddIntIn(preds, p, "paymentstatuses", "paymentstatus");
  AddFlagFilter(preds, p, "postedonly", "posted");
  if (p.Flag("notpostedonly")) {
    preds.push_back([](Json const& r) { return !r.value("posted", false); });
  }
  AddSearch(preds, p, {"invoicenumber", "client_name", "reference"});
}

}  // namespace

bool IsProject(Store const& store, Json const& ticket) {
  auto const* type = store.Find("TicketType", FieldInt(ticket, "tickettype_id"));
  return type != nullptr && FieldStr(*type, "use") == "project";
}

bool SlaBreached(Store const& store, Json const& ticket, std::int64_t now) {
  if (IsClosedStatus(store, FieldInt(ticket, "status_id"))) {
    return FieldStr(ticket, "slastate") == "O";
  }
  if (ticket.value("onhold", false) || ticket.value("excludefromsla", false)) return false;
  auto fixby = FieldTime(ticket, "fixbydate");
  return fixby && *fixby < now;
}

std::vector<Predicate> FiltersFor(Store const& store, std::string const& resource, Params const& p,
                                  std::int64_t now) {
  std::vector<Predicate> preds;
  if (resource == "Tickets" || resource == "Opportunities") return TicketFilters(store, p, now);
  if (resource == "Projects") {
    preds = TicketFilters(store, p, now);
    preds.push_back([&store](Json const& r) { return IsProject(store, r); });
  } else if (resource == "Actions") {
    ActionFilters(store, p, preds);
  } else if (resource == "Client") {
    AddActiveFilter(preds, p, "inactive");
    AddIntEq(preds, p, "toplevel_id", "toplevel_id");
    AddSearch(preds, p, {"name", "ref"});
  } else if (resource == "Site") {
    AddActiveFilter(preds, p, "inactive");
    AddIntEq(preds, p, "client_id", "client_id");
    AddSearch(preds, p, {"name", "client_name"});
  } else if (resource == "Users") {
    AddActiveFilter(preds, p, "inactive");
    AddIntEq(preds, p, "site_id", "site_id");
    if (auto client = p.Int("client_id")) {
      // Users carry no client_id field; the filter goes through the site.
      preds.push_back([&store, c = *client](Json const& r) {
        auto const* site = store.Find("Site", FieldInt(r, "site_id"));
        return site != nullptr && FieldInt(*site, "client_id") == c;
      });
    }
    AddSearch(preds, p, {"name", "emailaddress", "phonenumber"});
  } else if (resource == "Asset") {
    AddActiveFilter(preds, p, "inactive");
    AddIntEq(preds, p, "client_id", "client_id");
    AddIntEq(preds, p, "site_id", "site_id");  // `siteid` (HaloAPI's spelling) is ignored
    AddIntEq(preds, p, "assettype_id", "assettype_id");
    if (auto user = p.Int("user_id")) {
      // Device has no user_id field: an asset's users are listed in `users`.
      preds.push_back([u = *user](Json const& r) {
        for (auto const& linked : r.value("users", Json::array())) {
          if (FieldInt(linked, "id") == u) return true;
        }
        return false;
      });
    }
    if (auto name = p.Get("username")) {
      preds.push_back(
          [n = Lower(*name)](Json const& r) { return Lower(FieldStr(r, "username")) == n; });
    }
    AddSearch(preds, p, {"inventory_number", "key_field", "key_field2", "key_field3", "username"});
  } else if (resource == "Agent") {
    AgentFilters(p, preds);
  } else if (resource == "KBArticle") {
    AddActiveFilter(preds, p, "inactive");
    AddIntEq(preds, p, "type", "type");
    AddSearch(preds, p, {"name", "description", "resolution", "tag_string"});
  } else if (resource == "ClientContract") {
    AddIntEq(preds, p, "client_id", "client_id");
    AddIntEq(preds, p, "site_id", "site_id");
    AddSearch(preds, p, {"ref", "client_name"});
  } else if (resource == "Invoice" || resource == "RecurringInvoice") {
    InvoiceFilters(p, preds);
  } else if (resource == "Quotation") {
    AddIntEq(preds, p, "client_id", "client_id");
    AddIntEq(preds, p, "site_id", "site_id");
    AddIntEq(preds, p, "ticket_id", "ticket_id");
    AddIntEq(preds, p, "user_id", "user_id");
    AddIntIn(preds, p, "quote_status", "status");
    AddSearch(preds, p, {"title", "client_name"});
  } else if (resource == "ClientPrepay") {
    AddIntEq(preds, p, "client_id", "client_id");
    AddIntIn(preds, p, "client_ids", "client_id");
    AddSearch(preds, p, {"description", "client_name"});
  } else if (resource == "PurchaseOrder") {
    AddIntEq(preds, p, "client_id", "client_id");
    AddIntEq(preds, p, "site_id", "site_id");
    AddIntEq(preds, p, "supplier_id", "supplier_id");
    AddIntEq(preds, p, "ticket_id", "ticket_id");
    AddIntEq(preds, p, "user_id", "user_id");
    AddIntIn(preds, p, "po_status", "status");
    AddSearch(preds, p, {"po_ref", "title", "supplier_name", "client_name"});
  } else if (resource == "Supplier") {
    AddActiveFilter(preds, p, "inactive");
    AddIntEq(preds, p, "toplevel_id", "toplevel_id");
    AddSearch(preds, p, {"name", "email_address"});
  } else if (resource == "Item") {
    AddIntEq(preds, p, "supplier_id", "supplier_id");
    AddIntEq(preds, p, "assetgroup_id", "assetgroup_id");
    AddSearch(preds, p, {"name", "description", "supplier_part_code", "internalreference"});
  } else if (resource == "Report") {
    AddIntEq(preds, p, "reportgroup_id", "group_id");
    AddIntEq(preds, p, "type", "type");
    AddSearch(preds, p, {"name", "description"});
  } else if (resource == "CannedText") {
    AddIntEq(preds, p, "agent_id", "agent_id");
    AddIntEq(preds, p, "team_id", "team_id");
    AddIntEq(preds, p, "group_id", "group_id");
  } else if (resource == "TicketApproval") {
    AddIntEq(preds, p, "ticket_id", "ticket_id");
    AddIntEq(preds, p, "action_number", "actionnumber");
    if (p.Flag("mine")) {
      preds.push_back(
          [api = ApiAgentId(store)](Json const& r) { return FieldInt(r, "agent_id") == api; });
    }
  } else if (resource == "TimesheetEvent") {
    AddIntEq(preds, p, "agent_id", "agent_id");
    AddIntIn(preds, p, "agents", "agent_id");
    AddDateRange(preds, p.Get("start_date"), p.Get("end_date"), "start_date");
  } else if (resource == "Appointment") {
    AppointmentFilters(p, preds);
  } else if (resource == "Attachment") {
    AddIntEq(preds, p, "ticket_id", "ticket_id");
    AddIntEq(preds, p, "action_id", "action_id");
    AddIntEq(preds, p, "type", "type");
    AddIntEq(preds, p, "unique_id", "unique_id");
    if (auto type = p.Get("filetype"); type && !type->empty()) {
      preds.push_back([ext = "." + Lower(*type)](Json const& r) {
        auto name = Lower(FieldStr(r, "filename"));
        return name.size() >= ext.size() &&
               name.compare(name.size() - ext.size(), ext.size(), ext) == 0;
      });
    }
  } else if (resource == "Category") {
    AddIntEq(preds, p, "type_id", "type_id");
  } else if (resource == "Priority") {
    AddIntEq(preds, p, "slaid", "slaid");
  } else if (resource == "Status") {
    if (p.Flag("excludeclosed")) {
      preds.push_back([](Json const& r) { return FieldInt(r, "type") != 1; });
    }
  } else if (resource == "Team") {
    // GET /Team takes includedisabled / includeenabled (not includeinactive).
    bool const disabled = p.Flag("includedisabled");
    bool const enabled = p.FlagOr("includeenabled", true);
    preds.push_back([=](Json const& r) { return r.value("inactive", false) ? disabled : enabled; });
  }
  return preds;
}

}  // namespace halo_sim
