#pragma once

#include "halo/halo_client.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace halo::internal {

/// HaloClient::PostBatch over `client.Post` (see halo_client.h for the contract).
std::vector<BatchItemResult> PostInChunks(HaloClient& client, std::string const& path,
                                          std::vector<nlohmann::json> const& items,
                                          std::size_t chunk_size, CallContext const& ctx,
                                          Idempotency idempotency);

}  // namespace halo::internal
