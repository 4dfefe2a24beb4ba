#pragma once

// The HaloPSA client's seams for one serving process: counted for GET /metrics, and shared
// with the other replicas through Redis when --shared-state is given (rate budget and token).

#include "halo/halo_client.h"
#include "halo/options.h"
#include "server/metrics.h"
#include "server/shared_state.h"

#include <cstddef>
#include <memory>
#include <string>

namespace mcp {

struct FleetSettings {
  std::string shared_state;  // redis://...; empty = in-process state
  std::size_t replicas = 3;  // the degraded share is 1/replicas of the budget
};

struct ClientSeams {
  halo::ClientDependencies deps;
  /// The store shared with the other replicas (for sessions and lookup lists too); null
  /// without --shared-state.
  std::shared_ptr<SharedState> shared;
  std::string shared_prefix;  // this tenant's keys start with it
};

/// Dependencies for halo::MakeHaloClient, with the gauges they offer added to `metrics`
/// (budget in use, shared-state health). Fails only on a malformed --shared-state URL; an
/// unreachable Redis is not an error (the replica serves on its share until it answers).
halo::StatusOr<ClientSeams> BuildClientSeams(halo::HaloOptions const& options,
                                             FleetSettings const& fleet,
                                             std::shared_ptr<Metrics> const& metrics);

}  // namespace mcp
