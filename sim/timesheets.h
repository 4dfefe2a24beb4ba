#pragma once

#include "sim/api_util.h"

#include <cstdint>
#include <vector>

namespace halo_sim {

/// The TimesheetEvent HaloPSA records for time logged on a ticket action.
Json ActionTimeEvent(std::int64_t id, Json const& ticket, Json const& action, std::int64_t agent_id,
                     std::int64_t start, double hours);

/// An agent's target for the day that starts at `day` (midnight UTC): workhour_end minus
/// workhour_start minus lunchbreak on weekdays, 0 at weekends.
double TargetHours(Json const& agent, std::int64_t day);

/// A Timesheet (one agent, one day), computed from the TimesheetEvent table so that time just
/// logged shows at once: actual, chargeable and unlogged hours against the target.
Json TimesheetDay(Store const& store, Json const& agent, std::int64_t day, bool with_events);

/// GET /Timesheet: one row per agent and day. `agents` (comma list; default every enabled
/// agent), `start_date` / `end_date` (default today; at most 62 days).
std::vector<Json> TimesheetRows(Store const& store, Params const& p, std::int64_t now);

/// GET /Timesheet/{id}[?agent_id=&date=] and /Timesheet/mine. A row's id encodes its agent and
/// day; `agent_id` and `date` override it; id 0 without them is the API agent today.
ApiResponse GetTimesheet(Store const& store, ApiRequest const& req, Params const& p,
                         std::int64_t now);

/// POST /TimesheetEvent: time not on a ticket (admin, meetings), or against one.
void StageTimesheetEvent(WriteContext const& ctx, Json const& in, Validator& v,
                         std::vector<Staged>& staged);

}  // namespace halo_sim
