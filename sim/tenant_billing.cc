// Seeds money: contracts, prepaid hours, invoices, recurring invoices and quotations; and sales:
// suppliers, items, purchase orders and opportunities.
#include "sim/api_util.h"
#include "sim/tenant_seed.h"
#include "sim/ticket_writes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace halo_sim::seed {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr double kHourlyRate = 85.0;
constexpr double kVat = 0.2;
constexpr std::int64_t kFirstOpportunityId = 90001;

std::string Ref(char const* prefix, std::int64_t n, int width) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%0*lld", prefix, width, static_cast<long long>(n));
  return buf;
}

double Money(double v) { return std::round(v * 100.0) / 100.0; }

std::int64_t MonthStart(std::int64_t t, int months_ahead) {
  auto const date = FormatTime(t);
  int year = std::stoi(date.substr(0, 4));
  int month = std::stoi(date.substr(5, 2)) + months_ahead;
  while (month > 12) {
    month -= 12;
    ++year;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-01", year, month);
  return ParseTime(buf).value_or(t);
}

Json InvoiceLine(std::int64_t id, std::string const& text, double qty, double price) {
  double const net = Money(qty * price);
  return Json{{"id", id},
              {"item_shortdescription", text},
              {"qty_order", qty},
              {"unit_price", price},
              {"net_amount", net},
              {"tax_rate", kVat * 100},
              {"tax_amount", Money(net * kVat)}};
}

/// Fills an invoice's totals from its lines and what has been paid.
void Totals(Json& invoice, double paid_share) {
  double net = 0, tax = 0;
  for (auto const& line : invoice["lines"]) {
    net += FieldNum(line, "net_amount");
    tax += FieldNum(line, "tax_amount");
  }
  double const total = Money(net + tax);
  invoice["total"] = total;
  invoice["tax_total"] = Money(tax);
  invoice["amountpaid"] = Money(total * paid_share);
  invoice["amountdue"] = Money(total - total * paid_share);
  invoice["paymentstatus"] = paid_share >= 1 ? 2 : paid_share > 0 ? 1 : 0;
}

}  // namespace

void SeedBilling(Tenant& t, Prng& rng) {
  Store& store = t.store;
  std::int64_t contract_id = 1, invoice_id = 1, recurring_id = 1, prepay_id = 1, quote_id = 1;
  bool any_prepay = false, any_recurring = false;
  for (std::size_t ci = 0; ci < t.clients.size(); ++ci) {
    auto const& client = t.clients[ci];
    bool block_hours = rng.Chance(30) || (!any_prepay && ci + 1 == t.clients.size());
    auto start = t.anchor - rng.Range(30, 700) * kDay;
    // The draws depend on the date (earlier seeding walks working days), so a small tenant could
    // have no live managed-services contract on some days: the client before last is then made
    // one, as the last is made prepaid, without changing what is drawn.
    if (!any_recurring && ci + 2 == t.clients.size()) {
      block_hours = false;
      start = std::max(start, t.anchor - 300 * kDay);
    }
    any_prepay = any_prepay || block_hours;
    auto const end = start + 365 * kDay;
    double const monthly = static_cast<double>(rng.Range(8, 90) * 50);
    bool const expired = end < t.anchor;
    store.Put("ClientContract", contract_id,
              Json{{"id", contract_id},
                   {"client_id", client.id},
                   {"client_name", client.name},
                   {"ref", Ref(block_hours ? "PRE-" : "MSA-", client.id, 3)},
                   {"site_id", client.sites.front()},
                   {"start_date", FormatTime(start)},
                   {"end_date", FormatTime(end)},
                   {"status", expired ? 2 : 1},
                   {"contract_status", expired ? "Expired" : "Active"},
                   {"expired", expired},
                   {"billingperiod", 1},  // months
                   {"periodchargeamount", block_hours ? 0.0 : monthly},
                   {"sla_id", client.sla_id},
                   {"numberofunitsfree", static_cast<double>(rng.Range(0, 20))},
                   {"contracttype", block_hours ? 2 : 1},
                   {"contracttype_name", block_hours ? "Block Hours" : "Managed Services"},
                   {"allowprepay", block_hours}});
    auto invoice = [&](std::int64_t date, std::string const& reference) {
      Json row = NewRecord("Invoice");
      row["id"] = invoice_id;
      row["client_id"] = client.id;
      row["client_name"] = client.name;
      row["sitenumber"] = client.sites.front();
      row["site_name"] = FieldStr(*store.Find("Site", client.sites.front()), "name");
      row["invoicenumber"] = Ref("INV-", 10200 + invoice_id, 6);
      row["reference"] = reference;
      row["invoice_date"] = FormatTime(date);
      row["duedate"] = FormatTime(date + 30 * kDay);
      row["contract_id"] = contract_id;
      return row;
    };
    if (block_hours) {
      // Prepaid hours: top-ups, each invoiced.
      int const topups = static_cast<int>(rng.Range(1, 3));
      for (int k = 0; k < topups; ++k) {
        auto const date = t.anchor - rng.Range(k * 60 + 5, k * 60 + 50) * kDay;
        double const hours = static_cast<double>(rng.Pick(std::vector<int>{10, 20, 40}));
        Json inv = invoice(date, "Prepaid hours");
        inv["lines"] = Json::array({InvoiceLine(1, "Prepaid support hours", hours, kHourlyRate)});
        inv["posted"] = true;
        Totals(inv, k == 0 ? 0.0 : 1.0);
        Json top = NewRecord("ClientPrepay");
        top["id"] = prepay_id;
        top["client_id"] = client.id;
        top["client_name"] = client.name;
        top["date"] = FormatTime(date);
        top["hours"] = hours;
        top["amount"] = hours * kHourlyRate;
        top["description"] =
            "Prepaid support hours (" + std::to_string(static_cast<int>(hours)) + " h)";
        top["invoice_id"] = std::to_string(invoice_id);
        top["invoice_number"] = inv["invoicenumber"];
        top["expirydate"] = FormatTime(date + 365 * kDay);
        store.Put("ClientPrepay", prepay_id++, std::move(top));
        store.Put("Invoice", invoice_id++, std::move(inv));
      }
    } else if (!expired) {
      // Managed services: a monthly recurring invoice and the invoices it raised.
      auto const users = static_cast<double>(std::max<std::size_t>(1, client.users.size()));
      Json rec = NewRecord("RecurringInvoice");
      rec["id"] = recurring_id;
      rec["client_id"] = client.id;
      rec["client_name"] = client.name;
      rec["sitenumber"] = client.sites.front();
      rec["reference"] = "Monthly managed services";
      rec["invoice_date"] = FormatTime(start);
      rec["contract_id"] = contract_id;
      rec["period"] = 1;
      rec["nextcreationdate"] = FormatTime(MonthStart(t.anchor, 1));
      rec["lines"] = Json::array({InvoiceLine(1, "Managed service per user", users, 35.0),
                                  InvoiceLine(2, "Server and network monitoring",
                                              static_cast<double>(rng.Range(1, 3)), 45.0)});
      Totals(rec, 0);
      rec["amountdue"] = 0.0;
      int const months = static_cast<int>(rng.Range(2, 4));
      for (int k = months; k >= 1; --k) {
        Json inv = invoice(MonthStart(t.anchor, 0) - (k - 1) * 30 * kDay - kDay,
                           "Monthly managed services");
        inv["lines"] = rec["lines"];
        if (rng.Chance(40)) {
          inv["lines"].push_back(InvoiceLine(
              3, "Additional labour", 0.5 * static_cast<double>(rng.Range(1, 8)), kHourlyRate));
        }
        inv["recurring_invoice_id"] = recurring_id;
        inv["posted"] = k > 1 || rng.Chance(50);
        Totals(inv, k > 2 ? 1.0 : k == 2 && rng.Chance(30) ? 0.5 : 0.0);
        store.Put("Invoice", invoice_id++, std::move(inv));
      }
      store.Put("RecurringInvoice", recurring_id++, std::move(rec));
      any_recurring = true;
    }
    if (rng.Chance(40)) {
      auto const date = t.anchor - rng.Range(1, 90) * kDay;
      std::string const title = rng.Pick(std::vector<std::string>{
          "Laptop refresh", "Firewall replacement", "Microsoft 365 E3 upgrade",
          "Wi-Fi survey and access points", "Backup appliance"});
      double const units = static_cast<double>(rng.Range(1, 12));
      double const price = static_cast<double>(rng.Range(2, 15) * 100);
      Json q = NewRecord("Quotation");
      q["id"] = quote_id;
      q["title"] = title;
      q["status"] = rng.Range(1, 4);  // 1 draft, 2 sent, 3 accepted, 4 declined
      q["date"] = FormatTime(date);
      q["expiry_date"] = FormatTime(date + 30 * kDay);
      q["client_id"] = client.id;
      q["client_name"] = client.name;
      q["site_id"] = client.sites.front();
      if (!client.users.empty()) {
        q["user_id"] = client.users.front();
        q["user_name"] = FieldStr(*store.Find("Users", client.users.front()), "name");
      }
      q["lines"] = Json::array(
          {Json{{"id", 1},
                {"name", title},
                {"description", std::to_string(static_cast<int>(units)) + " x " + title},
                {"baseprice", price},
                {"net_total", units * price}},
           Json{{"id", 2},
                {"name", "Installation labour"},
                {"baseprice", kHourlyRate},
                {"net_total", kHourlyRate * 4}}});
      double const net = units * price + kHourlyRate * 4;
      q["tax_total"] = Money(net * kVat);
      q["total"] = Money(net * (1 + kVat));
      store.Put("Quotation", quote_id++, std::move(q));
    }
    ++contract_id;
  }
}

void SeedSales(Tenant& t, Prng& rng) {
  Store& store = t.store;
  struct SupplierDef {
    std::string name, contact, domain, phone;
  };
  std::vector<SupplierDef> const suppliers = {
      {"Dell Technologies", "Account Team", "dell.com", "0800 032 0680"},
      {"Lenovo UK", "Partner Desk", "lenovo.com", "0800 028 5757"},
      {"Ingram Micro UK", "Sales Desk", "ingrammicro.com", "01908 260 000"},
      {"TD SYNNEX UK", "Sales Desk", "tdsynnex.com", "0345 222 0333"},
      {"Microsoft CSP", "Partner Support", "microsoft.com", "0344 800 2400"},
      {"Sophos", "Channel Team", "sophos.com", "01235 559 933"},
      {"Ubiquiti Distribution", "Orders", "ui.com", "0330 113 0000"},
      {"BT Business", "Fault Desk", "bt.com", "0800 800 154"}};
  std::int64_t id = 1;
  for (auto const& s : suppliers) {
    Json row = NewRecord("Supplier");
    row["id"] = id;
    row["name"] = s.name;
    row["contact_name"] = s.contact;
    row["email_address"] = "orders@" + s.domain;
    row["phone_number"] = s.phone;
    row["website"] = "https://www." + s.domain;
    row["accounts_id"] = Ref("SUP", id, 4);
    store.Put("Supplier", id++, std::move(row));
  }
  struct ItemDef {
    std::string name;
    std::int64_t supplier;
    double cost, price;
    std::int64_t group;
    bool recurring;
  };
  std::vector<ItemDef> const items = {
      {"Dell Latitude 5440 laptop", 1, 780, 949, 1, false},
      {"Lenovo ThinkPad T14 laptop", 2, 820, 999, 1, false},
      {"Dell OptiPlex 7010 desktop", 1, 560, 699, 1, false},
      {"Dell 24in monitor P2423", 1, 140, 189, 1, false},
      {"USB-C docking station", 3, 120, 165, 1, false},
      {"Microsoft 365 Business Premium (monthly)", 5, 18.1, 22, 3, true},
      {"Microsoft 365 Business Standard (monthly)", 5, 10.3, 12.5, 3, true},
      {"Sophos XGS 2100 firewall", 6, 1450, 1890, 3, false},
      {"Sophos Central Intercept X (annual)", 6, 38, 52, 3, true},
      {"Ubiquiti U6 Pro access point", 7, 135, 189, 3, false},
      {"Ubiquiti USW-24-PoE switch", 7, 310, 419, 3, false},
      {"Cat6 patch cable 2m", 4, 1.2, 4.5, 3, false},
      {"Labour: standard hour", 0, 0, 85, 3, false},
      {"Labour: out of hours", 0, 0, 127.5, 3, false},
      {"Business broadband (monthly)", 8, 32, 45, 3, true}};
  std::int64_t item_id = 1;
  for (auto const& def : items) {
    Json row = NewRecord("Item");
    row["id"] = item_id;
    row["name"] = def.name;
    row["description"] = def.name;
    row["costprice"] = def.cost;
    row["baseprice"] = def.price;
    row["supplier_id"] = def.supplier;
    row["supplier_name"] =
        def.supplier ? suppliers[static_cast<std::size_t>(def.supplier - 1)].name : std::string();
    row["supplier_part_code"] = def.supplier ? Ref("P", item_id * 37, 6) : std::string();
    row["assetgroup_id"] = def.group;
    row["assetgroup_name"] = def.group == 1 ? "Computers" : "Other";
    row["quantity_in_stock"] =
        def.recurring || !def.supplier ? 0.0 : static_cast<double>(rng.Range(0, 12));
    row["isrecurringitem"] = def.recurring;
    row["recurringprice"] = def.recurring ? def.price : 0.0;
    store.Put("Item", item_id++, std::move(row));
  }
  // Purchase orders: kit for new starters and replacements, against their tickets.
  std::int64_t po_id = 1;
  for (auto const& [ticket_id, ticket] : store.table("Tickets").rows) {
    auto const category = FieldInt(ticket, "categoryid_1");
    if ((category != 9 && category != 1) || !rng.Chance(category == 9 ? 60 : 10)) continue;
    auto const& item = *store.Find("Item", rng.Chance(50) ? 1 : 2);
    auto const opened = FieldTime(ticket, "dateoccurred").value_or(t.anchor);
    bool const closed = IsClosedStatus(store, FieldInt(ticket, "status_id"));
    Json po = NewRecord("PurchaseOrder");
    po["id"] = po_id;
    po["po_ref"] = Ref("PO-", 4100 + po_id, 5);
    po["title"] = FieldStr(item, "name") + " for " + FieldStr(ticket, "user_name");
    po["ticket_id"] = ticket_id;
    po["status"] = closed ? 3 : rng.Range(1, 2);  // 1 ordered, 2 part received, 3 received
    po["date"] = FormatTime(opened + kDay);
    po["est_delivery_date"] = FormatTime(opened + 4 * kDay);
    po["supplier_id"] = item["supplier_id"];
    po["supplier_name"] = item["supplier_name"];
    for (auto const* f :
         {"client_id", "client_name", "site_id", "site_name", "user_id", "user_name"}) {
      po[f] = ticket[f];
    }
    double const cost = FieldNum(item, "costprice");
    po["lines"] = Json::array({Json{{"id", 1},
                                    {"item_id", item["id"]},
                                    {"name", item["name"]},
                                    {"productcode", item["supplier_part_code"]},
                                    {"net_total", cost}}});
    po["price"] = cost;
    po["tax_total"] = Money(cost * kVat);
    po["total"] = Money(cost * (1 + kVat));
    store.Put("PurchaseOrder", po_id++, std::move(po));
  }
  // Opportunities: CRM tickets, for customers and a few prospects.
  auto const agents = ActiveAgents(store);
  std::vector<std::string> const ideas = {"Laptop refresh", "Microsoft 365 E3 upgrade",
                                          "Managed backup", "Cyber Essentials Plus",
                                          "Office move",    "Wi-Fi upgrade"};
  auto const opportunity_type = store.Find("TicketType", 8);
  std::int64_t opp_id = kFirstOpportunityId;
  auto add = [&](std::string const& company, seed::ClientInfo const* client) {
    Json o = NewRecord("Opportunities");
    auto const opened = t.anchor - rng.Range(5, 120) * kDay;
    auto const& idea = rng.Pick(ideas);
    o["id"] = opp_id;
    o["summary"] = idea + " - " + company;
    o["details"] = "Discussed " + Lower(idea) + " at the last account review.";
    o["tickettype_id"] = opportunity_type ? 8 : 0;
    o["tickettype_name"] = opportunity_type ? FieldStr(*opportunity_type, "name") : "";
    o["oppcompanyname"] = company;
    o["oppvalue"] = static_cast<double>(rng.Range(10, 300) * 100);
    o["oppconversionprobability"] = static_cast<double>(rng.Range(1, 9) * 10);
    o["opptype"] = client ? "Upsell" : "New business";
    o["dateoccurred"] = FormatTime(opened);
    o["datecreated"] = o["dateoccurred"];
    o["targetdate"] = FormatTime(opened + rng.Range(30, 120) * kDay);
    if (client != nullptr) {
      o["client_id"] = client->id;
      o["client_name"] = client->name;
      if (!client->users.empty()) {
        auto const& contact = *store.Find("Users", client->users.front());
        o["user_id"] = client->users.front();
        o["user_name"] = contact["name"];
        o["oppcontactname"] = contact["name"];
        o["oppemailaddress"] = contact["emailaddress"];
      }
    } else {
      o["oppcontactname"] = "Office Manager";
      o["oppemailaddress"] = "info@" + Lower(company.substr(0, company.find(' '))) + ".co.uk";
    }
    if (!agents.empty()) {
      auto const owner = rng.Pick(agents);
      o["agent_id"] = owner;
      o["agent_name"] = AgentName(store, owner);
    }
    int const stage = static_cast<int>(rng.Range(0, 9));
    std::int64_t status = stage < 5 ? 1 : stage < 8 ? 2 : 9;
    ApplyStatus(store, o, status, opened + 20 * kDay);
    if (status == 9) {
      bool const won = rng.Chance(50);
      o["oppclosurecategory"] = won ? 1 : 2;  // 1 won, 2 lost
      if (won) o["oppconverteddate"] = o["dateclosed"];
    }
    o["last_update"] = FormatTime(opened + rng.Range(1, 20) * kDay);
    store.Put("Opportunities", opp_id++, std::move(o));
  };
  for (auto const& client : t.clients) {
    if (rng.Chance(50)) add(client.name, &client);
  }
  for (auto const* prospect :
       {"Harbour View Dental", "Kingfisher Logistics", "Orchid Accountancy"}) {
    add(prospect, nullptr);
  }
}

}  // namespace halo_sim::seed
