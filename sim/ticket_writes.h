#pragma once

#include "sim/api_util.h"

#include <cstdint>
#include <string>
#include <vector>

namespace halo_sim {

/// ApprovalProcessStep.type of a step decided by a CAB (the others: 0 an agent, 1 an end user).
inline constexpr int kCabStep = 2;

/// POST /Tickets and /Projects: create or update a ticket (client/site/user agreement, type
/// defaults, categories, parent, merge, acknowledgement, ticket rules). See README "Tickets".
void StageTicket(WriteContext const& ctx, Json const& in, Validator& v,
                 std::vector<Staged>& staged);
/// POST /Opportunities: a CRM ticket kept apart from the service desk's tickets.
void StageOpportunity(WriteContext const& ctx, Json const& in, Validator& v,
                      std::vector<Staged>& staged);
/// POST /Actions: outcome rules, the outcome's status change, time, attribution.
void StageAction(WriteContext const& ctx, Json const& in, Validator& v,
                 std::vector<Staged>& staged);

/// Adds an action from the system (acknowledgements, merges, approvals) to a ticket, numbered
/// like any action, with the outcome named (or none); returns the stored action.
Json& AddSystemAction(Store& store, Json const& ticket, std::string const& outcome_name,
                      std::string const& note, std::int64_t now);
/// Applies a status change to a ticket row: names, closed date, on-hold flag.
void ApplyStatus(Store const& store, Json& ticket, std::int64_t status_id, std::int64_t now);
/// An outcome by `outcome_id`, or by `outcome` matching an outcome or button name
/// (case-insensitive); nullptr when none matches.
Json const* FindOutcome(Store const& store, Json const& in);

}  // namespace halo_sim
