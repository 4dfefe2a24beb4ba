#pragma once

#include "halo/clock.h"
#include "halo/halo_client.h"
#include "halo/status.h"
#include "server/shared_lookup_cache.h"

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
 * Context: a kind may be searched within another ("within": {"client": "client_id"}): when the
 * same call named a client, a site or user is looked for at that client only, so namesakes at
 * other clients neither match nor make the name ambiguous.
 *
 * Flags: a kind may mark some records ("flag": {"field": "isdisabled", "label": "disabled"}):
 * departed agents are listed (they still own tickets) and labelled, and Flag() tells a write
 * that would act on one.
 *
 * Cache: one entry per whole list (bounded by the kinds in the lookups file) plus at most
 * max_search_entries searched names, the least recently used evicted first. Misses are
 * single-flight: concurrent callers wanting the same entry share one HaloPSA request, waiting
 * for it cancellably; if the caller that made it was cancelled, the next one asks again.
 * With a shared cache (replicas of one tenant), a miss asks it before HaloPSA, and what HaloPSA
 * answers is put there with the same time to live.
 */
class LookupResolver {
 public:
  LookupResolver(std::shared_ptr<halo::HaloClient> client, nlohmann::json lookups,
                 std::shared_ptr<halo::Clock const> clock,
                 std::chrono::seconds ttl = std::chrono::seconds(300),
                 std::size_t max_search_entries = 256,
                 std::shared_ptr<SharedLookupCache> shared = nullptr);

  /// When the value was a partial name, `matched` (if given) receives what it matched, e.g.
  /// `client "acme" matched Acme Ltd (12)`, so the caller can tell the model.
  /// `context` holds ids this call already resolved, by kind ({"client": 12}).
  using Context = std::map<std::string, nlohmann::json>;
  halo::StatusOr<nlohmann::json> Resolve(std::string const& kind, nlohmann::json const& value,
                                         halo::CallContext const& ctx,
                                         std::string* matched = nullptr,
                                         Context const& context = {});
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
  nlohmann::json const& lookups() const { return lookups_; }
  /// Whether some kind is searched within `kind` (its id should be resolved first).
  bool IsContext(std::string const& kind) const;
  /// The flag label of a record of a small (cached) kind, e.g. "disabled"; "" when none.
  std::string Flag(std::string const& kind, nlohmann::json const& id, halo::CallContext const& ctx);
  /// One record by id (GET <path>/<id>), uncached: for values implied by it, such as a user's
  /// default site.
  halo::StatusOr<nlohmann::json> Record(std::string const& kind, nlohmann::json const& id,
                                        halo::CallContext const& ctx);

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
  using Query = std::vector<std::pair<std::string, std::string>>;
  halo::StatusOr<Entry> Fetch(std::string const& kind, std::string const& search,
                              Query const& scope, halo::CallContext const& ctx);
  /// From the shared cache, else from HaloPSA (then shared).
  halo::StatusOr<Entry> Obtain(std::string const& key, std::string const& kind,
                               std::string const& search, Query const& scope,
                               halo::CallContext const& ctx);
  halo::StatusOr<Entry> Load(std::string const& kind, std::string const& search, Query const& scope,
                             halo::CallContext const& ctx);
  /// An entry for records fetched at `fetched`: the names indexed by id.
  Entry Index(std::string const& kind, nlohmann::json records,
              halo::Clock::time_point fetched) const;
  void StoreLocked(std::string const& key, bool searched, Entry const& entry);
  halo::StatusOr<std::shared_ptr<nlohmann::json const>> Records(std::string const& kind,
                                                                std::string const& search,
                                                                Query const& scope,
                                                                halo::CallContext const& ctx);

  std::shared_ptr<halo::HaloClient> client_;
  nlohmann::json lookups_;
  std::shared_ptr<halo::Clock const> clock_;
  std::chrono::seconds ttl_;
  std::size_t max_search_entries_;
  std::shared_ptr<SharedLookupCache> shared_;
  mutable std::mutex mu_;
  std::condition_variable cv_;                              // a flight finished
  std::map<std::string, Cached> cache_;                     // "kind" or "kind?search"
  std::list<std::string> lru_;                              // searched keys, most recent first
  std::map<std::string, std::shared_ptr<Flight>> flights_;  // guarded by mu_
};

}  // namespace mcp
