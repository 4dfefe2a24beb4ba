#pragma once

#include "sim/record_templates.h"
#include "sim/store.h"

#include <cstdint>
#include <string_view>

namespace halo_sim {

/// Sizes of the generated tenant.
struct TenantSize {
  int clients = 40;
  int tickets = 3000;
  int assets = 1200;
  int users_per_client = 8;
  int agents = 15;
};

/**
 * Fills `store` with a deterministic MSP tenant: the same seed, sizes and anchor give the same
 * data on every platform. Dates are spread over the year before `anchor_epoch` (seconds);
 * "today" is the anchor's day and nothing is dated after `anchor_epoch` itself.
 *
 * Reference data (ids are stable and documented here because tests rely on them):
 * - Status: 1 New, 2 In Progress, 3 Action Required, 4 Waiting on Customer, 5 Waiting on
 *   Supplier, 6 On Hold, 7 Scheduled, 8 Cancelled, 9 Closed, 10 Resolved, 11 Awaiting Approval.
 *   `type` 0 = open, 1 = closed (8, 9, 10). Statuses 4, 5, 6 and 11 have slaaction "Hold".
 * - TicketType: 1 Incident, 2 Service Request, 3 Problem, 4 Change Request, 5 Project
 *   (use "project"), 6 Alert, 7 Major Change (CAB) (its approval process starts with a CAB step,
 *   so API creation is refused), 8 Opportunity (use "opportunity").
 * - Priority: priorityid 1 Critical, 2 High, 3 Medium, 4 Low (one row per SLA, `id` is a GUID).
 * - Outcome (`newstatus` is the status it sets): 1 Email User, 2 Phone Call, 3 Remote Session,
 *   4 Site Visit, 5 Resolved (-> 9), 6 Change Status, 7 Private Note (buttonname "Internal
 *   Note", hidden from user), 8 Waiting on Customer (-> 4), 9 Escalate, 10 Re-open (-> 2),
 *   11 Ticket Logged (system), 12 Approve Change (not usable by the API agent), 13 Note,
 *   14 Close (-> 9), 15 Waiting on Supplier (-> 5).
 * - Team: 1 1st Line, 2 2nd Line, 3 Projects, 4 Field Services, 5 Infrastructure,
 *   6 Service Management.
 * - ApprovalProcess: 1 Change approval (an agent; accept -> 7, reject -> 3), 2 Line manager
 *   approval (the client's main contact; accept -> 2, reject -> 8), 3 CAB approval. Pending
 *   approvals put their ticket in status 11.
 * - Agents 1..agents, then the API agent (name "API Integration", isapiagent true), then (with
 *   4 agents or more) two departed technicians (isdisabled) who still own tickets.
 * - Opportunities have ids from 90001; Report 1..6 are the saved reports of reports.h.
 */
void GenerateTenant(Store& store, std::uint64_t seed, TenantSize const& size,
                    std::int64_t anchor_epoch);

/// Text to HTML as HaloPSA stores it in *_html fields: <, >, & and " escaped, newlines as <br>.
std::string HtmlEscape(std::string const& s);

}  // namespace halo_sim
