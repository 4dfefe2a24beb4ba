#include "sim/record_writes.h"

#include "sim/tenant_generator.h"

namespace halo_sim {
namespace {

/// Resources whose records need a name.
bool NeedsName(std::string const& resource) {
  return resource == "Client" || resource == "Site" || resource == "Users" ||
         resource == "KBArticle" || resource == "Supplier" || resource == "Item" ||
         resource == "CannedText" || resource == "Report" || resource == "ApprovalProcess";
}

/// Checks a reference field and copies the referenced record's name into `name_field`.
/// Returns the referenced record, or nullptr (error recorded when the id names nothing).
Json const* Reference(Store const& store, Json& row, std::optional<std::int64_t> given,
                      char const* field, char const* table, char const* name_field,
                      char const* noun, Validator& v) {
  auto const id = given.value_or(FieldInt(row, field));
  auto const* target = FindReferenced(store, v, field, id, table, noun);
  if (target == nullptr) return nullptr;
  row[field] = id;
  if (name_field != nullptr) row[name_field] = FieldStr(*target, "name");
  return target;
}

/// A reference the record cannot do without: "A client_id must be entered for a site" when it
/// is missing, "Client 9 does not exist" when it names nothing.
Json const* Required(Store const& store, Validator& v, char const* field, std::int64_t id,
                     char const* table, char const* noun, std::string const& owner) {
  if (id > 0) return FindReferenced(store, v, field, id, table, noun);
  bool const vowel = std::string("aeiou").find(field[0]) != std::string::npos;
  v.Fail(field, std::string(vowel ? "An " : "A ") + field + " must be entered for " + owner);
  return nullptr;
}

void CheckSite(Store const& store, Json& row, Json const& in, Validator& v) {
  auto const client_in = InputId(in, "client_id", v);
  if (!v.ok()) return;
  auto const cid = client_in.value_or(FieldInt(row, "client_id"));
  auto const* client = Required(store, v, "client_id", cid, "Client", "Client", "a site");
  if (client == nullptr) return;
  row["client_id"] = cid;
  row["client_name"] = FieldStr(*client, "name");
  row["clientsite_name"] = FieldStr(*client, "name") + " / " + FieldStr(row, "name");
}

void CheckUser(Store const& store, Json& row, Json const& in, bool create, Validator& v) {
  if (create && FieldStr(row, "name").empty()) {
    auto full = FieldStr(row, "firstname") + " " + FieldStr(row, "surname");
    if (full.size() > 1) row["name"] = full.front() == ' ' ? full.substr(1) : full;
  }
  auto const client_in = InputId(in, "client_id", v);
  auto const site_in = InputId(in, "site_id", v);
  if (!v.ok()) return;
  std::int64_t sid = site_in.value_or(FieldInt(row, "site_id"));
  if (sid <= 0 && client_in) {
    if (auto const* c = store.Find("Client", *client_in)) sid = FieldInt(*c, "main_site_id");
  }
  auto const* site = Required(store, v, "site_id", sid, "Site", "Site", "a user");
  if (site == nullptr) return;
  row["site_id"] = sid;
  row["site_name"] = FieldStr(*site, "name");
  row["client_name"] = FieldStr(*site, "client_name");
}

void CheckAsset(Store const& store, Json& row, Json const& in, Validator& v) {
  auto const client_in = InputId(in, "client_id", v);
  auto const site_in = InputId(in, "site_id", v);
  auto const type_in = InputId(in, "assettype_id", v);
  if (!v.ok()) return;
  auto const cid = client_in.value_or(FieldInt(row, "client_id"));
  auto const* client = Required(store, v, "client_id", cid, "Client", "Client", "an asset");
  auto const tid = type_in.value_or(FieldInt(row, "assettype_id"));
  auto const* type = Required(store, v, "assettype_id", tid, "AssetType", "Asset type", "an asset");
  if (client == nullptr || type == nullptr) return;
  std::int64_t sid = site_in.value_or(FieldInt(row, "site_id"));
  if (sid <= 0) sid = FieldInt(*client, "main_site_id");
  auto const* site = store.Find("Site", sid);
  if (site == nullptr || FieldInt(*site, "client_id") != cid) {
    v.Fail("site_id",
           "Site " + std::to_string(sid) + " does not belong to client " + std::to_string(cid));
    return;
  }
  row["client_id"] = cid;
  row["client_name"] = FieldStr(*client, "name");
  row["site_id"] = sid;
  row["site_name"] = FieldStr(*site, "name");
  row["assettype_id"] = tid;
  row["assettype_name"] = FieldStr(*type, "name");
}

void CheckAppointment(Store const& store, Json& row, Json const& in, bool create, Validator& v) {
  auto const agent_in = InputId(in, "agent_id", v);
  auto const ticket_in = InputId(in, "ticket_id", v);
  auto const client_in = InputId(in, "client_id", v);
  if (!v.ok()) return;
  if (create && FieldStr(row, "subject").empty()) {
    v.Fail("subject", "A subject must be entered for an appointment");
  }
  std::int64_t start = 0, end = 0;
  if (InputTime(row, "start_date", v, start) && InputTime(row, "end_date", v, end) &&
      end <= start) {
    v.Fail("end_date", "end_date must be after start_date");
  }
  auto const agent_id = agent_in.value_or(create ? ApiAgentId(store) : FieldInt(row, "agent_id"));
  Reference(store, row, agent_id, "agent_id", "Agent", "agent_name", "Agent", v);
  if (auto const* ticket =
          Reference(store, row, ticket_in, "ticket_id", "Tickets", nullptr, "Ticket", v)) {
    for (auto const* f : {"client_id", "client_name", "site_id", "site_name", "user_id"}) {
      if (!in.contains(f)) row[f] = (*ticket)[f];
    }
    row["user_name"] = (*ticket)["user_name"];
  }
  Reference(store, row, client_in, "client_id", "Client", "client_name", "Client", v);
}

}  // namespace

void StageRecord(WriteContext const& ctx, Json const& in, Validator& v,
                 std::vector<Staged>& staged) {
  Store& store = ctx.store;
  std::string const& resource = ctx.resource;
  auto target = LoadForWrite(store, resource, in, v);
  if (!target) return;
  auto& [row, id] = *target;
  bool const create = target->create();
  bool const generic = row.size() <= 1;  // no template: keep every field sent
  if (generic) {
    for (auto const& [key, value] : in.items()) {
      if (key != "id") row[key] = value;
    }
  } else {
    MergeKnown(row, in,
               {"id", "client_name", "site_name", "assettype_name", "main_site_name", "agent_name",
                "supplier_name", "user_name"});
  }
  if (create && NeedsName(resource) && FieldStr(row, "name").empty() && resource != "Users") {
    v.Fail("name", "A name must be entered");
  }
  if (resource == "Site") {
    CheckSite(store, row, in, v);
  } else if (resource == "Users") {
    CheckUser(store, row, in, create, v);
    if (create && FieldStr(row, "name").empty()) v.Fail("name", "A name must be entered");
  } else if (resource == "Asset") {
    CheckAsset(store, row, in, v);
  } else if (resource == "Appointment") {
    CheckAppointment(store, row, in, create, v);
  } else if (resource == "ClientPrepay") {
    auto const client_in = InputId(in, "client_id", v);
    auto const cid = client_in.value_or(FieldInt(row, "client_id"));
    if (auto const* client = Required(store, v, "client_id", cid, "Client", "Client", "a top-up")) {
      row["client_id"] = cid;
      row["client_name"] = FieldStr(*client, "name");
    }
    if (create && FieldNum(row, "hours") <= 0 && FieldNum(row, "amount") <= 0) {
      v.Fail("hours", "A top-up needs hours (or an amount) greater than 0");
    }
    if (create && row["date"].is_null()) row["date"] = FormatTime(ctx.now);
  } else if (resource == "Quotation" || resource == "Invoice" || resource == "RecurringInvoice" ||
             resource == "PurchaseOrder" || resource == "Opportunities") {
    Reference(store, row, InputId(in, "client_id", v), "client_id", "Client", "client_name",
              "Client", v);
    if (resource == "PurchaseOrder") {
      Reference(store, row, InputId(in, "supplier_id", v), "supplier_id", "Supplier",
                "supplier_name", "Supplier", v);
    }
  } else if (resource == "Item") {
    Reference(store, row, InputId(in, "supplier_id", v), "supplier_id", "Supplier", "supplier_name",
              "Supplier", v);
  } else if (resource == "CannedText") {
    Reference(store, row, InputId(in, "agent_id", v), "agent_id", "Agent", "agent_name", "Agent",
              v);
  }
  if (!v.ok()) return;
  auto& s = Stage(staged, resource, id, std::move(row));
  if (resource == "Client" && create) {
    // HaloPSA gives every new client a "Main" site.
    s.commit = [](Store& st, Json& client) {
      auto const site_id = st.AllocateId("Site");
      Json site = NewRecord("Site");
      site["id"] = site_id;
      site["name"] = "Main";
      site["client_id"] = client["id"];
      site["client_name"] = client["name"];
      site["clientsite_name"] = client["name"].get<std::string>() + " / Main";
      site["sla_id"] = 1;
      st.Put("Site", site_id, site);
      client["main_site_id"] = site_id;
      client["main_site_name"] = "Main";
    };
  }
}

}  // namespace halo_sim
