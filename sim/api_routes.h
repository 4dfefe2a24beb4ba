#pragma once

#include "sim/store.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace halo_sim {

/// Switches for HaloPSA behaviour the public sources leave open (halo-api.md tags [G]/[X]).
struct ApiOptions {
  /// Accept `POST /api/X` with a bare JSON object instead of an array (Halo's binder rejects it).
  bool accept_bare_object = false;
  /// Echo `page_no` and `page_size` in paginated wrapped lists.
  bool echo_paging = false;
  /// Rows returned without full pagination (the API agent's default page size).
  int default_page_size = 50;
  /// Reject a ticket that names a user but no site ("Halo requires a site_id whenever a specific
  /// user is set").
  bool require_site_for_user = true;
  /// Credit an action to the agent named by `actionby_agent_id` when a Services application
  /// posts it (else every API action is the API agent's). See README "Who did an action".
  bool honour_actionby_agent = true;
};

/// One /api call after routing: resource already resolved, parameter names lower-cased.
struct ApiRequest {
  std::string method;    ///< "GET", "POST" or "DELETE"
  std::string resource;  ///< canonical resource name ("Tickets"); see Entities()
  std::string sub;       ///< a sub-resource between the two: "document" in /Attachment/document/5
  std::string id;        ///< last path segment ("" for the list, "me", "mine", "123", "1001&2")
  std::multimap<std::string, std::string> params;
  std::string body;
  std::set<std::string> scopes = {"all"};  ///< the token's scopes (global search honours them)
};

struct ApiResponse {
  ApiResponse() = default;
  ApiResponse(int status_code, Json json, bool changed = false)
      : status(status_code), body(std::move(json)), wrote(changed) {}

  int status = 200;
  Json body;
  /// When set, the JSON answer already serialized, sent instead of `body`: lists write their
  /// rows straight from the store rather than copying them into `body` under the store's lock.
  std::string json_text;
  bool wrote = false;        ///< the store changed
  std::string content_type;  ///< set for a file download: `raw` is sent instead of `body`
  std::string raw;
  std::string filename;  ///< Content-Disposition of a download
};

/**
 * HaloPSA's REST semantics over a Store: lists (filters, paging, wrapped or bare shapes), single
 * records, POST upserts with validation, DELETE. Scopes and tokens are checked by the caller.
 * Not thread-safe; the caller holds the store's lock. `now` is the wall clock in epoch seconds.
 */
ApiResponse HandleApi(Store& store, ApiOptions const& options, ApiRequest const& request,
                      std::int64_t now);

/// Whether `request` only reads the store (a list), so that the caller may answer it with
/// HandleRead under a shared lock, concurrently with other reads.
bool ReadsOnly(ApiRequest const& request);

/// HandleApi for a request ReadsOnly accepts.
ApiResponse HandleRead(Store const& store, ApiOptions const& options, ApiRequest const& request,
                       std::int64_t now);

}  // namespace halo_sim
