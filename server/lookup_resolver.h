#pragma once

#include "halo/clock.h"
#include "halo/halo_client.h"
#include "halo/status.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mcp {

/**
 * Turns the names assistants know into the ids HaloPSA wants, and ids back into names for
 * output. Lookup lists are described in schemas/lookups.json (path, list key, id and name
 * fields; large lists are searched server-side instead of loaded whole). Small lists are cached
 * for ttl; ids are never hard-coded, because they differ per tenant. Thread-safe.
 *
 * Matching: an integer (or all-digit string) is taken as an id; otherwise an exact
 * case-insensitive match on any name field, then a unique partial match. Anything else is an
 * InvalidArgument status listing the closest candidates with their ids.
 */
class LookupResolver {
 public:
  LookupResolver(std::shared_ptr<halo::HaloClient> client, nlohmann::json lookups,
                 std::shared_ptr<halo::Clock const> clock,
                 std::chrono::seconds ttl = std::chrono::seconds(300));

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
  bool Knows(std::string const& kind) const { return lookups_.contains(kind); }

 private:
  using Names = std::map<std::string, std::string>;  // serialised id -> display name
  struct Entry {
    halo::Clock::time_point fetched;
    std::shared_ptr<nlohmann::json const> records;
    std::shared_ptr<Names const> names;
  };
  /// Cached records, shared rather than copied: a 50-row list asks for names 200 times.
  halo::StatusOr<Entry> Fetch(std::string const& kind, std::string const& search,
                              halo::CallContext const& ctx);
  halo::StatusOr<std::shared_ptr<nlohmann::json const>> Records(std::string const& kind,
                                                                std::string const& search,
                                                                halo::CallContext const& ctx);

  std::shared_ptr<halo::HaloClient> client_;
  nlohmann::json lookups_;
  std::shared_ptr<halo::Clock const> clock_;
  std::chrono::seconds ttl_;
  std::mutex mu_;
  std::map<std::string, Entry> cache_;  // "kind" or "kind?search"
};

}  // namespace mcp
