#include "sim/tenant_generator.h"

#include "sim/prng.h"
#include "sim/tenant_seed.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace halo_sim {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kFirstClientId = 12;
constexpr std::int64_t kFirstSiteId = 30;
constexpr std::int64_t kFirstUserId = 101;
constexpr std::int64_t kFirstAssetId = 501;
constexpr std::int64_t kFirstTicketId = 1001;

std::vector<std::string> const kCompanyStems = {
    "Ashford",    "Brightwater", "Calder",   "Dunmore",   "Eastleigh",  "Fairhaven",  "Glenrock",
    "Harrowgate", "Ironbridge",  "Juniper",  "Kestrel",   "Larkfield",  "Meridian",   "Northgate",
    "Oakridge",   "Pemberton",   "Quayside", "Redwood",   "Silverdale", "Thornbury",  "Upland",
    "Vantage",    "Westbrook",   "Yarrow",   "Alder",     "Beacon",     "Coppergate", "Driftwood",
    "Elmstead",   "Foxley",      "Granite",  "Holloway",  "Kingsmead",  "Lowther",    "Marlow",
    "Newhaven",   "Orchard",     "Pinewood", "Riverside", "Stonebridge"};
std::vector<std::string> const kCompanyKinds = {
    "Dental Group",        "Solicitors LLP",   "Logistics Ltd",
    "Engineering Ltd",     "Accountants",      "Veterinary Practice",
    "Property Management", "Architects",       "Manufacturing Ltd",
    "Medical Centre",      "Estate Agents",    "Financial Planning",
    "Construction Ltd",    "Hotels",           "Primary Academy",
    "Recruitment",         "Marketing Agency", "Housing Association",
    "Foods Ltd",           "Insurance Brokers"};
std::vector<std::string> const kFirstNames = {
    "Olivia", "James",  "Amelia", "Oliver", "Isla",   "Harry", "Ava",    "George", "Emily",
    "Noah",   "Sophie", "Jack",   "Grace",  "Thomas", "Chloe", "Daniel", "Priya",  "Mohammed",
    "Hannah", "Liam",   "Ella",   "Samuel", "Zara",   "Ethan", "Lucy",   "Adam",   "Megan",
    "Ryan",   "Aisha",  "Owen",   "Freya",  "Lewis",  "Katie", "Callum", "Niamh",  "Rhys"};
std::vector<std::string> const kSurnames = {
    "Smith", "Jones",    "Taylor", "Brown",    "Williams", "Wilson",  "Johnson", "Davies",
    "Patel", "Robinson", "Wright", "Thompson", "Evans",    "Walker",  "White",   "Roberts",
    "Green", "Hall",     "Wood",   "Jackson",  "Clarke",   "Khan",    "Hughes",  "Edwards",
    "Lewis", "Harris",   "Martin", "Cooper",   "Morgan",   "Bennett", "Shaw",    "Murphy"};
std::vector<std::string> const kTowns = {
    "Leeds",   "Manchester", "Bristol", "Reading", "Nottingham", "Leicester", "York",
    "Norwich", "Exeter",     "Bath",    "Cardiff", "Sheffield",  "Derby",     "Oxford"};
std::vector<std::string> const kStreets = {"High Street",   "Station Road",   "Mill Lane",
                                           "Church Street", "Victoria Road",  "Park Avenue",
                                           "Riverside Way", "Enterprise Park"};

struct CategoryDef {
  std::int64_t id;
  std::string value;
  int type_id;
};
std::vector<CategoryDef> const kCategories = {
    {1, "Hardware>Laptop", 1},        {2, "Hardware>Printer", 1},
    {3, "Software>Microsoft 365", 1}, {4, "Software>Line of Business", 1},
    {5, "Network>Connectivity", 1},   {6, "Network>VPN", 1},
    {7, "Security>Phishing", 1},      {8, "Accounts>Password Reset", 1},
    {9, "Accounts>New Starter", 1},   {10, "Accounts>Leaver", 1},
    {11, "Email>Outlook", 1},         {12, "Server>Backup", 1},
    {13, "Telephony>Teams", 1},       {14, "Server>Storage", 1},
    {21, "Resolved - Fixed", 2},      {22, "Resolved - Workaround", 2},
    {23, "No Fault Found", 2},        {24, "Duplicate", 2},
    {25, "Cancelled by User", 2}};

/// A ticket story: summary, description, category, ticket type and the agent's notes.
struct Scenario {
  std::string summary;  // {user} {site} {asset} {app} {server} placeholders
  std::string details;
  std::int64_t category_id;
  std::int64_t tickettype_id;
  std::vector<std::string> notes;
};
std::vector<Scenario> const kScenarios = {
    {"Outlook keeps asking for password",
     "Since this morning Outlook on my laptop keeps prompting for my password every few minutes. "
     "I have typed it in several times but it keeps coming back.",
     11,
     1,
     {"Cleared cached credentials in Credential Manager and rebuilt the Outlook profile.",
      "Checked Entra sign-in logs: repeated MFA prompts from a stale token on the old phone.",
      "User confirms Outlook has been stable since the profile rebuild."}},
    {"Printer offline at {site}",
     "The main office printer shows as offline for everyone. Jobs are stuck in the queue.",
     2,
     1,
     {"Printer had picked up a new DHCP address after a power cut; reserved the old IP.",
      "Cleared the print queue on the print server and sent a test page.",
      "Spoke to reception: printing is working again."}},
    {"New starter: {user} - laptop and accounts",
     "We have a new starter joining on Monday. Please set up a laptop, Microsoft 365 account "
     "and access to the shared drives and the finance system.",
     9,
     2,
     {"Created the Microsoft 365 account and assigned a Business Premium licence.",
      "Laptop imaged via Autopilot and enrolled in Intune.",
      "Added to the Finance and All Staff security groups.",
      "Laptop delivered to site and handed over to the line manager."}},
    {"VPN not connecting from home",
     "I am working from home today and the VPN client says the connection timed out.",
     6,
     1,
     {"Asked the user to restart the VPN client and reconnect to their home Wi-Fi.",
      "Firewall logs show the certificate on the laptop had expired; renewed via Intune.",
      "VPN connects now; user can reach the file server."}},
    {"Request: install {app} for {user}",
     "Please could you install {app} on my computer? My manager has approved it.",
     4,
     2,
     {"Checked licensing: a spare seat is available.",
      "Deployed {app} through Intune as a required app for the user.",
      "User confirms {app} opens and is licensed."}},
    {"Leaver: {user} - disable accounts",
     "{user} leaves on Friday. Please disable their accounts, convert the mailbox to shared and "
     "give their manager access.",
     10,
     2,
     {"Account blocked from sign-in and sessions revoked.",
      "Mailbox converted to a shared mailbox; manager granted Full Access.",
      "Licence removed and laptop booked in for collection."}},
    {"{asset} running very slowly",
     "My computer takes ages to start and programs freeze for a minute at a time.",
     1,
     1,
     {"Remote session: disk at 100% usage, 4 GB RAM, 3% free space.",
      "Cleared temporary files and disabled unneeded start-up items.",
      "Recommended a memory upgrade; quote raised."}},
    {"Cannot access the {drive} shared drive",
     "The {drive} drive is missing from File Explorer and I get 'access denied' when I browse to "
     "it.",
     5,
     1,
     {"User was not in the security group for the share; added after manager approval.",
      "Drive maps again after sign-out and sign-in."}},
    {"Teams calls dropping after a few minutes",
     "Teams calls keep dropping for several of us, usually 5-10 minutes into the call.",
     13,
     1,
     {"Call quality dashboard shows high packet loss on the site's broadband line.",
      "Raised a fault with the ISP; reference logged.",
      "ISP replaced the router; call quality back to normal."}},
    {"Backup job failed on {server}",
     "Automated alert: the nightly backup job for {server} completed with errors.",
     12,
     6,
     {"Backup failed because the repository ran out of space.",
      "Pruned old restore points and extended the repository volume.",
      "Re-ran the job manually: completed successfully."}},
    {"Password reset for {user}",
     "{user} is locked out of their account after too many attempts. Please reset.",
     8,
     2,
     {"Verified the caller's identity against the callback number on file.",
      "Password reset and account unlocked; user must change it at next sign-in."}},
    {"Suspicious email reported by {user}",
     "I received an email asking me to approve an invoice through a link. It looks odd.",
     7,
     1,
     {"Header analysis: spoofed sender, link points to a credential harvesting page.",
      "Purged the message from all mailboxes and blocked the sender domain.",
      "Confirmed no one entered credentials; no further action needed."}},
    {"Wi-Fi dropping in the meeting room at {site}",
     "The Wi-Fi keeps disconnecting in the large meeting room, especially when it is busy.",
     5,
     1,
     {"Access point in the meeting room was on an old firmware and overloaded.",
      "Updated firmware and enabled band steering; added a second AP to the quote."}},
    {"MFA not working on new phone",
     "I have a new phone and the Authenticator app no longer gives me the sign-in prompts.",
     3,
     2,
     {"Removed the old authentication method and sent a temporary access pass.",
      "User re-registered Authenticator on the new phone."}},
    {"Low disk space on {server}",
     "Automated alert: drive D: on {server} is below 10% free space.",
     14,
     6,
     {"Largest consumer is the IIS log folder; archived logs older than 90 days.",
      "Added a scheduled clean-up task and a monitoring threshold at 15%."}},
    {"Upgrade firewall firmware at {site}",
     "Planned change: upgrade the firewall firmware to the latest supported release.",
     5,
     4,
     {"Change approved; maintenance window booked for 19:00.",
      "Firmware upgraded, VPN tunnels and rules verified after the reboot."}},
    {"Recurring Outlook crashes - root cause",
     "Several users at {site} report Outlook crashing when opening shared calendars.",
     11,
     3,
     {"Correlated crashes with a faulty add-in version pushed last week.",
      "Rolled back the add-in; raised with the vendor."}},
    {"Microsoft 365 migration - {site}",
     "Project to migrate the remaining on-premises mailboxes and file shares to Microsoft 365.",
     3,
     5,
     {"Kick-off meeting held; migration plan agreed.", "Batch 1 mailboxes migrated overnight.",
      "File shares moved to SharePoint; permissions reviewed with the client."}},
    {"Scanner not sending to email",
     "The scanner on the first floor says 'SMTP error' when I scan to email.",
     2,
     1,
     {"Scanner was using basic auth SMTP, now disabled in the tenant.",
      "Configured scan-to-email through the SMTP relay connector."}},
    {"Monitor flickering on {asset}",
     "My second monitor keeps flickering and going black for a second.",
     1,
     1,
     {"Swapped the DisplayPort cable on site visit.", "No further flickering reported."}},
};

std::vector<std::string> const kApps = {"Adobe Acrobat Pro", "Visio",      "Xero",
                                        "Sage 50",           "AutoCAD LT", "Zoom",
                                        "Power BI Desktop",  "Notepad++"};
std::vector<std::string> const kDrives = {"Finance", "HR", "Projects", "Marketing", "Operations"};

struct AssetTypeDef {
  std::int64_t id;
  std::string name;
  std::string group;
  std::string code;
};
std::vector<AssetTypeDef> const kAssetTypes = {{1, "Laptop", "Computers", "LT"},
                                               {2, "Desktop", "Computers", "PC"},
                                               {3, "Server", "Servers", "SRV"},
                                               {4, "Printer", "Peripherals", "PRN"},
                                               {5, "Firewall", "Network", "FW"},
                                               {6, "Switch", "Network", "SW"},
                                               {7, "Wireless Access Point", "Network", "AP"},
                                               {8, "Mobile Phone", "Mobile", "MOB"},
                                               {9, "Virtual Machine", "Servers", "VM"}};
std::vector<std::string> const kModels[] = {
    {"Dell Latitude 5440", "Lenovo ThinkPad T14", "HP EliteBook 840 G10",
     "Microsoft Surface Laptop 5"},
    {"Dell OptiPlex 7010", "HP ProDesk 400 G9", "Lenovo ThinkCentre M70q"},
    {"Dell PowerEdge R650", "HPE ProLiant DL360 Gen10"},
    {"HP LaserJet Pro M404", "Brother MFC-L8690CDW", "Kyocera TASKalfa 2554ci"},
    {"FortiGate 60F", "Sophos XGS 2100", "WatchGuard T45"},
    {"Ubiquiti USW-24-PoE", "Aruba 2930F", "Cisco CBS350-24P"},
    {"Ubiquiti U6 Pro", "Aruba AP-505"},
    {"iPhone 14", "Samsung Galaxy A54", "iPhone 15"},
    {"Hyper-V Guest", "VMware VM"}};

std::string Pad(std::int64_t n, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(n));
  return buf;
}

std::string Slug(std::string const& s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

std::string Replace(std::string text, std::string const& key, std::string const& value) {
  for (auto pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos)) {
    text.replace(pos, key.size(), value);
    pos += value.size();
  }
  return text;
}

std::string Guid(Prng& rng) {
  auto a = rng.Next();
  auto b = rng.Next();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(a >> 32),
                static_cast<unsigned long long>((a >> 16) & 0xffff),
                static_cast<unsigned long long>((a & 0x0fff) | 0x4000),
                static_cast<unsigned long long>(((b >> 48) & 0x3fff) | 0x8000),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

double RoundQuarter(double hours) { return std::round(hours * 4.0) / 4.0; }

struct StatusDef {
  std::int64_t id;
  std::string name;
  std::string shortname;
  int type;
  std::string colour;
  std::string slaaction;
};
std::vector<StatusDef> const kStatuses = {
    {1, "New", "New", 0, "#2f80ed", ""},
    {2, "In Progress", "InProg", 0, "#27ae60", ""},
    {3, "Action Required", "Action", 0, "#eb5757", ""},
    {4, "Waiting on Customer", "WaitCust", 0, "#f2c94c", "Hold"},
    {5, "Waiting on Supplier", "WaitSupp", 0, "#f2994a", "Hold"},
    {6, "On Hold", "Hold", 0, "#9b51e0", "Hold"},
    {7, "Scheduled", "Sched", 0, "#56ccf2", ""},
    {8, "Cancelled", "Cancel", 1, "#828282", "Release"},
    {9, "Closed", "Closed", 1, "#4f4f4f", "Release"},
    {10, "Resolved", "Resolved", 1, "#219653", "Release"},
    {11, "Awaiting Approval", "AwaitApp", 0, "#bb6bd9", "Hold"}};

struct TeamDef {
  std::int64_t id;
  std::string name;
  bool forprojects;
};
std::vector<TeamDef> const kTeams = {
    {1, "1st Line", false},       {2, "2nd Line", false},       {3, "Projects", true},
    {4, "Field Services", false}, {5, "Infrastructure", false}, {6, "Service Management", false}};

struct OutcomeDef {
  std::int64_t id;
  std::string outcome;
  std::string buttonname;
  std::int64_t newstatus;
  bool hidefromuser;
  int sendemail;
  int systemid;
  bool restricted;
};
std::vector<OutcomeDef> const kOutcomes = {
    {1, "Email User", "Email User", 0, false, 1, 0, false},
    {2, "Phone Call", "Log Phone Call", 0, false, 0, 0, false},
    {3, "Remote Session", "Remote Session", 0, false, 0, 0, false},
    {4, "Site Visit", "Site Visit", 0, false, 0, 0, false},
    {5, "Resolved", "Resolve Ticket", 9, false, 1, 0, false},
    {6, "Change Status", "Change Status", 0, true, 0, 0, false},
    {7, "Private Note", "Internal Note", 0, true, 0, 0, false},
    {8, "Waiting on Customer", "Awaiting Customer", 4, false, 1, 0, false},
    {9, "Escalate", "Escalate to 2nd Line", 0, true, 0, 0, false},
    {10, "Re-open", "Re-open Ticket", 2, false, 0, 0, false},
    {11, "Ticket Logged", "Ticket Logged", 0, false, 0, 1, false},
    {12, "Approve Change", "Approve Change", 0, true, 0, 0, true},
    {13, "Note", "Add Note", 0, false, 0, 0, false},
    {14, "Close", "Close Ticket", 9, false, 1, 0, false},
    {15, "Waiting on Supplier", "Awaiting Supplier", 5, true, 0, 0, false}};

}  // namespace

std::string HtmlEscape(std::string const& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\n':
        out += "<br>";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

void GenerateTenant(Store& store, std::uint64_t seed, TenantSize const& size,
                    std::int64_t anchor_epoch) {
  Prng rng(seed);
  auto const anchor = anchor_epoch - anchor_epoch % kDay;  // midnight UTC

  // --- Reference data -------------------------------------------------------------------------
  for (auto const& s : kStatuses) {
    store.Put("Status", s.id,
              Json{{"id", s.id},
                   {"name", s.name},
                   {"shortname", s.shortname},
                   {"type", s.type},
                   {"sequence", s.id},
                   {"colour", s.colour},
                   {"slaaction", s.slaaction},
                   {"ticket_count", 0},
                   {"showonquickchange", true},
                   {"includeinloadbalance", s.type == 0},
                   {"useworkinghours", 0}});
  }
  for (auto const& t : kTeams) {
    store.Put("Team", t.id,
              Json{{"id", t.id},
                   {"name", t.name},
                   {"sequence", t.id},
                   {"inactive", false},
                   {"department_id", 1},
                   {"department_name", "Service Desk"},
                   {"forrequests", true},
                   {"foropps", false},
                   {"forprojects", t.forprojects},
                   {"ticket_count", 0},
                   {"agents", Json::array()}});
  }
  struct SlaDef {
    std::int64_t id;
    std::string name;
    double scale;
  };
  std::vector<SlaDef> const slas = {
      {1, "Standard SLA", 1.0}, {2, "Premium SLA", 0.5}, {3, "Best Endeavours", 3.0}};
  std::int64_t priority_key = 1;
  std::vector<std::string> const priority_names = {"Critical", "High", "Medium", "Low"};
  std::vector<double> const fix_hours = {4, 8, 24, 72};
  std::vector<double> const response_hours = {0.5, 1, 4, 8};
  std::vector<std::string> const priority_colours = {"#d32f2f", "#f57c00", "#fbc02d", "#388e3c"};
  for (auto const& sla : slas) {
    store.Put("SLA", sla.id,
              Json{{"id", sla.id},
                   {"name", sla.name},
                   {"workday_id", 1},
                   {"workday_name", "Mon-Fri 08:30-17:30"},
                   {"trackslafixbytime", true},
                   {"trackslaresponsetime", true}});
    for (std::int64_t p = 1; p <= 4; ++p) {
      auto const i = static_cast<std::size_t>(p - 1);
      store.Put("Priority", priority_key++,
                Json{{"id", Guid(rng)},
                     {"slaid", sla.id},
                     {"priorityid", p},
                     {"name", priority_names[i]},
                     {"fixtime", fix_hours[i] * sla.scale},
                     {"fixunits", "h"},
                     {"responsetime", response_hours[i] * sla.scale},
                     {"responseunits", "h"},
                     {"ishidden", false},
                     {"colour", priority_colours[i]},
                     {"enterslaexcuse", false}});
    }
  }
  struct TypeDef {
    std::int64_t id;
    std::string name;
    std::string use;
    std::int64_t initial_status;
    std::int64_t default_priority;
    std::int64_t team_id;
    std::int64_t approval_process_id;  // see kApprovalProcesses
  };
  std::vector<TypeDef> const types = {{1, "Incident", "ticket", 1, 3, 1, 0},
                                      {2, "Service Request", "ticket", 1, 4, 1, 2},
                                      {3, "Problem", "ticket", 1, 3, 2, 0},
                                      {4, "Change Request", "ticket", 1, 3, 5, 1},
                                      {5, "Project", "project", 7, 4, 3, 0},
                                      {6, "Alert", "ticket", 3, 2, 5, 0},
                                      {7, "Major Change (CAB)", "ticket", 1, 2, 6, 3},
                                      {8, "Opportunity", "opportunity", 1, 4, 6, 0}};
  for (auto const& t : types) {
    store.Put("TicketType", t.id,
              Json{{"id", t.id},
                   {"name", t.name},
                   {"use", t.use},
                   {"sequence", t.id},
                   {"group_id", t.id == 5 ? 2 : 1},
                   {"group_name", t.id == 5 ? "Projects" : "Support"},
                   {"visible", true},
                   {"initial_status", t.initial_status},
                   {"default_sla", 1},
                   {"default_priority", t.default_priority},
                   {"default_team", kTeams[static_cast<std::size_t>(t.team_id - 1)].name},
                   {"agentscanselect", true},
                   {"enduserscanselect", t.id <= 2},
                   {"cancreate", true},
                   {"workflow_id", 0},
                   {"approval_process_id", t.approval_process_id},
                   {"ticket_count", 0}});
  }
  for (auto const& c : kCategories) {
    store.Put("Category", c.id,
              Json{{"id", c.id},
                   {"value", c.value},
                   {"category_name", c.type_id == 1 ? "Category" : "Resolution"},
                   {"type_id", c.type_id},
                   {"sla_id", 0},
                   {"priority_id", 0}});
  }
  for (auto const& o : kOutcomes) {
    store.Put("Outcome", o.id,
              Json{{"id", o.id},
                   {"outcome", o.outcome},
                   {"buttonname", o.buttonname},
                   {"colour", "#5c6bc0"},
                   {"sequence", o.id},
                   {"hidden", false},
                   {"systemid", o.systemid},
                   {"newstatus", o.newstatus},
                   {"sendemail", o.sendemail},
                   {"hidefromuser", o.hidefromuser},
                   {"defaultmanhrs", 0.0}});
    // Which outcomes the API agent may not use is a permission, not an outcome field.
    if (o.restricted) store.meta()["restricted_outcome_ids"].push_back(o.id);
  }
  for (auto const& a : kAssetTypes) {
    store.Put("AssetType", a.id,
              Json{{"id", a.id},
                   {"name", a.name},
                   {"assetgroup_id", a.id <= 2 ? 1 : (a.id == 3 || a.id == 9 ? 2 : 3)},
                   {"assetgroup_name", a.group},
                   {"keyfield_name", "Hostname"},
                   {"keyfield2_name", "Serial Number"},
                   {"keyfield3_name", "Model"}});
  }

  // --- Agents ------------------------------------------------------------------------------------
  std::set<std::string> used_names;
  auto person = [&]() {
    for (;;) {
      auto first = rng.Pick(kFirstNames);
      auto last = rng.Pick(kSurnames);
      auto full = first + " " + last;
      if (used_names.insert(full).second || used_names.size() > 1000) {
        return std::make_pair(first, last);
      }
    }
  };
  std::vector<std::int64_t> agent_team;  // index = agent id
  agent_team.push_back(0);
  std::vector<std::string> agent_names = {""};
  std::vector<std::string> const jobtitles = {
      "Service Desk Analyst", "Senior Engineer",         "Project Engineer",
      "Field Engineer",       "Infrastructure Engineer", "Service Delivery Manager"};
  for (int i = 1; i <= size.agents; ++i) {
    auto [first, last] = person();
    std::int64_t team_id = i <= 5 ? 1 : i <= 9 ? 2 : i <= 11 ? 3 : i <= 12 ? 4 : i <= 14 ? 5 : 6;
    if (i > 15) team_id = 1 + (i % 6);
    auto const& team = kTeams[static_cast<std::size_t>(team_id - 1)];
    std::string email = Slug(first) + "." + Slug(last) + "@northwind-it.co.uk";
    store.Put("Agent", i,
              Json{{"id", i},
                   {"name", first + " " + last},
                   {"firstname", first},
                   {"surname", last},
                   {"initials", std::string{first[0], last[0]}},
                   {"email", email},
                   {"team", team.name},
                   {"teams", Json::array({Json{{"team_id", team_id}, {"team_name", team.name}}})},
                   {"isdisabled", i == size.agents && size.agents > 3},
                   {"is_agent", true},
                   {"isapiagent", false},
                   {"role_list", team_id == 6 ? "Administrator" : "Agent"},
                   {"jobtitle", jobtitles[static_cast<std::size_t>(team_id - 1)]},
                   {"colour", priority_colours[static_cast<std::size_t>(i % 4)]},
                   {"extensionnumber", "0113 496 0" + Pad(100 + i, 3)},
                   // Working day 08:30-17:00 with half an hour for lunch (8 h); every fifth
                   // agent part-time 09:00-15:00 (5.5 h).
                   {"workhour_start", i % 5 == 0 ? 9.0 : 8.5},
                   {"workhour_end", i % 5 == 0 ? 15.0 : 17.0},
                   {"lunchbreak", 0.5}});
    agent_team.push_back(team_id);
    agent_names.push_back(first + " " + last);
    store.table("Team").rows[team_id]["agents"].push_back(
        Json{{"agent_id", i}, {"agent_name", first + " " + last}});
  }
  std::int64_t const api_agent_id = size.agents + 1;
  store.Put(
      "Agent", api_agent_id,
      Json{{"id", api_agent_id},
           {"name", "API Integration"},
           {"firstname", "API"},
           {"surname", "Integration"},
           {"initials", "AI"},
           {"email", "api@northwind-it.co.uk"},
           {"team", "Service Management"},
           {"teams", Json::array({Json{{"team_id", 6}, {"team_name", "Service Management"}}})},
           {"isdisabled", false},
           {"is_agent", true},
           {"isapiagent", true},
           {"role_list", "API"},
           {"jobtitle", "Integration account"},
           {"colour", "#607d8b"},
           {"extensionnumber", ""},
           {"workhour_start", 0.0},
           {"workhour_end", 0.0},
           {"lunchbreak", 0.0}});
  store.meta()["api_agent_id"] = api_agent_id;

  // --- Clients, sites, users
  // -----------------------------------------------------------------------
  using seed::ClientInfo;
  std::vector<ClientInfo> clients;
  std::vector<std::string> stems = kCompanyStems;
  for (std::size_t k = stems.size(); k > 1; --k) {
    std::swap(stems[k - 1], stems[static_cast<std::size_t>(rng.Next() % k)]);
  }
  std::int64_t site_id = kFirstSiteId;
  std::int64_t user_id = kFirstUserId;
  for (int i = 0; i < size.clients; ++i) {
    // Stems are drawn without replacement so names and e-mail domains stay unique.
    auto const round = static_cast<std::size_t>(i) / stems.size();
    auto const& stem = stems[static_cast<std::size_t>(i) % stems.size()];
    std::string name =
        stem + (round > 0 ? " " + std::to_string(round + 1) : "") + " " + rng.Pick(kCompanyKinds);
    std::int64_t const client_id = kFirstClientId + i;
    std::string const domain = Slug(stem) + (round > 0 ? std::to_string(round + 1) : "") + ".co.uk";
    std::int64_t const sla_id = rng.Chance(25) ? 2 : 1;
    auto const town = rng.Pick(kTowns);
    ClientInfo info{client_id, name, {}, {}, sla_id};
    int const site_count = static_cast<int>(rng.Range(1, 3));
    for (int s = 0; s < site_count; ++s) {
      std::string site_name =
          s == 0 ? "Head Office" : (s == 1 ? rng.Pick(kTowns) + " Branch" : "Warehouse");
      Json site = NewRecord("Site");
      site["id"] = site_id;
      site["name"] = site_name;
      site["client_id"] = client_id;
      site["client_name"] = name;
      site["clientsite_name"] = name + " / " + site_name;
      site["sla_id"] = sla_id;
      site["phonenumber"] = "0" + std::to_string(rng.Range(1132, 1999)) + " " +
                            std::to_string(rng.Range(100000, 999999));
      site["delivery_address"] =
          Json{{"line1", std::to_string(rng.Range(1, 120)) + " " + rng.Pick(kStreets)},
               {"line2", s == 0 ? town : rng.Pick(kTowns)},
               {"postcode", "LS" + std::to_string(rng.Range(1, 28)) + " " +
                                std::to_string(rng.Range(1, 9)) + "AB"}};
      site["invoice_address"] = site["delivery_address"];
      store.Put("Site", site_id, site);
      info.sites.push_back(site_id++);
    }
    for (int u = 0; u < size.users_per_client; ++u) {
      auto [first, last] = person();
      auto const sid = info.sites[static_cast<std::size_t>(rng.Range(0, site_count - 1))];
      Json user = NewRecord("Users");
      user["id"] = user_id;
      user["name"] = first + " " + last;
      user["firstname"] = first;
      user["surname"] = last;
      user["emailaddress"] = Slug(first) + "." + Slug(last) + "@" + domain;
      user["login"] = user["emailaddress"];
      user["phonenumber"] = store.Find("Site", sid)->at("phonenumber").get<std::string>();
      user["mobilenumber"] = "07" + std::to_string(rng.Range(100000000, 999999999));
      user["site_id"] = sid;
      user["site_name"] = store.Find("Site", sid)->at("name");
      user["client_name"] = name;
      user["title"] =
          rng.Pick(std::vector<std::string>{"Office Manager", "Accounts Assistant", "Director",
                                            "Receptionist", "Operations Lead", "Consultant"});
      user["isimportantcontact"] = u == 0;
      user["inactive"] = rng.Chance(5);
      store.Put("Users", user_id, user);
      info.users.push_back(user_id++);
    }
    Json client = NewRecord("Client");
    client["id"] = client_id;
    client["name"] = name;
    client["website"] = "https://www." + domain;
    client["ref"] = "C" + Pad(client_id, 4);
    client["colour"] = priority_colours[static_cast<std::size_t>(i % 4)];
    client["is_vip"] = sla_id == 2;
    client["inactive"] = i > 3 && rng.Chance(7);
    client["main_site_id"] = info.sites.front();
    client["main_site_name"] = "Head Office";
    client["accountmanagertech"] = 15 <= size.agents ? 15 : 1;
    client["accountmanagertech_name"] = agent_names[static_cast<std::size_t>(
        std::min<std::int64_t>(15 <= size.agents ? 15 : 1, size.agents))];
    client["datecreated"] = FormatTime(anchor - rng.Range(400, 2500) * kDay);
    auto const* contact = info.users.empty() ? nullptr : store.Find("Users", info.users.front());
    client["notes"] = "Managed services customer since " +
                      client["datecreated"].get<std::string>().substr(0, 4) +
                      ". Main contact: " + (contact ? contact->value("name", "n/a") : "n/a");
    client["newclient_contactemail"] = "accounts@" + domain;
    store.Put("Client", client_id, client);
    clients.push_back(std::move(info));
  }
  if (clients.empty()) return;

  // --- Assets
  // ----------------------------------------------------------------------------------------
  std::vector<std::vector<std::int64_t>> client_assets(clients.size());
  for (int i = 0; i < size.assets; ++i) {
    auto const ci =
        static_cast<std::size_t>(rng.Range(0, static_cast<std::int64_t>(clients.size()) - 1));
    auto const& client = clients[ci];
    auto const type_index = static_cast<std::size_t>(rng.Range(0, 99) < 45 ? 0 : rng.Range(1, 8));
    auto const& type = kAssetTypes[type_index];
    std::int64_t const id = kFirstAssetId + i;
    auto const sid = client.sites[static_cast<std::size_t>(
        rng.Range(0, static_cast<std::int64_t>(client.sites.size()) - 1))];
    Json asset = NewRecord("Asset");
    std::string prefix = Slug(client.name).substr(0, 3);
    std::transform(prefix.begin(), prefix.end(), prefix.begin(), ::toupper);
    asset["id"] = id;
    asset["inventory_number"] = prefix + "-" + type.code + "-" + Pad(id, 4);
    asset["key_field"] = prefix + "-" + type.code + Pad(id % 1000, 3);
    asset["key_field2"] =
        std::string("SN") + Pad(static_cast<std::int64_t>(rng.Next() % 100000000), 8);
    auto const& models = kModels[type_index];
    asset["key_field3"] = models[static_cast<std::size_t>(rng.Next() % models.size())];
    asset["client_id"] = client.id;
    asset["client_name"] = client.name;
    asset["site_id"] = sid;
    asset["site_name"] = store.Find("Site", sid)->at("name");
    asset["assettype_id"] = type.id;
    asset["assettype_name"] = type.name;
    if ((type.id == 1 || type.id == 2 || type.id == 8) && !client.users.empty()) {
      auto const uid = client.users[static_cast<std::size_t>(rng.Next() % client.users.size())];
      asset["username"] = store.Find("Users", uid)->at("name");
      asset["users"] = Json::array({Json{{"id", uid}, {"name", asset["username"]}}});
    }
    bool const retired = rng.Chance(6);
    asset["inactive"] = retired;
    asset["status_id"] = retired ? 3 : 1;
    asset["status_name"] = retired ? "Retired" : "Active";
    asset["warranty_end"] = FormatTime(anchor + rng.Range(-400, 1000) * kDay);
    asset["fields"] = Json::array(
        {Json{{"id", 1},
              {"name", "Operating System"},
              {"value", type.id <= 2                   ? "Windows 11 Pro"
                        : type.id == 3 || type.id == 9 ? "Windows Server 2022"
                                                       : "Vendor firmware"}},
         Json{{"id", 2},
              {"name", "Purchase Date"},
              {"value", FormatTime(anchor - rng.Range(30, 1500) * kDay).substr(0, 10)}}});
    store.Put("Asset", id, asset);
    client_assets[ci].push_back(id);
  }

  // --- Tickets and actions
  // ---------------------------------------------------------------------------
  auto const open_statuses = std::vector<std::int64_t>{1, 2, 2, 2, 3, 4, 4, 5, 6, 7};
  auto const api_agent_name = std::string("API Integration");
  std::int64_t const agents = std::max(1, size.agents);
  for (int i = 0; i < size.tickets; ++i) {
    std::int64_t const id = kFirstTicketId + i;
    auto const ci =
        static_cast<std::size_t>(rng.Range(0, static_cast<std::int64_t>(clients.size()) - 1));
    auto const& client = clients[ci];
    auto const& sc = rng.Pick(kScenarios);
    std::int64_t uid =
        client.users.empty()
            ? 0
            : client.users[static_cast<std::size_t>(rng.Next() % client.users.size())];
    Json const* user = uid ? store.Find("Users", uid) : nullptr;
    std::int64_t const sid = user ? user->at("site_id").get<std::int64_t>() : client.sites.front();
    std::string const user_name = user ? user->at("name").get<std::string>() : "General User";
    std::string asset_name = "PC";
    std::int64_t asset_id = 0;
    if (!client_assets[ci].empty()) {
      asset_id = client_assets[ci][static_cast<std::size_t>(rng.Next() % client_assets[ci].size())];
      asset_name = store.Find("Asset", asset_id)->at("key_field").get<std::string>();
    }
    std::string server = Slug(client.name).substr(0, 3) + "-srv0" + std::to_string(rng.Range(1, 3));
    std::transform(server.begin(), server.end(), server.begin(), ::toupper);
    auto fill = [&](std::string text) {
      text = Replace(text, "{user}", user_name);
      text = Replace(text, "{site}", store.Find("Site", sid)->at("name").get<std::string>());
      text = Replace(text, "{asset}", asset_name);
      text = Replace(text, "{app}",
                     kApps[static_cast<std::size_t>(id % static_cast<std::int64_t>(kApps.size()))]);
      text = Replace(
          text, "{drive}",
          kDrives[static_cast<std::size_t>(id % static_cast<std::int64_t>(kDrives.size()))]);
      text = Replace(text, "{server}", server);
      return text;
    };
    // Ages skew recent: a service desk has more recent tickets than old ones.
    double const u = rng.Unit();
    std::int64_t const age =
        static_cast<std::int64_t>(u * u * 364.0 * kDay) + rng.Range(0, kDay - 1);
    std::int64_t const opened = anchor - age + 8 * 3600;
    bool const closed = age > 21 * kDay  ? rng.Chance(94)
                        : age > 3 * kDay ? rng.Chance(55)
                                         : rng.Chance(15);
    std::int64_t const tickettype_id = sc.tickettype_id;
    auto const& type = types[static_cast<std::size_t>(tickettype_id - 1)];
    std::int64_t team_id = tickettype_id == 5                             ? 3
                           : sc.category_id == 12 || sc.category_id == 14 ? 5
                           : rng.Chance(70)                               ? 1
                                                                          : 2;
    std::int64_t agent_id = 0;
    if (closed || rng.Chance(80)) {
      // Pick an agent from the team when there is one.
      std::vector<std::int64_t> candidates;
      for (std::int64_t a = 1; a <= agents; ++a) {
        if (agent_team[static_cast<std::size_t>(a)] == team_id) candidates.push_back(a);
      }
      agent_id = candidates.empty() ? rng.Range(1, agents) : rng.Pick(candidates);
    }
    std::int64_t const priority = rng.Chance(5) ? 1 : rng.Chance(20) ? 2 : type.default_priority;
    std::int64_t status = closed ? (rng.Chance(6) ? 8 : 9) : rng.Pick(open_statuses);
    if (!closed && agent_id == 0) status = 1;
    auto const& sla = slas[static_cast<std::size_t>(client.sla_id - 1)];
    double const fix = fix_hours[static_cast<std::size_t>(priority - 1)] * sla.scale;
    double const response = response_hours[static_cast<std::size_t>(priority - 1)] * sla.scale;

    Json t = NewRecord("Tickets");
    t["id"] = id;
    t["summary"] = fill(sc.summary);
    std::string const details = fill(sc.details);
    t["details"] = details;
    t["details_html"] =
        "<p>" + HtmlEscape(details) + "</p><p>Kind regards,<br>" + HtmlEscape(user_name) + "</p>";
    t["client_id"] = client.id;
    t["client_name"] = client.name;
    t["site_id"] = sid;
    t["site_name"] = store.Find("Site", sid)->at("name");
    t["user_id"] = uid;
    t["user_name"] = user_name;
    t["user_email"] = user ? user->at("emailaddress").get<std::string>() : "";
    t["reportedby"] = user_name;
    t["status_id"] = status;
    t["status_name"] = kStatuses[static_cast<std::size_t>(status - 1)].name;
    t["tickettype_id"] = tickettype_id;
    t["tickettype_name"] = type.name;
    t["priority_id"] = priority;
    t["priority_name"] = priority_names[static_cast<std::size_t>(priority - 1)];
    t["sla_id"] = sla.id;
    t["sla_name"] = sla.name;
    t["agent_id"] = agent_id;
    t["agent_name"] = agent_id ? agent_names[static_cast<std::size_t>(agent_id)] : "";
    t["team"] = kTeams[static_cast<std::size_t>(team_id - 1)].name;
    auto const& cat = kCategories[static_cast<std::size_t>(sc.category_id - 1)];
    t["category_1"] = cat.value;
    t["categoryid_1"] = cat.id;
    t["dateoccurred"] = FormatTime(opened);
    t["datecreated"] = FormatTime(opened);
    t["respondbydate"] = FormatTime(opened + static_cast<std::int64_t>(response * 3600));
    t["fixbydate"] = FormatTime(opened + static_cast<std::int64_t>(fix * 3600));
    t["deadlinedate"] = t["fixbydate"];
    if (agent_id) t["dateassigned"] = FormatTime(opened + rng.Range(300, 7200));
    t["impact"] = priority <= 2 ? 1 : 3;
    t["urgency"] = priority <= 2 ? 1 : priority == 3 ? 2 : 3;
    t["source"] = rng.Chance(60) ? 0 : rng.Chance(50) ? 1 : 3;  // email / phone / portal
    t["read"] = closed || rng.Chance(60);
    t["flagged"] = rng.Chance(3);
    t["estimate"] = tickettype_id == 5 ? 16.0 : 0.0;
    if (asset_id && (sc.category_id == 1 || sc.category_id == 2)) {
      t["assets"] = Json::array(
          {Json{{"id", asset_id},
                {"inventory_number", store.Find("Asset", asset_id)->at("inventory_number")}}});
    }
    t["customfields"] =
        Json::array({Json{{"id", 141},
                          {"name", "CFCustomerReference"},
                          {"value", rng.Chance(20) ? "PO-" + Pad(rng.Range(1000, 9999), 4) : ""}},
                     Json{{"id", 142},
                          {"name", "CFAffectedUsers"},
                          {"value", std::to_string(rng.Range(1, 12))}}});
    t["onhold"] = !closed && kStatuses[static_cast<std::size_t>(status - 1)].slaaction == "Hold";
    t["slastate"] = closed ? (rng.Chance(88) ? "I" : "O") : "";
    t["slatimeleft"] = closed ? 0.0 : std::max(0.0, fix - static_cast<double>(age) / 3600.0);
    t["web_url"] = "/tickets?id=" + std::to_string(id);
    t["api_url"] = "/api/Tickets/" + std::to_string(id);

    // Actions: logged, then agent work, then resolution for closed tickets.
    int const n_actions = agent_id ? static_cast<int>(rng.Range(1, 6)) : 1;
    std::int64_t when = opened;
    double total_time = 0;
    std::int64_t const horizon = closed ? std::min<std::int64_t>(age, rng.Range(2, 240) * 3600)
                                        : std::max<std::int64_t>(age - 600, 600);
    std::int64_t action_id = 0;
    auto add_action = [&](std::int64_t outcome_id, std::string const& note, double hours,
                          std::int64_t new_status, std::int64_t who_agent) {
      auto const& o = kOutcomes[static_cast<std::size_t>(outcome_id - 1)];
      Json a = seed::SeededAction(
          id, ++action_id, o.outcome, o.id, who_agent,
          who_agent ? agent_names[static_cast<std::size_t>(who_agent)] : user_name, when, note,
          hours);
      a["hiddenfromuser"] = o.hidefromuser;
      a["new_status"] = new_status;
      a["new_status_name"] =
          new_status ? kStatuses[static_cast<std::size_t>(new_status - 1)].name : "";
      a["sendemail"] = o.sendemail != 0;
      if (o.sendemail != 0) {
        a["emailto"] = t["user_email"];
        a["emailfrom"] = "support@northwind-it.co.uk";
        a["emailsubject"] =
            "[Ticket #" + std::to_string(id) + "] " + t["summary"].get<std::string>();
      }
      store.PutAction(id, action_id, a);
      total_time += hours;
    };
    add_action(11,
               "Ticket logged via " +
                   std::string(t["source"] == 0   ? "email"
                               : t["source"] == 1 ? "phone"
                                                  : "the portal") +
                   ": " + t["summary"].get<std::string>(),
               0.0, 0, 0);
    std::int64_t const worker = agent_id ? agent_id : 0;
    int const work_steps = std::max(0, n_actions - 1 - (closed ? 1 : 0));
    for (int s = 0; s < work_steps; ++s) {
      when += std::max<std::int64_t>(300, horizon / (n_actions + 1));
      std::string note = fill(sc.notes[static_cast<std::size_t>(s) % sc.notes.size()]);
      std::int64_t outcome = s == 0 ? 1 : rng.Pick(std::vector<std::int64_t>{2, 3, 7, 7, 4, 8});
      if (!worker) outcome = 7;
      std::int64_t new_status = 0;
      if (outcome == 8) new_status = 4;
      if (s == 0 && worker)
        note = "Hi " + (user ? user->at("firstname").get<std::string>() : std::string("there")) +
               ", thanks for getting in touch. " + note;
      add_action(outcome, note, RoundQuarter(0.25 + rng.Unit() * 1.25), new_status,
                 worker ? worker : 1);
    }
    if (closed) {
      when = opened + horizon;
      std::string note = status == 8
                             ? "Cancelled at the customer's request; no longer required."
                             : fill(sc.notes.back()) + " Closing this ticket; reply to reopen.";
      add_action(5, note, status == 8 ? 0.0 : RoundQuarter(0.25 + rng.Unit() * 0.5), status,
                 worker ? worker : 1);
      t["dateclosed"] = FormatTime(when);
      t["hasbeenclosed"] = true;
      t["category_2"] = status == 8      ? "Cancelled by User"
                        : rng.Chance(85) ? "Resolved - Fixed"
                                         : "Resolved - Workaround";
      t["categoryid_2"] = status == 8 ? 25 : t["category_2"] == "Resolved - Fixed" ? 21 : 22;
      t["responsedate"] = FormatTime(opened + std::min<std::int64_t>(horizon, 1800));
    } else if (n_actions > 1) {
      t["responsedate"] =
          FormatTime(opened + std::max<std::int64_t>(300, horizon / (n_actions + 1)));
    }
    t["timetaken"] = total_time;
    t["chargehours"] = total_time;
    t["lastactiondate"] = FormatTime(when);
    t["last_update"] = FormatTime(when);
    if (t["source"] == 0) t["lastincomingemail"] = FormatTime(opened);
    store.Put("Tickets", id, std::move(t));
  }

  // --- The rest of the working day, from a second stream so that the data above stays the
  // same for a seed whatever is added below.
  Prng day_rng(seed ^ 0x5eedda7aULL);
  seed::Tenant tenant{store, size, anchor, anchor_epoch, std::move(clients)};
  seed::SeedPeople(tenant, day_rng);
  seed::SeedTicketLinks(tenant, day_rng);
  seed::SeedTime(tenant, day_rng);
  seed::SeedCalendar(tenant, day_rng);
  seed::SeedApprovals(tenant, day_rng);
  seed::SeedKnowledge(tenant, day_rng);
  seed::SeedAttachments(tenant, day_rng);
  seed::SeedBilling(tenant, day_rng);
  seed::SeedSales(tenant, day_rng);
  seed::SeedDeskTools(tenant);
}

}  // namespace halo_sim
