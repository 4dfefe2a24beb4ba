#pragma once

#include "sim/store.h"

#include <string_view>

namespace halo_sim {

/// A new record for `entity` with every field at its default, as the API creates it. Field names
/// are those of the entity's schema in Halo's OpenAPI document; a POST merges only these fields
/// (HaloPSA ignores unknown properties). Resources without a template keep every field sent.
Json NewRecord(std::string_view entity);

}  // namespace halo_sim
