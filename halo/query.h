#pragma once

#include "halo/status.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace halo {

/// Ordered query parameters; the same type as HaloClient's Query (declared here so that this
/// header stands alone).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

/// RFC 3986 percent-encoding: everything except unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string PercentEncode(std::string_view value);

/// Renders "a=1&b=x%20y" (names and values percent-encoded), without a leading '?'.
std::string EncodeQueryString(QueryParams const& query);

/// The values HaloPSA expects on the query string. Halo parses booleans as "true"/"false", id
/// lists as comma-joined integers and dates as ISO-8601 (halo-api.md §13, §16).
std::string EncodeBool(bool value);
std::string EncodeInt(std::int64_t value);
std::string EncodeIdList(std::vector<std::int64_t> const& ids);

/// "2026-09-01T08:00:00" in UTC. Halo reads offset-less dates as UTC; pass `utc_suffix` to get
/// "2026-09-01T08:00:00Z" instead.
std::string EncodeDateTime(std::chrono::system_clock::time_point t, bool utc_suffix = false);

/**
 * Validates and normalises a date or date-time typed by a person or a model:
 * "2026-09-01", "2026-09-01T08:00", "2026-09-01 08:00:00", "2026-09-01T08:00:00Z",
 * "2026-09-01T08:00:00+02:00" (converted to UTC), fractional seconds dropped.
 * Dates stay dates ("2026-09-01"); date-times become "YYYY-MM-DDTHH:MM:SS" (UTC).
 * Returns kInvalidArgument naming `param` for anything else.
 */
StatusOr<std::string> NormaliseIsoDate(std::string_view value, std::string_view param = "date");

/**
 * Renders one JSON argument value as a HaloPSA query value: booleans as true/false, integers
 * as decimals, arrays of integers (or of numeric strings) as a comma-joined id list, strings
 * unchanged. Objects, nulls and non-integral numbers other than whole doubles are rejected.
 */
StatusOr<std::string> EncodeQueryValue(nlohmann::json const& value, std::string_view param);

/**
 * Builds a query in order, keeping HaloPSA's parameter names exactly as given (`pageinate`,
 * `requesttype_id`, `open_only`, ...). Setting a name twice replaces the earlier value.
 *
 * @code
 * auto q = QueryBuilder().Int("client_id", 12).Bool("open_only", true).Build();
 * @endcode
 */
class QueryBuilder {
 public:
  QueryBuilder& String(std::string name, std::string value);
  QueryBuilder& Bool(std::string name, bool value);
  QueryBuilder& Int(std::string name, std::int64_t value);
  QueryBuilder& Ids(std::string name, std::vector<std::int64_t> const& ids);
  QueryBuilder& DateTime(std::string name, std::chrono::system_clock::time_point t);
  QueryParams Build() const { return query_; }

 private:
  QueryBuilder& Set(std::string name, std::string value);
  QueryParams query_;
};

/**
 * Expands a path template such as "/Tickets/{id}" or "/Actions/{id}" with percent-encoded
 * values, so that "a/b" cannot escape its segment. Every placeholder must have a value and
 * every value must be non-empty; otherwise kInvalidArgument naming the placeholder.
 */
StatusOr<std::string> ExpandPath(std::string_view path_template,
                                 std::map<std::string, std::string> const& values);

}  // namespace halo
