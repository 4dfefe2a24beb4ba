#pragma once

#include "sim/api_util.h"

#include <vector>

namespace halo_sim {

/// Approval results on FaultApproval.result: 0 awaiting a response, 1 approved, 2 rejected.
inline constexpr int kApprovalPending = 0;
inline constexpr int kApprovalApproved = 1;
inline constexpr int kApprovalRejected = 2;

/// POST /TicketApproval. With `ticket_id` + `seq`: a response (`result` 1 approve or 2 reject,
/// `approver_note`), which moves the ticket on once its approval step is decided (the step's
/// statusafteraccept / statusafterreject). Without `seq`: a new approval request for an agent
/// (`agent_id`) or end user (`user_id`).
void StageTicketApproval(WriteContext const& ctx, Json const& in, Validator& v,
                         std::vector<Staged>& staged);

/// DELETE /TicketApproval/{ticket_id}&{seq}.
ApiResponse DeleteTicketApproval(Store& store, ApiRequest const& req);

}  // namespace halo_sim
