#pragma once

#include "sim/api_util.h"

#include <cstdint>

namespace halo_sim {

/// Saved reports the simulator can run, by AnalyzerProfile.systemreportid.
enum class SimReport : int {
  kOpenTicketsByClient = 1,
  kTimeByAgent = 2,
  kTicketsPerDay = 3,
  kSlaBreachesByClient = 4,
  kPrepayBalances = 5,
  kTicketsByStatus = 6,
};

/// GET /Report/{id}: the saved report; `loadreport=true` runs it and adds
/// `report: {loaded, rows, ...}` (reportingperiodstartdate / reportingperiodenddate narrow the
/// time-based ones).
ApiResponse GetReport(Store const& store, ApiRequest const& req, Params const& p, std::int64_t now);

/// POST /Report with `_loadreportonly: true`: runs the saved report `id` without saving anything.
/// Ad-hoc `sql` is refused with a clear message (the simulator has no SQL engine).
ApiResponse LoadReportOnly(Store const& store, Json const& element, std::int64_t now);

/// GET /Search?search=&count_per_entity=: tickets, clients, users, assets and KB articles that
/// match, each kind only when the token may read it.
ApiResponse GlobalSearch(Store const& store, ApiRequest const& req, Params const& p);

}  // namespace halo_sim
