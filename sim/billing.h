#pragma once

#include "sim/api_util.h"

#include <cstdint>

namespace halo_sim {

/// A client's prepaid hours: top-ups from ClientPrepay (PrepayHistory), used = billable time
/// logged on the client's tickets since the first top-up, balance = total - used.
struct Prepay {
  double total = 0;
  double used = 0;
  double balance = 0;
  Json history = Json::array();
};
Prepay PrepayFor(Store const& store, std::int64_t client_id);

/// GET /Client/{id}?includeprepay=true adds the Area schema's prepay fields to the client.
void AddPrepayFields(Store const& store, Json& client);

}  // namespace halo_sim
