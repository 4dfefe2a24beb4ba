#include "sim/list_filters.h"

#include <algorithm>
#include <map>

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

/// Keeps rows whose array `list` holds an entry whose `key` is the parameter's value (a ticket's
/// assets, an agent's teams, an asset's users).
void AddListedId(std::vector<Predicate>& preds, Params const& p, std::string const& param,
                 char const* list, char const* key) {
  if (auto wanted = p.Int(param)) {
    preds.push_back([w = *wanted, list, key](Json const& r) {
      auto it = r.find(list);
      if (it == r.end() || !it->is_array()) return false;
      return std::any_of(it->begin(), it->end(),
                         [&](Json const& entry) { return FieldInt(entry, key) == w; });
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
  AddListedId(preds, p, "asset_id", "assets", "id");
  AddListedId(preds, p, "related_id", "related_tickets", "id");
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
  bool enabled = p.FlagOr("includeenabled", true);
  bool disabled = p.Flag("includedisabled");
  ReadActiveInactive(p, enabled, disabled);
  bool const api = p.Flag("includeapiagents");
  preds.push_back([=](Json const& r) {
    if (r.value("isapiagent", false) && !api) return false;
    return r.value("isdisabled", false) ? disabled : enabled;
  });
  AddListedId(preds, p, "team_id", "teams", "team_id");
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

/// Lists whose filters are plain "parameter = field" or "field in the comma list": the
/// parameter names of Halo's document, the fields they match, the fields `search` looks in, and
/// the flag that hides inactive rows by default.
struct SimpleFilters {
  std::vector<std::pair<char const*, char const*>> equal;   // parameter, field
  std::vector<std::pair<char const*, char const*>> any_of;  // parameter (comma list), field
  std::vector<char const*> search;
  char const* inactive_field = nullptr;
};

std::map<std::string, SimpleFilters, std::less<>> const& Simple() {
  static SimpleFilters const kInvoices = {
      {{"client_id", "client_id"},
       {"site_id", "sitenumber"},  // InvoiceHeader names the site `sitenumber`
       {"ticket_id", "ticket_id"},
       {"contract_id", "contract_id"},
       {"recurringinvoice_id", "recurring_invoice_id"}},
      {{"client_ids", "client_id"}, {"paymentstatuses", "paymentstatus"}},
      {"invoicenumber", "client_name", "reference"},
      nullptr};
  static std::map<std::string, SimpleFilters, std::less<>> const kSimple = {
      {"Client", {{{"toplevel_id", "toplevel_id"}}, {}, {"name", "ref"}, "inactive"}},
      {"Site", {{{"client_id", "client_id"}}, {}, {"name", "client_name"}, "inactive"}},
      {"Users",
       {{{"site_id", "site_id"}}, {}, {"name", "emailaddress", "phonenumber"}, "inactive"}},
      // `siteid` (HaloAPI's spelling) is not the document's name: ignored.
      {"Asset",
       {{{"client_id", "client_id"}, {"site_id", "site_id"}, {"assettype_id", "assettype_id"}},
        {},
        {"inventory_number", "key_field", "key_field2", "key_field3", "username"},
        "inactive"}},
      {"KBArticle",
       {{{"type", "type"}}, {}, {"name", "description", "resolution", "tag_string"}, "inactive"}},
      {"ClientContract",
       {{{"client_id", "client_id"}, {"site_id", "site_id"}}, {}, {"ref", "client_name"}, nullptr}},
      {"Invoice", kInvoices},
      {"RecurringInvoice", kInvoices},
      {"Quotation",
       {{{"client_id", "client_id"},
         {"site_id", "site_id"},
         {"ticket_id", "ticket_id"},
         {"user_id", "user_id"}},
        {{"quote_status", "status"}},
        {"title", "client_name"},
        nullptr}},
      {"ClientPrepay",
       {{{"client_id", "client_id"}},
        {{"client_ids", "client_id"}},
        {"description", "client_name"},
        nullptr}},
      {"PurchaseOrder",
       {{{"client_id", "client_id"},
         {"site_id", "site_id"},
         {"supplier_id", "supplier_id"},
         {"ticket_id", "ticket_id"},
         {"user_id", "user_id"}},
        {{"po_status", "status"}},
        {"po_ref", "title", "supplier_name", "client_name"},
        nullptr}},
      {"Supplier", {{{"toplevel_id", "toplevel_id"}}, {}, {"name", "email_address"}, "inactive"}},
      {"Item",
       {{{"supplier_id", "supplier_id"}, {"assetgroup_id", "assetgroup_id"}},
        {},
        {"name", "description", "supplier_part_code", "internalreference"},
        nullptr}},
      {"Report",
       {{{"reportgroup_id", "group_id"}, {"type", "type"}}, {}, {"name", "description"}, nullptr}},
      {"CannedText",
       {{{"agent_id", "agent_id"}, {"team_id", "team_id"}, {"group_id", "group_id"}},
        {},
        {},
        nullptr}},
      {"TicketApproval",
       {{{"ticket_id", "ticket_id"}, {"action_number", "actionnumber"}}, {}, {}, nullptr}},
      {"TimesheetEvent", {{{"agent_id", "agent_id"}}, {{"agents", "agent_id"}}, {}, nullptr}},
      {"Attachment",
       {{{"ticket_id", "ticket_id"},
         {"action_id", "action_id"},
         {"type", "type"},
         {"unique_id", "unique_id"}},
        {},
        {},
        nullptr}},
      {"Category", {{{"type_id", "type_id"}}, {}, {}, nullptr}},
      {"Priority", {{{"slaid", "slaid"}}, {}, {}, nullptr}},
  };
  return kSimple;
}

void AddSimpleFilters(SimpleFilters const& f, Params const& p, std::vector<Predicate>& preds) {
  if (f.inactive_field != nullptr) AddActiveFilter(preds, p, f.inactive_field);
  for (auto const& [param, field] : f.equal) AddIntEq(preds, p, param, field);
  for (auto const& [param, field] : f.any_of) AddIntIn(preds, p, param, field);
  if (!f.search.empty()) AddSearch(preds, p, f.search);
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
  if (auto simple = Simple().find(resource); simple != Simple().end()) {
    AddSimpleFilters(simple->second, p, preds);
  }
  if (resource == "Projects") {
    preds = TicketFilters(store, p, now);
    preds.push_back([&store](Json const& r) { return IsProject(store, r); });
  } else if (resource == "Actions") {
    ActionFilters(store, p, preds);
  } else if (resource == "Users") {
    if (auto client = p.Int("client_id")) {
      // Users carry no client_id field; the filter goes through the site.
      preds.push_back([&store, c = *client](Json const& r) {
        auto const* site = store.Find("Site", FieldInt(r, "site_id"));
        return site != nullptr && FieldInt(*site, "client_id") == c;
      });
    }
  } else if (resource == "Asset") {
    // Device has no user_id field: an asset's users are listed in `users`.
    AddListedId(preds, p, "user_id", "users", "id");
    if (auto name = p.Get("username")) {
      preds.push_back(
          [n = Lower(*name)](Json const& r) { return Lower(FieldStr(r, "username")) == n; });
    }
  } else if (resource == "Agent") {
    AgentFilters(p, preds);
  } else if (resource == "Invoice" || resource == "RecurringInvoice") {
    AddFlagFilter(preds, p, "postedonly", "posted");
    if (p.Flag("notpostedonly")) {
      preds.push_back([](Json const& r) { return !r.value("posted", false); });
    }
  } else if (resource == "TicketApproval" && p.Flag("mine")) {
    preds.push_back(
        [api = ApiAgentId(store)](Json const& r) { return FieldInt(r, "agent_id") == api; });
  } else if (resource == "TimesheetEvent") {
    AddDateRange(preds, p.Get("start_date"), p.Get("end_date"), "start_date");
  } else if (resource == "Appointment") {
    AppointmentFilters(p, preds);
  } else if (resource == "Attachment") {
    if (auto type = p.Get("filetype"); type && !type->empty()) {
      preds.push_back([ext = "." + Lower(*type)](Json const& r) {
        auto name = Lower(FieldStr(r, "filename"));
        return name.size() >= ext.size() &&
               name.compare(name.size() - ext.size(), ext.size(), ext) == 0;
      });
    }
  } else if (resource == "Status" && p.Flag("excludeclosed")) {
    preds.push_back([](Json const& r) { return FieldInt(r, "type") != 1; });
  } else if (resource == "Team") {
    // GET /Team takes includedisabled / includeenabled (not includeinactive).
    bool const disabled = p.Flag("includedisabled");
    bool const enabled = p.FlagOr("includeenabled", true);
    preds.push_back([=](Json const& r) { return r.value("inactive", false) ? disabled : enabled; });
  }
  return preds;
}

}  // namespace halo_sim
