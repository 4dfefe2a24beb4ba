#include "halo/response_body.h"

#include <cctype>
#include <string>

namespace halo {

StatusOr<nlohmann::json> ParseResponseBody(std::string_view body, JsonLimits const& limits,
                                           std::string_view what, bool write_applied,
                                           std::span<std::string const> record_keys) {
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.front()))) {
    body.remove_prefix(1);
  }
  if (body.empty()) return nlohmann::json(nullptr);
  auto parsed = ParseBoundedJson(body, limits, record_keys);
  if (parsed.ok()) return std::move(parsed.value);
  // The request succeeded; only the answer is unusable. For a write that still means it was
  // applied, so say so.
  return InternalError("HaloPSA answered " + std::string(what) +
                       " successfully, but its answer is not usable JSON (" + parsed.message + ")" +
                       (write_applied ? "; the write was applied" : ""));
}

}  // namespace halo
