#pragma once

// The parts of GenerateTenant that seed the rest of a technician's working day on top of the
// core tenant (reference data, agents, clients, assets, tickets and actions). Each part reads what
// is already in the store and draws from its own random stream, so adding data here never changes
// the core tenant of a seed.
#include "sim/prng.h"
#include "sim/store.h"
#include "sim/tenant_generator.h"

#include <cstdint>
#include <string>
#include <vector>

namespace halo_sim::seed {

struct ClientInfo {
  std::int64_t id;
  std::string name;
  std::vector<std::int64_t> sites;
  std::vector<std::int64_t> users;
  std::int64_t sla_id;
};

struct Tenant {
  Store& store;
  TenantSize size;
  std::int64_t anchor;  ///< midnight UTC of the anchor day: "today"
  std::int64_t now;     ///< the anchor time itself; nothing is dated after it
  std::vector<ClientInfo> clients;
};

/// Departed technicians (disabled agents) who still own open and closed tickets.
void SeedPeople(Tenant& t, Prng& rng);
/// Parent and child incidents; project budgets, dates and progress.
void SeedTicketLinks(Tenant& t, Prng& rng);
/// Timesheet events: time on ticket actions (last 60 days), admin, meetings and training over
/// the last four weeks, and time logged today before `now`.
void SeedTime(Tenant& t, Prng& rng);
/// Appointments over two months, with some for today and tomorrow for each agent.
void SeedCalendar(Tenant& t, Prng& rng);
/// Approval processes and approvals: pending ones on open changes and requests, answered ones
/// on closed tickets.
void SeedApprovals(Tenant& t, Prng& rng);
/// Knowledge base articles (an MFA reset among them).
void SeedKnowledge(Tenant& t, Prng& rng);
/// A text file, a PNG screenshot and a PDF on some tickets and actions.
void SeedAttachments(Tenant& t, Prng& rng);
/// Contracts, prepaid hours, invoices with lines, recurring invoices, quotations.
void SeedBilling(Tenant& t, Prng& rng);
/// Suppliers, items, purchase orders and opportunities.
void SeedSales(Tenant& t, Prng& rng);
/// Saved reports and canned text.
void SeedDeskTools(Tenant& t);

/// An action as the generator writes it: by agent `who_agent`, or by the end user `who` when
/// `who_agent` is 0; timed actions are billable.
Json SeededAction(std::int64_t ticket_id, std::int64_t number, std::string const& outcome,
                  std::int64_t outcome_id, std::int64_t who_agent, std::string const& who,
                  std::int64_t when, std::string const& note, double hours);

/// Agents who can be given work: enabled, not the API agent.
std::vector<std::int64_t> ActiveAgents(Store const& store);

}  // namespace halo_sim::seed
