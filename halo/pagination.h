#pragma once

#include "halo/status.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace halo {

/// One list response, whatever shape HaloPSA used (halo-api.md §7).
struct ListPage {
  nlohmann::json rows = nlohmann::json::array();
  std::optional<std::int64_t> record_count;
  bool bare = false;  // the body was a bare JSON array
  /// A wrapped body with no array member at all, e.g. `{"record_count": 21}` as a live
  /// /api/Agent answered to pageinate=true. The rows have to be fetched without paging.
  bool rows_missing = false;
};

/**
 * Reads a list body: a bare array, or `{"record_count": N, "<list_key>": [...]}`. When
 * `list_key` is absent (or empty), the object's only array member is used; an object with
 * several array members and none named `list_key` is an error naming them. `record_count` may
 * be a number or a numeric string. Takes the body by value so the rows are moved, not copied.
 */
StatusOr<ListPage> ParseListPage(nlohmann::json body, std::string const& list_key);

/// Where a page walk starts for an offset/limit request (halo_client.h ListRequest):
/// page size p = min(max_page_size, limit) when limit > 0, else max_page_size; first page
/// = offset / p + 1 (1-based); skip offset % p rows of it.
struct PagePlan {
  std::int64_t page_size = 0;
  std::int64_t first_page = 1;
  std::int64_t skip = 0;
};
PagePlan PlanPages(std::int64_t offset, std::int64_t limit, int max_page_size);

}  // namespace halo
