// Dates as technicians say them, turned into the UTC instants HaloPSA stores. "Today" is a day
// where the MSP works, so its boundaries come from the tenant's time zone, not the server's.
#pragma once

#include "halo/status.h"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace mcp {

using SysSeconds = std::chrono::sys_seconds;

/// The offset from UTC at an instant; the seam that makes day boundaries testable.
class TimeZone {
 public:
  virtual ~TimeZone() = default;
  virtual std::chrono::seconds OffsetAt(SysSeconds utc) const = 0;
  /// How results name it, e.g. "Europe/London".
  virtual std::string name() const = 0;
};

/// A fixed offset (tests, and tenants that ask for one).
std::shared_ptr<TimeZone const> FixedTimeZone(std::string name, std::chrono::seconds offset);

/// The process's time zone (TZ, else /etc/localtime), with daylight saving. Set TZ before any
/// thread starts when the tenant's zone differs from the machine's (main does, from
/// --timezone / HALOPSA_TIMEZONE).
std::shared_ptr<TimeZone const> ProcessTimeZone(std::string name);

/// A closed range of instants in UTC.
struct DateRange {
  SysSeconds start;
  SysSeconds end;
};

/**
 * Reads a date argument relative to `now` in `tz`:
 * - "YYYY-MM-DD": that whole day in the tenant's zone;
 * - "YYYY-MM-DDTHH:MM[:SS][Z|+hh:mm|-hh:mm]": that instant (without an offset, tenant time);
 * - "today", "yesterday", "tomorrow";
 * - "-7d", "+2d", "-2w": a whole day that many days or weeks away.
 * Anything else is kInvalidArgument saying which forms are accepted.
 */
halo::StatusOr<DateRange> ParseDate(std::string_view text, SysSeconds now, TimeZone const& tz);

/// An instant as HaloPSA writes dates: "2026-12-03T09:15:00" (UTC, no suffix).
std::string FormatHaloTime(SysSeconds utc);

/// The tenant's calendar date at `now`, "YYYY-MM-DD".
std::string TenantDate(SysSeconds now, TimeZone const& tz);

/// "+01:00" style offset.
std::string FormatOffset(std::chrono::seconds offset);

}  // namespace mcp
