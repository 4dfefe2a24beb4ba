#pragma once

#include "halo/bounded_json.h"
#include "halo/halo_client.h"
#include "halo/status.h"

#include <cstdint>
#include <functional>
#include <string>

namespace halo::internal {

struct PagerConfig {
  int page_size = 100;  ///< asked per page; HaloPSA caps at 100
  int max_concurrent_requests = 4;
  std::int64_t max_list_records = 10'000;
  JsonLimits json_limits;
};

/// One GET of `path` with `query`, retried as a read, returning the raw body. The pager parses
/// it itself, after giving the request slot back, so that parsing never holds up the fan-out.
using RawGet = std::function<StatusOr<std::string>(std::string const& path, Query const& query,
                                                   CallContext const& ctx)>;

/// HaloClient::List over `get` (see halo_client.h for the contract). Fetching threads are
/// started here; nothing they throw escapes.
StatusOr<ListResult> ListPages(ListRequest const& request, CallContext const& ctx,
                               PagerConfig const& config, RawGet const& get);

}  // namespace halo::internal
