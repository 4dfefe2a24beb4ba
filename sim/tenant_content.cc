// Seeds what technicians read and reuse: knowledge base articles, files on tickets, saved
// reports and canned text.
#include "sim/api_util.h"
#include "sim/base64.h"
#include "sim/reports.h"
#include "sim/sample_files.h"
#include "sim/tenant_seed.h"

#include <algorithm>

namespace halo_sim::seed {
namespace {

constexpr std::int64_t kDay = 86400;

struct Article {
  std::string name;
  std::string symptoms;
  std::string resolution;  // steps separated by '\n'
  std::string tags;        // comma separated
  bool inactive = false;
};

std::vector<Article> const kArticles = {
    {"Reset a user's MFA (Microsoft Authenticator)",
     "The user has a new phone, lost their phone or no longer gets Authenticator prompts, and "
     "cannot sign in to Microsoft 365.",
     "Verify the caller's identity with a call back to the number on file.\n"
     "In the Entra admin centre open Users > the user > Authentication methods.\n"
     "Delete the old Microsoft Authenticator method and choose Require re-register MFA.\n"
     "Issue a Temporary Access Pass (one hour, one use) and read it to the user.\n"
     "The user signs in at https://aka.ms/mysecurityinfo and adds Authenticator on the new "
     "phone.\n"
     "Note the ticket with what was reset; never send the pass by email.",
     "MFA, Microsoft 365, Security, Authenticator"},
    {"Unlock an account after too many sign-in attempts",
     "The user is told their account is locked or their password is wrong after several tries.",
     "Verify the caller's identity.\nIn Active Directory Users and Computers, open the account "
     "and tick Unlock account.\nIf the password is unknown, reset it and require a change at "
     "next sign-in.\nCheck the sign-in logs for attempts from unknown places.",
     "Accounts, Password, Active Directory"},
    {"Set up a shared mailbox and give access",
     "A team needs a shared address such as accounts@ or a leaver's mailbox must stay readable.",
     "In the Exchange admin centre create the shared mailbox (or convert the user mailbox).\n"
     "Add the members with Full Access and Send As.\nThe mailbox appears in Outlook within an "
     "hour; restart Outlook if it does not.",
     "Email, Exchange, Microsoft 365"},
    {"Map a network drive with Group Policy", "A department drive is missing from File Explorer.",
     "Check the user is in the department's security group.\nThe drive maps from the Drive "
     "Maps policy on the next sign-in; run gpupdate /force to apply it sooner.",
     "Network, File shares, Group Policy"},
    {"Connect to the VPN from home",
     "The VPN client times out or says the certificate is not valid.",
     "Make sure the laptop has internet access without the VPN.\nRestart the VPN client.\nIf the "
     "certificate expired, sync the device in Company Portal to renew it, then reconnect.",
     "VPN, Remote working, Network"},
    {"Printer shows offline: reserve the printer's IP address",
     "Everyone sees the printer as offline after a power cut or router change.",
     "Print a configuration page to find the printer's current IP address.\nCreate a DHCP "
     "reservation for it, or set the print server port to the new address.\nClear stuck jobs "
     "and print a test page.",
     "Printing, Hardware, DHCP"},
    {"Rebuild an Outlook profile",
     "Outlook keeps asking for the password, crashes on start or shows an old mailbox.",
     "Close Outlook.\nIn Control Panel > Mail > Show Profiles, add a new profile and set it as "
     "the default.\nClear the user's cached credentials in Credential Manager.\nStart Outlook "
     "and let it rebuild the cache.",
     "Email, Outlook, Microsoft 365"},
    {"Enrol a new laptop with Autopilot",
     "A new starter's laptop must be set up with the company's apps and policies.",
     "Register the hardware hash in Intune (the supplier usually does this).\nAssign the "
     "Autopilot profile and the user.\nThe user signs in on first boot; apps install "
     "automatically within an hour.",
     "Intune, Autopilot, New starter, Hardware"},
    {"Leaver checklist: disable accounts and keep the mailbox",
     "A member of staff is leaving and their access must end on their last day.",
     "Block sign-in and revoke sessions.\nConvert the mailbox to a shared mailbox and give the "
     "manager Full Access.\nRemove licences.\nBook the laptop and phone in for collection and "
     "wipe.",
     "Accounts, Leaver, Microsoft 365"},
    {"Report a phishing email",
     "A user received a suspicious email asking them to click a link or approve a payment.",
     "Ask the user not to click anything and to use the Report Message button.\nSearch for the "
     "message in the tenant and purge all copies.\nBlock the sender and check whether anyone "
     "entered credentials.",
     "Security, Phishing, Email"},
    {"Teams calls dropping: check the connection",
     "Teams calls drop after a few minutes or the audio breaks up.",
     "Check the call quality dashboard for packet loss.\nTest the site's line during a call.\n"
     "Raise a fault with the ISP when the loss is on their side.",
     "Teams, Network, Telephony"},
    {"Free up space on a server's data drive", "Monitoring reports a drive below 10% free space.",
     "Find the largest folders with WinDirStat or TreeSize.\nArchive IIS and application logs "
     "older than 90 days.\nAdd a clean-up task and a monitoring threshold at 15%.",
     "Server, Storage, Monitoring"},
    {"Restore a file from backup", "A user deleted or overwrote a file on a shared drive.",
     "Try Previous Versions on the folder first.\nOtherwise restore from the nightly backup to "
     "a new folder and let the user check it before replacing anything.",
     "Backup, File shares"},
    {"Scan to email through the SMTP relay", "The scanner says SMTP error when scanning to email.",
     "Microsoft 365 no longer accepts basic authentication from devices.\nPoint the scanner at "
     "the SMTP relay connector on port 25 without authentication.\nSend a test scan.",
     "Printing, Email, Scanning"},
    {"Install software from Company Portal",
     "A user needs an approved application on their laptop.",
     "Check a licence is free.\nAssign the app to the user in Intune as Available or "
     "Required.\nThe user installs it from Company Portal.",
     "Software, Intune"},
    {"Wi-Fi drops in busy meeting rooms", "Wi-Fi disconnects when a room is full.",
     "Update the access point's firmware.\nEnable band steering and lower the 2.4 GHz power.\n"
     "Add an access point if more than 30 devices use the room.",
     "Wi-Fi, Network"},
    {"Configure the Windows 7 VPN client", "Legacy instructions for Windows 7 laptops.",
     "Windows 7 is no longer supported; replace the laptop.", "VPN, Legacy", true},
};

std::string Paragraphs(std::string const& steps) {
  std::string html;
  std::size_t pos = 0;
  while (pos <= steps.size()) {
    auto end = steps.find('\n', pos);
    if (end == std::string::npos) end = steps.size();
    html += "<p>" + HtmlEscape(steps.substr(pos, end - pos)) + "</p>";
    pos = end + 1;
  }
  return html;
}

struct SampleFile {
  std::string filename;
  std::string bytes;
  std::string note;
};

void Attach(Store& store, Json const& ticket, std::int64_t action_id, SampleFile const& file) {
  auto const id = store.AllocateId("Attachment");
  Json a = NewRecord("Attachment");
  a["id"] = id;
  a["unique_id"] = id;
  a["filename"] = file.filename;
  a["note"] = file.note;
  a["desc"] = file.note;
  a["ticket_id"] = ticket["id"];
  a["action_id"] = action_id;
  a["filesize"] = static_cast<std::int64_t>(file.bytes.size());
  auto const type = file.filename.substr(file.filename.rfind('.') + 1);
  a["content_type"] = type == "png"   ? "image/png"
                      : type == "pdf" ? "application/pdf"
                                      : "text/plain";
  a["isimage"] = type == "png";
  a["datecreated"] = ticket["dateoccurred"];
  a["agent_id"] = ticket["agent_id"];
  a["data_base64"] = Base64Encode(file.bytes);
  store.Put("Attachment", id, std::move(a));
}

}  // namespace

void SeedKnowledge(Tenant& t, Prng& rng) {
  Store& store = t.store;
  auto const agents = ActiveAgents(store);
  std::int64_t id = 1;
  std::int64_t tag_id = 1;
  for (auto const& article : kArticles) {
    Json row = NewRecord("KBArticle");
    row["id"] = id;
    row["name"] = article.name;
    row["description"] = article.symptoms;
    row["description_html"] = "<h2>Symptoms</h2><p>" + HtmlEscape(article.symptoms) + "</p>";
    row["resolution"] = article.resolution;
    row["resolution_html"] = Paragraphs(article.resolution);
    row["tag_string"] = article.tags;
    Json tags = Json::array();
    std::size_t pos = 0;
    while (pos < article.tags.size()) {
      auto end = article.tags.find(", ", pos);
      if (end == std::string::npos) end = article.tags.size();
      tags.push_back(Json{{"id", tag_id++}, {"text", article.tags.substr(pos, end - pos)}});
      pos = end + 2;
    }
    row["tags"] = std::move(tags);
    row["inactive"] = article.inactive;
    row["view_count"] = rng.Range(0, 400);
    row["useful_count"] = rng.Range(0, 40);
    row["date_created"] = FormatTime(t.anchor - rng.Range(60, 900) * kDay);
    row["date_edited"] = FormatTime(t.anchor - rng.Range(1, 59) * kDay);
    row["next_review_date"] = FormatTime(t.anchor + rng.Range(-30, 300) * kDay);
    if (!agents.empty()) {
      auto const author = rng.Pick(agents);
      row["creator_id"] = author;
      row["creator_name"] = AgentName(store, author);
    }
    store.Put("KBArticle", id++, std::move(row));
  }
}

void SeedAttachments(Tenant& t, Prng& rng) {
  Store& store = t.store;
  bool text = false, image = false, pdf = false;
  for (auto const& [id, ticket] : store.table("Tickets").rows) {
    auto const summary = FieldStr(ticket, "summary");
    // The first agent action carries the file the agent added; the ticket keeps the user's.
    std::int64_t agent_action = 0;
    auto first = store.actions().lower_bound({id, INT64_MIN});
    auto last = store.actions().lower_bound({id + 1, INT64_MIN});
    for (auto a = first; a != last; ++a) {
      if (FieldInt(a->second, "who_agentid") > 0) {
        agent_action = a->first.second;
        break;
      }
    }
    bool const pick = rng.Chance(4);
    if (summary.find("Outlook") != std::string::npos && (pick || !text)) {
      std::string log = "Outlook diagnostics for ticket #" + std::to_string(id) + "\n";
      for (int line = 0; line < 12; ++line) {
        log += FormatTime(t.anchor - (12 - line) * 600) +
               " [Warning] Credential prompt shown; "
               "cached token rejected (AADSTS50076)\n";
      }
      Attach(store, ticket, 0, {"outlook-diagnostics.txt", log, "Log file from the user"});
      text = true;
    } else if ((summary.find("Printer") != std::string::npos ||
                summary.find("Monitor") != std::string::npos ||
                summary.find("slowly") != std::string::npos) &&
               (pick || !image)) {
      Attach(store, ticket, 0,
             {"screenshot.png", SamplePng(48, 32, static_cast<std::uint32_t>(id * 2654435761U)),
              "Screenshot of the error"});
      image = true;
    } else if ((summary.find("install") != std::string::npos ||
                summary.find("Upgrade") != std::string::npos) &&
               agent_action > 0 && (pick || !pdf)) {
      Attach(store, ticket, agent_action,
             {"quote-Q" + std::to_string(id) + ".pdf",
              SamplePdf({"Northwind IT - Quotation Q" + std::to_string(id),
                         "Client: " + FieldStr(ticket, "client_name"), "For: " + summary,
                         "Labour: 2 hours at 85.00 GBP", "Valid for 30 days."}),
              "Quote sent to the client"});
      pdf = true;
    }
  }
  // Counts on tickets and actions.
  for (auto const& [id, a] : store.table("Attachment").rows) {
    auto* ticket = store.Find("Tickets", FieldInt(a, "ticket_id"));
    if (ticket != nullptr)
      (*ticket)["attachment_count"] = FieldInt(*ticket, "attachment_count") + 1;
    auto action = store.actions().find({FieldInt(a, "ticket_id"), FieldInt(a, "action_id")});
    if (action != store.actions().end()) action->second["attachment_count"] = 1;
  }
}

void SeedDeskTools(Tenant& t) {
  Store& store = t.store;
  struct ReportDef {
    SimReport kind;
    std::string name;
    std::string description;
    std::string entity;
    std::vector<std::string> columns;
  };
  std::vector<ReportDef> const reports = {
      {SimReport::kOpenTicketsByClient,
       "Open tickets by client",
       "Open tickets per client, with how many have breached their SLA",
       "Faults",
       {"client_name", "open_tickets", "sla_breached"}},
      {SimReport::kTimeByAgent,
       "Time logged by agent",
       "Hours per agent in the reporting period (default: the last 7 days)",
       "TimesheetEvent",
       {"agent_name", "hours", "chargeable_hours", "non_chargeable_hours"}},
      {SimReport::kTicketsPerDay,
       "Tickets opened and closed per day",
       "Daily volume in the reporting period (default: the last 30 days)",
       "Faults",
       {"date", "opened", "closed"}},
      {SimReport::kSlaBreachesByClient,
       "SLA breaches by client",
       "Open tickets past their fix-by time, per client",
       "Faults",
       {"client_name", "sla_breached", "open_tickets"}},
      {SimReport::kPrepayBalances,
       "Prepaid hours by client",
       "Prepaid hours bought, used and left, lowest balance first",
       "PrepayHistory",
       {"client_name", "prepay_hours", "used_hours", "balance_hours"}},
      {SimReport::kTicketsByStatus,
       "Tickets by status",
       "All tickets per status",
       "Faults",
       {"status_name", "tickets"}}};
  std::int64_t id = 1;
  for (auto const& r : reports) {
    Json columns = Json::array();
    int seq = 1;
    for (auto const& c : r.columns) {
      columns.push_back(
          Json{{"id", id * 100 + seq}, {"report_id", id}, {"name", c}, {"sequence", seq}});
      ++seq;
    }
    Json row = NewRecord("Report");
    row["id"] = id;
    row["name"] = r.name;
    row["description"] = r.description;
    row["group_id"] = r.entity == "Faults" ? 1 : 2;
    row["group_name"] = r.entity == "Faults" ? "Service desk" : "Time and billing";
    row["systemreportid"] = static_cast<int>(r.kind);
    row["mainentity"] = r.entity;
    row["columns"] = std::move(columns);
    store.Put("Report", id++, std::move(row));
  }
  struct Canned {
    std::string name;
    std::string text;
  };
  std::vector<Canned> const canned = {
      {"Password reset done",
       "Your password has been reset. You will be asked to choose a new one when you next sign "
       "in. Please do not share it with anyone."},
      {"MFA re-registration",
       "We have reset your multi-factor authentication. Sign in at "
       "https://aka.ms/mysecurityinfo with the temporary pass we read to you and add the "
       "Authenticator app on your new phone."},
      {"Remote session request",
       "Could you let us know a good time for a remote session? We will call you first and "
       "connect with your permission."},
      {"Closing: no response",
       "We have not heard back from you, so we are closing this ticket. Reply to this email to "
       "reopen it."},
      {"Site visit booked",
       "An engineer is booked to visit your site. We will confirm the time the day before."},
      {"Awaiting supplier update",
       "We have raised this with the supplier and will update you as soon as we hear back."},
      {"New starter details received",
       "Thanks for the new starter details. We will have the account and laptop ready for "
       "their first day."},
      {"Thanks for reporting phishing",
       "Thank you for reporting the suspicious email. We have removed it from all mailboxes; "
       "please delete any copy you still have and do not click its links."}};
  std::int64_t canned_id = 1;
  for (auto const& c : canned) {
    Json row = NewRecord("CannedText");
    row["id"] = canned_id;
    row["name"] = c.name;
    row["text"] = c.text;
    row["html"] = "<p>" + HtmlEscape(c.text) + "</p>";
    row["group_id"] = 1;
    row["group_name"] = "Service desk";
    store.Put("CannedText", canned_id++, std::move(row));
  }
}

}  // namespace halo_sim::seed
