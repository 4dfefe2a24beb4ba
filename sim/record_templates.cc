#include "sim/record_templates.h"

#include <functional>
#include <map>
#include <string>

namespace halo_sim {

namespace {

/// The client, site and end user a calendar entry, quote or order is for.
Json WithParties(Json row) {
  Json const parties{{"client_id", 0},  {"client_name", ""}, {"site_id", 0},
                     {"site_name", ""}, {"user_id", 0},      {"user_name", ""}};
  row.update(parties);
  return row;
}

Json BuildTemplate(std::string_view entity) {
  if (entity == "Tickets") {
    return Json{{"id", 0},
                {"summary", ""},
                {"details", ""},
                {"details_html", ""},
                {"client_id", 0},
                {"client_name", ""},
                {"site_id", 0},
                {"site_name", ""},
                {"user_id", 0},
                {"user_name", ""},
                {"user_email", ""},
                {"reportedby", ""},
                {"status_id", 0},
                {"status_name", ""},
                {"tickettype_id", 0},
                {"tickettype_name", ""},
                {"priority_id", 0},
                {"priority_name", ""},
                {"sla_id", 0},
                {"sla_name", ""},
                {"agent_id", 0},
                {"agent_name", ""},
                {"team", ""},
                {"category_1", ""},
                {"category_2", ""},
                {"category_3", ""},
                {"category_4", ""},
                {"categoryid_1", 0},
                {"categoryid_2", 0},
                {"categoryid_3", 0},
                {"categoryid_4", 0},
                {"dateoccurred", nullptr},
                {"datecreated", nullptr},
                {"dateclosed", nullptr},
                {"dateassigned", nullptr},
                {"respondbydate", nullptr},
                {"responsedate", nullptr},
                {"fixbydate", nullptr},
                {"deadlinedate", nullptr},
                {"startdate", nullptr},
                {"targetdate", nullptr},
                {"lastactiondate", nullptr},
                {"last_update", nullptr},
                {"lastincomingemail", nullptr},
                {"onhold", false},
                {"hasbeenclosed", false},
                {"inactive", false},
                {"deleted", false},
                {"excludefromsla", false},
                {"impact", 3},
                {"urgency", 3},
                {"timetaken", 0.0},
                {"estimate", 0.0},
                {"chargehours", 0.0},
                {"nonchargehours", 0.0},
                {"parent_id", 0},
                {"child_count", 0},
                {"related_tickets", Json::array()},
                {"has_related", false},
                {"attachment_count", 0},
                {"flagged", false},
                {"read", false},
                {"is_vip", false},
                {"slastate", ""},
                {"slaresponsestate", ""},
                {"slatimeleft", 0.0},
                {"slaholdtime", 0.0},
                {"workflow_id", 0},
                {"workflow_step", 0},
                {"source", 0},
                {"contract_id", 0},
                {"supplier_id", 0},
                {"release_id", 0},
                {"emailtolist", ""},
                {"emailcclist", ""},
                {"matched_kb_id", 0},
                {"sendack", false},
                {"dont_do_rules", false},
                {"merged_into_id", 0},
                {"child_count_open", 0},
                {"projecttimebudget", 0.0},
                {"projecttimeactual", 0.0},
                {"projectmoneybudget", 0.0},
                {"projecttimepercentage", 0.0},
                {"assets", Json::array()},
                {"customfields", Json::array()},
                {"web_url", ""},
                {"api_url", ""}};
  }
  if (entity == "Actions") {
    return Json{{"ticket_id", 0},
                {"id", 0},
                {"outcome", ""},
                {"outcome_id", 0},
                {"who", ""},
                {"who_type", 1},
                {"who_agentid", 0},
                {"who_imgpath", ""},
                {"datetime", nullptr},
                {"actiondatecreated", nullptr},
                {"note", ""},
                {"note_html", ""},
                {"hiddenfromuser", false},
                {"timetaken", 0.0},
                {"timetakendays", 0.0},
                {"timetakenadjusted", 0.0},
                {"chargerate", 0},
                {"nonbilltime", 0.0},
                {"new_status", 0},
                {"new_status_name", ""},
                {"sendemail", false},
                {"emailfrom", ""},
                {"emailto", ""},
                {"emailcc", ""},
                {"emailsubject", ""},
                {"important", false},
                {"actionby_agent_id", 0},
                {"on_behalf_of", 0},
                {"on_behalf_of_name", ""},
                {"attachment_count", 0},
                {"actioninvoicenumber", ""},
                {"actisbillable", true},
                {"actisreadyforprocessing", false}};
  }
  if (entity == "Client") {
    return Json{{"id", 0},
                {"name", ""},
                {"toplevel_id", 1},
                {"toplevel_name", "Customers"},
                {"inactive", false},
                {"colour", ""},
                {"notes", ""},
                {"website", ""},
                {"is_vip", false},
                {"ref", ""},
                {"customertype", 1},
                {"main_site_id", 0},
                {"main_site_name", ""},
                {"accountmanagertech", 0},
                {"accountmanagertech_name", ""},
                {"pritech", 0},
                {"sectech", 0},
                {"open_ticket_count", 0},
                {"datecreated", nullptr},
                {"newclient_contactemail", ""},
                {"newclient_phonenumber", ""},
                {"customfields", Json::array()}};
  }
  if (entity == "Site") {
    return Json{{"id", 0},
                {"name", ""},
                {"client_id", 0},
                {"client_name", ""},
                {"clientsite_name", ""},
                {"inactive", false},
                {"sla_id", 0},
                {"phonenumber", ""},
                {"timezone", "GMT Standard Time"},
                {"notes", ""},
                {"maincontact_name", ""},
                {"delivery_address", Json::object()},
                {"invoice_address", Json::object()},
                {"open_ticket_count", 0}};
  }
  if (entity == "Users") {
    return Json{{"id", 0},
                {"name", ""},
                {"firstname", ""},
                {"surname", ""},
                {"emailaddress", ""},
                {"phonenumber", ""},
                {"mobilenumber", ""},
                {"site_id", 0},
                {"site_name", ""},
                {"client_name", ""},
                {"inactive", false},
                {"login", ""},
                {"linked_agent_id", 0},
                {"title", ""},
                {"isimportantcontact", false},
                {"customfields", Json::array()}};
  }
  if (entity == "Asset") {
    return Json{{"id", 0},
                {"inventory_number", ""},
                {"key_field", ""},
                {"key_field2", ""},
                {"key_field3", ""},
                {"client_id", 0},
                {"client_name", ""},
                {"site_id", 0},
                {"site_name", ""},
                {"username", ""},
                {"assettype_id", 0},
                {"assettype_name", ""},
                {"status_id", 1},
                {"status_name", "Active"},
                {"inactive", false},
                {"fields", Json::array()},
                {"customfields", Json::array()},
                {"users", Json::array()},
                {"contract_id", 0},
                {"supplier_id", 0},
                {"warranty_end", nullptr},
                {"notes", ""},
                {"parent_id", 0}};
  }
  if (entity == "Opportunities") {
    Json row = BuildTemplate("Tickets");
    Json const opp{{"oppcompanyname", ""},
                   {"oppcontactname", ""},
                   {"oppemailaddress", ""},
                   {"opptel", ""},
                   {"opptype", ""},
                   {"oppvalue", 0.0},
                   {"oppconversionprobability", 0.0},
                   {"oppconverteddate", nullptr},
                   {"oppclosurecategory", 0},
                   {"is_opportunity", true}};
    row.update(opp);
    return row;
  }
  if (entity == "TimesheetEvent") {
    return Json{{"id", 0},
                {"event_type", 1},
                {"subject", ""},
                {"start_date", nullptr},
                {"end_date", nullptr},
                {"timetaken", 0.0},
                {"agent_id", 0},
                {"ticket_id", 0},
                {"action_number", 0},
                {"note", ""},
                {"client_id", 0},
                {"customer", ""},
                {"site_id", 0},
                {"tickettype_id", 0},
                {"charge_rate", 0},
                {"break_type", 0},
                {"traveltime", 0.0}};
  }
  if (entity == "Appointment") {
    return WithParties({{"id", 0},
                        {"subject", ""},
                        {"start_date", nullptr},
                        {"end_date", nullptr},
                        {"allday", false},
                        {"agent_id", 0},
                        {"agent_name", ""},
                        {"ticket_id", 0},
                        {"appointment_type_id", 0},
                        {"appointment_type_name", "Appointment"},
                        {"appointment_location_free_text", ""},
                        {"note", ""},
                        {"complete_status", 0},
                        {"is_private", false},
                        {"is_task", false}});
  }
  if (entity == "KBArticle") {
    return Json{{"id", 0},
                {"name", ""},
                {"description", ""},
                {"description_html", ""},
                {"resolution", ""},
                {"resolution_html", ""},
                {"tag_string", ""},
                {"tags", Json::array()},
                {"inactive", false},
                {"type", 0},
                {"view_count", 0},
                {"useful_count", 0},
                {"date_created", nullptr},
                {"date_edited", nullptr},
                {"next_review_date", nullptr},
                {"creator_id", 0},
                {"creator_name", ""}};
  }
  if (entity == "Attachment") {
    return Json{{"id", 0},          {"filename", ""},         {"content_type", ""}, {"filesize", 0},
                {"isimage", false}, {"ticket_id", 0},         {"action_id", 0},     {"type", 0},
                {"unique_id", 0},   {"datecreated", nullptr}, {"note", ""},         {"desc", ""},
                {"agent_id", 0},    {"data_base64", ""}};
  }
  if (entity == "TicketApproval") {
    return Json{{"uniqueid", 0},
                {"ticket_id", 0},
                {"seq", 0},
                {"result", 0},
                {"type", 0},
                {"agent_id", 0},
                {"user_id", 0},
                {"name", ""},
                {"emailaddress", ""},
                {"datetime", nullptr},
                {"dateapproved", nullptr},
                {"approval_process_id", 0},
                {"approval_process_name", ""},
                {"step_id", 0},
                {"step_name", ""},
                {"approver_note", ""},
                {"requestor_agent_id", 0},
                {"requestor_name", ""},
                {"summary", ""},
                {"note", ""},
                {"admin_overridden", false},
                {"admin_override_id", 0},
                {"is_mandatory", false}};
  }
  if (entity == "ClientPrepay") {
    return Json{{"id", 0},
                {"client_id", 0},
                {"client_name", ""},
                {"date", nullptr},
                {"hours", 0.0},
                {"amount", 0.0},
                {"description", ""},
                {"invoice_id", ""},
                {"invoice_number", ""},
                {"expirydate", nullptr}};
  }
  if (entity == "Invoice" || entity == "RecurringInvoice") {
    return Json{{"id", 0},
                {"client_id", 0},
                {"client_name", ""},
                {"sitenumber", 0},
                {"site_name", ""},
                {"invoicenumber", ""},
                {"reference", ""},
                {"invoice_date", nullptr},
                {"duedate", nullptr},
                {"posted", false},
                {"paymentstatus", 0},
                {"amountpaid", 0.0},
                {"amountdue", 0.0},
                {"total", 0.0},
                {"tax_total", 0.0},
                {"currency", "GBP"},
                {"contract_id", 0},
                {"ticket_id", 0},
                {"recurring_invoice_id", 0},
                {"is_recurring_invoice", entity == "RecurringInvoice"},
                {"nextcreationdate", nullptr},
                {"period", 0},
                {"lines", Json::array()}};
  }
  if (entity == "Quotation") {
    return WithParties({{"id", 0},
                        {"title", ""},
                        {"ticket_id", 0},
                        {"status", 1},
                        {"date", nullptr},
                        {"expiry_date", nullptr},
                        {"total", 0.0},
                        {"tax_total", 0.0},
                        {"agent_id", 0},
                        {"note", ""},
                        {"lines", Json::array()}});
  }
  if (entity == "PurchaseOrder") {
    return WithParties({{"id", 0},
                        {"title", ""},
                        {"po_ref", ""},
                        {"ticket_id", 0},
                        {"status", 1},
                        {"date", nullptr},
                        {"supplier_id", 0},
                        {"supplier_name", ""},
                        {"price", 0.0},
                        {"tax_total", 0.0},
                        {"total", 0.0},
                        {"note", ""},
                        {"est_delivery_date", nullptr},
                        {"lines", Json::array()}});
  }
  if (entity == "Supplier") {
    return Json{{"id", 0},
                {"name", ""},
                {"contact_name", ""},
                {"email_address", ""},
                {"phone_number", ""},
                {"website", ""},
                {"inactive", false},
                {"notes", ""},
                {"accounts_id", ""}};
  }
  if (entity == "Item") {
    return Json{{"id", 0},
                {"name", ""},
                {"description", ""},
                {"baseprice", 0.0},
                {"costprice", 0.0},
                {"supplier_id", 0},
                {"supplier_name", ""},
                {"supplier_part_code", ""},
                {"assetgroup_id", 0},
                {"assetgroup_name", ""},
                {"quantity_in_stock", 0.0},
                {"isrecurringitem", false},
                {"recurringprice", 0.0},
                {"taxcode", 0},
                {"nominalcode", ""}};
  }
  if (entity == "CannedText") {
    return Json{{"id", 0},
                {"name", ""},
                {"text", ""},
                {"html", ""},
                {"group_id", 0},
                {"group_name", ""},
                {"restriction_type", 0},
                {"agent_id", 0},
                {"agent_name", ""},
                {"team_id", 0},
                {"team_name", ""},
                {"department_id", 0}};
  }
  if (entity == "Report") {
    return Json{{"id", 0},
                {"name", ""},
                {"description", ""},
                {"group_id", 0},
                {"group_name", ""},
                {"type", 0},
                {"systemreportid", 0},
                {"mainentity", ""},
                {"sql", ""},
                {"reportingperiod", 0},
                {"is_published", false},
                {"columns", Json::array()}};
  }
  if (entity == "ApprovalProcess") {
    return Json{{"id", 0},
                {"name", ""},
                {"type", 0},
                {"no_status_change", false},
                {"steps", Json::array()}};
  }
  return Json{{"id", 0}};
}

}  // namespace

Json NewRecord(std::string_view entity) {
  // Built once: a copy is much cheaper than building a wide object from an initializer list, and
  // every generated ticket and action starts from one.
  static std::map<std::string, Json, std::less<>> const kTemplates = [] {
    std::map<std::string, Json, std::less<>> t;
    for (auto const* name :
         {"Tickets",    "Actions",        "Client",         "Site",        "Users",
          "Asset",      "Opportunities",  "TimesheetEvent", "Appointment", "KBArticle",
          "Attachment", "TicketApproval", "ClientPrepay",   "Invoice",     "RecurringInvoice",
          "Quotation",  "PurchaseOrder",  "Supplier",       "Item",        "CannedText",
          "Report",     "ApprovalProcess"}) {
      t.emplace(name, BuildTemplate(name));
    }
    return t;
  }();
  auto it = kTemplates.find(entity);
  return it == kTemplates.end() ? Json{{"id", 0}} : it->second;
}

}  // namespace halo_sim
