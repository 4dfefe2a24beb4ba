#include "sim/api_routes.h"

#include "sim/api_util.h"
#include "sim/approvals.h"
#include "sim/attachments.h"
#include "sim/billing.h"
#include "sim/list_filters.h"
#include "sim/record_writes.h"
#include "sim/reports.h"
#include "sim/tenant_generator.h"
#include "sim/ticket_writes.h"
#include "sim/timesheets.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>

namespace halo_sim {
namespace {

using Row = Json const*;

// --- Lists
// ----------------------------------------------------------------------------------------

/// The rows a list starts from, before its filters: a table, the actions, or computed rows
/// (Timesheet) kept alive in `computed`.
std::vector<Row> SourceRows(Store const& store, std::string const& resource, Params const& p,
                            std::int64_t now, std::vector<Json>& computed) {
  std::vector<Row> rows;
  if (resource == "Actions") {
    for (auto const& [key, row] : store.actions()) rows.push_back(&row);
  } else if (resource == "Timesheet") {
    computed = TimesheetRows(store, p, now);
    for (auto const& row : computed) rows.push_back(&row);
  } else if (auto const* t = store.find_table(resource == "Projects" ? "Tickets" : resource)) {
    for (auto const& [id, row] : t->rows) rows.push_back(&row);
  }
  return rows;
}

/// order, order2..order5 with orderdesc, orderdesc2..5; without `order` the natural order, and
/// orderdesc alone reverses it. Actions also honour `importanttop`.
void Sort(std::vector<Row>& rows, Params const& p) {
  std::vector<std::pair<std::string, bool>> keys;
  for (int i = 1; i <= 5; ++i) {
    auto const suffix = i == 1 ? std::string() : std::to_string(i);
    auto field = p.Get("order" + suffix);
    if (!field || field->empty()) continue;
    keys.emplace_back(Lower(*field), p.Flag("orderdesc" + suffix));
  }
  if (!keys.empty()) {
    std::stable_sort(rows.begin(), rows.end(), [&](Row a, Row b) {
      for (auto const& [field, desc] : keys) {
        auto ia = a->find(field);
        auto ib = b->find(field);
        Json const va = ia == a->end() ? Json() : *ia;
        Json const vb = ib == b->end() ? Json() : *ib;
        if (va == vb) continue;
        return desc ? vb < va : va < vb;
      }
      return false;
    });
  } else if (p.Flag("orderdesc")) {
    std::reverse(rows.begin(), rows.end());
  }
  if (p.Flag("importanttop")) {
    std::stable_partition(rows.begin(), rows.end(),
                          [](Row r) { return r->value("important", false); });
  }
}

/// How a list row is shown when not as stored: id-only tickets, invoices without lines unless
/// asked, attachments without their content. Nothing for a row shown as stored.
std::optional<Json> ProjectRow(std::string const& resource, Json const& row, Params const& p) {
  if ((resource == "Tickets" || resource == "Projects") && p.Flag("ticketidonly")) {
    return Json{{"id", row.at("id")},
                {"sla_id", row.value("sla_id", 0)},
                {"status_id", row.value("status_id", 0)},
                {"client_id", row.value("client_id", 0)},
                {"client_name", row.value("client_name", "")},
                {"lastincomingemail", row.value("lastincomingemail", Json())}};
  }
  if ((resource == "Invoice" || resource == "RecurringInvoice" || resource == "Quotation" ||
       resource == "PurchaseOrder") &&
      !p.Flag("includelines")) {
    Json copy = row;
    copy.erase("lines");
    return copy;
  }
  if (resource == "Attachment") return AttachmentListRow(row);
  return std::nullopt;
}

/// `members` serialized as an object with `rows` (already JSON text) under `key`, keys in the
/// same (sorted) order as the object Json would write.
std::string WrapRows(Json const& members, std::string const& key, std::string const& rows) {
  std::string text = "{";
  bool placed = false;
  auto put = [&text](std::string const& name, std::string const& value) {
    if (text.size() > 1) text += ',';
    text += Json(name).dump();
    text += ':';
    text += value;
  };
  for (auto it = members.begin(); it != members.end(); ++it) {
    if (!placed && key < it.key()) {
      put(key, rows);
      placed = true;
    }
    put(it.key(), it.value().dump());
  }
  if (!placed) put(key, rows);
  text += '}';
  return text;
}

ApiResponse ListResource(Store const& store, ApiOptions const& options, EntityInfo const& info,
                         Params const& p, std::int64_t now) {
  std::string const resource(info.name);
  std::vector<Json> computed;
  auto const rows = SourceRows(store, resource, p, now, computed);
  auto const preds = FiltersFor(store, resource, p, now);
  std::vector<Row> matches;
  for (auto const* r : rows) {
    if (std::all_of(preds.begin(), preds.end(), [r](Predicate const& f) { return f(*r); })) {
      matches.push_back(r);
    }
  }
  Sort(matches, p);

  auto const total = static_cast<std::int64_t>(matches.size());
  std::int64_t offset = 0;
  std::int64_t limit = total;
  bool paged = false;
  std::int64_t page_size = 0, page_no = 0;
  // Paging happens only with pageinate=true AND page_no, and only on lists whose documented
  // parameters include pageinate; otherwise page_size/page_no are ignored.
  if (info.pageable && p.Flag("pageinate") && p.Int("page_no")) {
    paged = true;
    page_no = std::max<std::int64_t>(1, *p.Int("page_no"));
    page_size = p.Int("page_size").value_or(options.default_page_size);
    if (page_size <= 0) page_size = options.default_page_size;
    page_size = std::min<std::int64_t>(page_size, info.max_page_size);
    offset = (page_no - 1) * page_size;
    limit = page_size;
  } else if (auto count = p.Int("count"); count && *count > 0) {
    limit = *count;
  } else if (info.default_limit) {
    limit = options.default_page_size;
  }
  // HaloPSA reports a live open_ticket_count on clients and sites; count it as it is now.
  std::map<std::int64_t, std::int64_t> open_counts;
  std::string const count_key = resource == "Client" ? "client_id" : "site_id";
  bool const counts = resource == "Client" || resource == "Site";
  if (counts) {
    for (auto const& [id, t] : store.table("Tickets").rows) {
      if (!IsClosedStatus(store, FieldInt(t, "status_id"))) {
        ++open_counts[FieldInt(t, count_key.c_str())];
      }
    }
  }
  // Rows are written as text straight from the store: copying a page of records into a Json
  // tree, then serializing and freeing it, was most of the simulator's time per page.
  std::string out = "[";
  for (auto i = offset; i < total && i < offset + limit; ++i) {
    auto const& row = *matches[static_cast<std::size_t>(i)];
    if (out.size() > 1) out += ',';
    auto shown = ProjectRow(resource, row, p);
    if (counts) {
      if (!shown) shown = row;
      (*shown)["open_ticket_count"] = open_counts[FieldInt(*shown, "id")];
    }
    out += shown ? shown->dump() : row.dump();
  }
  out += ']';
  ApiResponse response;
  if (info.list_key.empty()) {
    response.json_text = std::move(out);
    return response;
  }
  Json members = Json::object();
  if (paged && options.echo_paging) {
    members["page_no"] = page_no;
    members["page_size"] = page_size;
  }
  members["record_count"] = total;
  response.json_text = WrapRows(members, std::string(info.list_key), out);
  return response;
}

// --- Single records
// -------------------------------------------------------------------------------

Json const* FindPriority(Store const& store, std::string const& id) {
  auto const* t = store.find_table("Priority");
  if (t == nullptr) return nullptr;
  auto numeric = ToInt(id);
  for (auto const& [key, row] : t->rows) {
    if (FieldStr(row, "id") == id) return &row;
  }
  for (auto const& [key, row] : t->rows) {
    if (numeric && FieldInt(row, "priorityid") == *numeric) return &row;
  }
  return nullptr;
}

ApiResponse GetOne(Store& store, ApiRequest const& req, Params const& p, std::int64_t now) {
  auto const& r = req.resource;
  auto const id_text = Lower(req.id);
  if (r == "Agent" && id_text == "me") {
    if (auto const* a = store.Find("Agent", ApiAgentId(store))) return ApiResponse{200, *a};
    return Error(404, "The API agent does not exist");
  }
  if (r == "Timesheet") return GetTimesheet(store, req, p, now);
  if (r == "Attachment") return GetAttachment(store, req, p);
  if (r == "Report") return GetReport(store, req, p, now);
  if (r == "Priority") {
    if (auto const* row = FindPriority(store, req.id)) return ApiResponse{200, *row};
    return NotFound(r, req.id);
  }
  if (r == "TimesheetEvent" && id_text == "mine") {
    // The API agent's own entries (start_date / end_date narrow them).
    std::multimap<std::string, std::string> mine = req.params;
    mine.erase("agents");
    mine.erase("agent_id");
    mine.emplace("agent_id", std::to_string(ApiAgentId(store)));
    Params const narrowed(mine);
    Json out = Json::array();
    auto const preds = FiltersFor(store, r, narrowed, now);
    for (auto const& entry : store.table(r).rows) {
      // A named variable, not a structured binding: clang 14 cannot capture those.
      Json const& row = entry.second;
      if (std::all_of(preds.begin(), preds.end(), [&](Predicate const& f) { return f(row); })) {
        out.push_back(row);
      }
    }
    return ApiResponse{200, std::move(out)};
  }
  auto id = ToInt(req.id);
  if (!id) return NotFound(r, req.id);
  if (r == "Actions") {
    auto ticket = p.Int("ticket_id");
    if (!ticket) return FieldError("ticket_id", "ticket_id must be specified");
    auto it = store.actions().find({*ticket, *id});
    if (it == store.actions().end()) {
      return Error(404, "No action " + req.id + " on ticket " + std::to_string(*ticket));
    }
    return ApiResponse{200, it->second};
  }
  if (r == "Projects") {
    auto const* ticket = store.Find("Tickets", *id);
    if (ticket == nullptr || !IsProject(store, *ticket)) return NotFound(r, req.id);
    return ApiResponse{200, *ticket};
  }
  auto const* row = store.Find(r, *id);
  if (row == nullptr) return NotFound(r, req.id);
  if (r == "Client" && p.Flag("includeprepay")) {
    Json copy = *row;
    AddPrepayFields(store, copy);
    return ApiResponse{200, std::move(copy)};
  }
  return ApiResponse{200, *row};  // single records carry their lines
}

// --- Writes
// ---------------------------------------------------------------------------------------

StageFn StageFor(std::string const& resource) {
  static std::map<std::string, StageFn, std::less<>> const kStages = {
      {"Tickets", StageTicket},
      {"Projects", StageTicket},
      {"Opportunities", StageOpportunity},
      {"Actions", StageAction},
      {"TimesheetEvent", StageTimesheetEvent},
      {"Attachment", StageAttachment},
      {"TicketApproval", StageTicketApproval}};
  auto it = kStages.find(resource);
  return it == kStages.end() ? StageRecord : it->second;
}

Json ProblemDetails(std::string const& message) {
  return Json{{"type", "https://tools.ietf.org/html/rfc7231#section-6.5.1"},
              {"title", "One or more validation errors occurred."},
              {"status", 400},
              {"errors", Json{{"$", Json::array({message})}}}};
}

/// Resources the document lets you read but not write through POST /{resource}.
bool ReadOnlyResource(std::string const& resource) {
  return resource == "Timesheet" || resource == "Search";
}

void CommitStaged(Store& store, Staged& s) {
  if (s.resource == "Actions") {
    auto const action_id = s.create ? store.AllocateActionId(s.ticket_id) : s.id;
    s.row["id"] = action_id;
    if (s.commit) s.commit(store, s.row);
    store.PutAction(s.ticket_id, action_id, s.row);
  } else {
    auto const id = s.create ? store.AllocateId(s.resource) : s.id;
    s.row[s.id_field] = id;
    if (s.commit) s.commit(store, s.row);
    store.Put(s.resource, id, s.row);
  }
  if (s.after) {
    s.after(store, s.row);
    // The hook may have changed the stored row (a ticket's acknowledgement, counts).
    if (s.resource != "Actions") {
      if (auto const* stored = store.Find(s.resource, FieldInt(s.row, s.id_field.c_str()))) {
        s.row = *stored;
      }
    }
  }
}

ApiResponse Post(Store& store, ApiOptions const& options, ApiRequest const& req, std::int64_t now) {
  if (!req.id.empty() || !req.sub.empty() || ReadOnlyResource(req.resource)) {
    auto const path = req.resource + (req.sub.empty() ? "" : "/" + req.sub) +
                      (req.id.empty() ? "" : "/" + req.id);
    return Error(404, "POST is not supported on /api/" + path);
  }
  auto body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded())
    return ApiResponse{400, ProblemDetails("The request body is not valid JSON.")};
  if (body.is_object() && options.accept_bare_object) body = Json::array({body});
  if (!body.is_array()) {
    // Halo binds the body to a list; anything else fails model binding with a message that does
    // not mention the array.
    return ApiResponse{
        400, ProblemDetails("The JSON value could not be converted to the request model.")};
  }
  if (body.empty()) return ApiResponse{400, ProblemDetails("The request body is empty.")};
  if (req.resource == "Report" && body.size() == 1 && body[0].is_object() &&
      JsonBool(body[0].value("_loadreportonly", Json(false)))) {
    return LoadReportOnly(store, body[0], now);
  }
  std::vector<Staged> staged;
  Json errors = Json::object();
  bool not_found = false;
  StageFn const stage = StageFor(req.resource);
  WriteContext const ctx{store, options, req.resource, now};
  for (std::size_t i = 0; i < body.size(); ++i) {
    Validator v(body.size() > 1 ? "[" + std::to_string(i) + "]." : "");
    if (!body[i].is_object()) {
      v.Fail("", "Each element must be a JSON object");
    } else {
      stage(ctx, body[i], v, staged);
    }
    errors.update(v.errors());
    not_found = not_found || v.not_found();
  }
  if (!errors.empty()) {
    // An unknown id on a single-element update is a 404, everything else a validation failure.
    return ApiResponse{body.size() == 1 && not_found ? 404 : 400, errors};
  }
  Json saved = Json::array();
  for (auto& s : staged) {
    CommitStaged(store, s);
    saved.push_back(s.resource == "Attachment" ? AttachmentListRow(s.row) : s.row);
  }
  if (saved.size() == 1) return ApiResponse{200, saved[0], true};
  return ApiResponse{200, std::move(saved), true};
}

ApiResponse Delete(Store& store, ApiRequest const& req, Params const& p) {
  auto const& r = req.resource;
  if (req.id.empty()) return Error(404, "DELETE needs an id: /api/" + r + "/{id}");
  if (r == "TicketApproval") return DeleteTicketApproval(store, req);
  auto id = ToInt(req.id);
  if (r == "Actions") {
    auto ticket = p.Int("ticket_id");
    if (!ticket)
      return FieldError("ticket_id", "ticket_id must be included when deleting an Action");
    auto it = id ? store.actions().find({*ticket, *id}) : store.actions().end();
    if (it == store.actions().end()) {
      return Error(404, "No action " + req.id + " on ticket " + std::to_string(*ticket));
    }
    Json row = std::move(it->second);
    store.actions().erase(it);
    return ApiResponse{200, std::move(row), true};
  }
  if (r == "Priority") return Error(400, "Priorities cannot be deleted through the API");
  if (ReadOnlyResource(r)) return Error(404, "DELETE is not supported on /api/" + r);
  if (!id) return NotFound(r, req.id);
  auto& table = store.table(r == "Projects" ? "Tickets" : r);
  auto it = table.rows.find(*id);
  if (it == table.rows.end() || (r == "Projects" && !IsProject(store, it->second))) {
    return NotFound(r, req.id);
  }
  Json row = std::move(it->second);
  table.rows.erase(it);
  if (r == "Tickets" || r == "Projects") store.EraseActions(*id);
  if (r == "Attachment") {
    RecountAttachments(store, FieldInt(row, "ticket_id"));
    row = AttachmentListRow(row);
  }
  return ApiResponse{200, std::move(row), true};
}

}  // namespace

bool ReadsOnly(ApiRequest const& request) {
  return request.method == "GET" && request.resource != "Search" && request.id.empty() &&
         request.sub.empty();
}

ApiResponse HandleRead(Store const& store, ApiOptions const& options, ApiRequest const& request,
                       std::int64_t now) {
  auto const* info = FindEntity(request.resource);
  if (info == nullptr) return Error(404, "Unknown resource " + request.resource);
  if (!ReadsOnly(request)) return Error(500, "Internal error: not a read");
  try {
    return ListResource(store, options, *info, Params(request.params), now);
  } catch (std::exception const& e) {
    return Error(500, std::string("Internal error: ") + e.what());
  }
}

ApiResponse HandleApi(Store& store, ApiOptions const& options, ApiRequest const& request,
                      std::int64_t now) {
  if (ReadsOnly(request)) return HandleRead(store, options, request, now);
  auto const* info = FindEntity(request.resource);
  if (info == nullptr) return Error(404, "Unknown resource " + request.resource);
  Params const params(request.params);
  try {
    if (request.method == "GET") {
      if (request.resource == "Search") return GlobalSearch(store, request, params);
      return GetOne(store, request, params, now);
    }
    if (request.method == "POST") return Post(store, options, request, now);
    if (request.method == "DELETE") return Delete(store, request, params);
  } catch (std::exception const& e) {
    // Malformed client data must never take the simulator down.
    return Error(500, std::string("Internal error: ") + e.what());
  }
  return Error(405, "Method not allowed");
}

}  // namespace halo_sim
