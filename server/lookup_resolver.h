#pragma once

#include "halo/clock.h"
#include "halo/halo_client.h"
#include "halo/status.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mcp {

/**
 * Turns the names assistants know into the ids HaloPSA wants, and ids back into names for
 * output. Lookup lists are described in schemas/lookups.json (path, list key, id and name
 * fields; large lists are searched server-side instead of loaded whole). Results are cached for
 * ttl; ids are never hard-coded, because they differ per tenant. Thread-safe.
 *
 * Matching: an integer (or all-digit string) is taken as an id; otherwise an exact
 * case-insensitive match on any name field, then a unique partial match. Anything else is an
 * InvalidArgument status listing the closest candidates with their ids.
 *
 * Cache: one entry per whole list (bounded by the kinds in the lookups file) plus at most
 * max_search_entries searched names, the least recently used evicted first. Misses are
 * single-flight: concurrent callers wanting the same entry share one HaloPSA request, waiting
 * for it cancellably; if the caller that made it was cancelled, the next one asks again.
 */
class LookupResolver {
 public:
  LookupResolver(std::shared_ptr<halo::HaloClient> client, nlohmann::json lookups,
                 std::shared_ptr<halo::Clock const> clock,
                 std::chrono::seconds ttl = std::chrono::seconds(300),
                 std::size_t max_search_entries = 256);

  /// When the value was a partial name, `matched` (if given) receives what it matched, e.g.
  /// `client "acme" matched Acme Ltd (12)`, so the caller can tell the model.
  halo::StatusOr<nlohmann::json> Resolve(std::string const& kind, nlohmann::json const& value,
                                         halo::CallContext const& ctx,
                                         std::string* matched = nullptr);
  /// Resolves the first of several candidate names that exists (for defaults such as the
  /// tenant's private-note outcome).
  halo::StatusOr<nlohmann::json> ResolveFirst(std::string const& kind,
                                              std::vector<std::string> const& names,
                                              halo::CallContext const& ctx);
  /// The display name for an id, from a cached (small) lookup; "" when unknown or not cached.
  std::string NameOf(std::string const& kind, nlohmann::json const& id,
                     halo::CallContext const& ctx);
  /// Names of `kind` starting with `prefix` (case-insensitive), sorted, without duplicates, at
  /// most `max`; `more` (if given) says whether there were others. Small lists come from the
  /// cached whole list; large ones from a cached server-side search for the prefix.
  halo::StatusOr<std::vector<std::string>> NamesStartingWith(std::string const& kind,
                                                             std::string const& prefix,
                                                             halo::CallContext const& ctx,
                                                             std::size_t max, bool* more = nullptr);
  bool Knows(std::string const& kind) const { return lookups_.contains(kind); }

  /// Entries held now (whole lists and searched names). For tests.
  std::size_t cached_entries() const;

 private:
  using Names = std::map<std::string, std::string>;  // serialised id -> display name
  struct Entry {
    halo::Clock::time_point fetched;
    std::shared_ptr<nlohmann::json const> records;
    std::shared_ptr<Names const> names;
  };
  struct Cached {
    Entry entry;
    std::optional<std::list<std::string>::iterator> lru;  // set for searched names
  };
  /// One HaloPSA request in progress, shared by every caller that wants its key.
  struct Flight {
    bool done = false;
    halo::StatusOr<Entry> result = halo::InternalError("lookup still in flight");
  };

  /// Cached records, shared rather than copied: a 50-row list asks for names 200 times.
  halo::StatusOr<Entry> Fetch(std::string const& kind, std::string const& search,
                              halo::CallContext const& ctx);
  halo::StatusOr<Entry> Load(std::string const& kind, std::string const& search,
                             halo::CallContext const& ctx);
  void StoreLocked(std::string const& key, bool searched, Entry const& entry);
  halo::StatusOr<std::shared_ptr<nlohmann::json const>> Records(std::string const& kind,
                                                                std::string const& search,
                                                                halo::CallContext const& ctx);

  std::shared_ptr<halo::HaloClient> client_;
  nlohmann::json lookups_;
  std::shared_ptr<halo::Clock const> clock_;
  std::chrono::seconds ttl_;
  std::size_t max_search_entries_;
  mutable std::mutex mu_;
  std::condition_variable cv_;                              // a flight finished
  std::map<std::string, Cached> cache_;                     // "kind" or "kind?search"
  std::list<std::string> lru_;                              // searched keys, most recent first
  std::map<std::string, std::shared_ptr<Flight>> flights_;  // guarded by mu_
};

}  // namespace mcp
