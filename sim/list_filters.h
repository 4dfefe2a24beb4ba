#pragma once

#include "sim/api_util.h"

#include <cstdint>
#include <string>
#include <vector>

namespace halo_sim {

/// The predicates of a resource's list filters, under the names Halo's OpenAPI document gives
/// them (a misnamed filter is ignored, as HaloPSA ignores it). `now` decides SLA breaches.
std::vector<Predicate> FiltersFor(Store const& store, std::string const& resource, Params const& p,
                                  std::int64_t now);

/// Whether a ticket's fix-by time has passed unmet: closed late (slastate "O") or still open
/// past its fixbydate while not on hold.
bool SlaBreached(Store const& store, Json const& ticket, std::int64_t now);

/// Whether a ticket's type is a project type (TicketType `use` "project").
bool IsProject(Store const& store, Json const& ticket);

}  // namespace halo_sim
