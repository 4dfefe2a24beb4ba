#pragma once

#include "halo/bounded_json.h"
#include "halo/status.h"

#include <nlohmann/json.hpp>

#include <span>
#include <string>
#include <string_view>

namespace halo {

/**
 * Parses the body of a successful HaloPSA answer under `limits`. An empty (or all-whitespace)
 * body is null. A body that is not JSON, or breaks the limits, is kInternal naming `what`
 * ("GET /api/Tickets") and the reason; with `write_applied` the message says that the write
 * itself went through, so that nobody repeats it. `record_keys`: see ParseBoundedJson.
 */
StatusOr<nlohmann::json> ParseResponseBody(std::string_view body, JsonLimits const& limits,
                                           std::string_view what, bool write_applied,
                                           std::span<std::string const> record_keys = {});

}  // namespace halo
