#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace halo_sim {

using Json = nlohmann::json;

/// How a resource answers its list call, and which OAuth scope area guards it.
struct EntityInfo {
  std::string_view name;      ///< canonical resource name as in the path: "Tickets", "Client", ...
  std::string_view list_key;  ///< key of the wrapped list ("tickets"); empty = bare JSON array
  std::string_view area;      ///< scope area ("tickets" -> read:tickets / edit:tickets); empty =
                              ///< readable with any token, writable with "all" or "admin"
  int max_page_size;          ///< rows per page when paginating (100; 50 for Asset)
  bool default_limit;         ///< without paging, at most 50 (or `count`) rows come back
  bool pageable;              ///< the document lists pageinate/page_no for its GET list
};

/// The resources the simulator serves. Actions are listed but live in Store::actions.
std::vector<EntityInfo> const& Entities();
/// Case-insensitive look-up by resource name; nullptr when unknown.
EntityInfo const* FindEntity(std::string_view name);

/// One resource's rows, keyed by integer id (Priority: by `priorityid`, its `id` is a GUID string).
struct Table {
  std::map<std::int64_t, Json> rows;
  std::int64_t next_id = 1;
};

/**
 * The in-memory tenant. Plain data, not thread-safe: the Simulator guards it with one mutex.
 * Actions are keyed by (ticket_id, action id) because HaloPSA numbers actions per ticket.
 */
class Store {
 public:
  Table& table(std::string_view entity);
  /// An entity's table, or an empty one when it has no rows yet.
  Table const& table(std::string_view entity) const;
  Table const* find_table(std::string_view entity) const;

  Json* Find(std::string_view entity, std::int64_t id);
  Json const* Find(std::string_view entity, std::int64_t id) const;
  /// Inserts (or replaces) a row and keeps next_id past it.
  void Put(std::string_view entity, std::int64_t id, Json row);
  std::int64_t AllocateId(std::string_view entity);

  std::map<std::pair<std::int64_t, std::int64_t>, Json>& actions() { return actions_; }
  std::map<std::pair<std::int64_t, std::int64_t>, Json> const& actions() const { return actions_; }
  /// The next action number for a ticket (1, 2, ...). Never reuses a deleted number.
  std::int64_t AllocateActionId(std::int64_t ticket_id);
  void PutAction(std::int64_t ticket_id, std::int64_t action_id, Json row);
  /// Removes a ticket's actions (when the ticket is deleted).
  void EraseActions(std::int64_t ticket_id);

  /// Free-form tenant settings (credentials, API agent id, ...), persisted with the data.
  Json& meta() { return meta_; }
  Json const& meta() const { return meta_; }

  Json ToJson() const;
  /// Replaces the content from ToJson() output. On failure returns a message and leaves the
  /// store empty.
  std::optional<std::string> FromJson(Json const& data);

  /// Atomic save: writes `path`.tmp.<pid>, then renames over `path`.
  std::optional<std::string> SaveToFile(std::string const& path) const;
  /// Writes `content` to `path` atomically (temporary file + rename). nullopt on success.
  static std::optional<std::string> WriteFileAtomic(std::string const& path,
                                                    std::string const& content);
  std::optional<std::string> LoadFromFile(std::string const& path);

 private:
  std::map<std::string, Table, std::less<>> tables_;
  std::map<std::pair<std::int64_t, std::int64_t>, Json> actions_;
  std::map<std::int64_t, std::int64_t> next_action_id_;
  Json meta_ = Json::object();
};

/// "2025-03-04T09:15:00" (UTC, no suffix, as HaloPSA formats dates).
std::string FormatTime(std::int64_t epoch_seconds);
/// Parses "YYYY-MM-DD[THH:MM[:SS[.fff]]][Z]"; nullopt when malformed.
std::optional<std::int64_t> ParseTime(std::string_view text);
/// Current wall-clock time in epoch seconds.
std::int64_t NowSeconds();

}  // namespace halo_sim
