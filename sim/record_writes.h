#pragma once

#include "sim/api_util.h"

#include <vector>

namespace halo_sim {

/// POST for everything that is not a ticket, action, approval, attachment or time entry:
/// known fields are merged (unknown ones ignored), references are checked and their display
/// names filled in (client_name, site_name, agent_name, supplier_name, ...).
void StageRecord(WriteContext const& ctx, Json const& in, Validator& v,
                 std::vector<Staged>& staged);

}  // namespace halo_sim
