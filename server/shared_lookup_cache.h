#pragma once

// Lookup lists (statuses, teams, agents, ...) shared by the replicas of one tenant, so that a
// list fetched by one is served to the others from Redis until its time to live runs out. The
// values are tenant reference data, not secrets; keys carry the tenant's prefix. A store that
// cannot be reached is a miss: the resolver asks HaloPSA and caches locally as before.

#include "server/shared_state.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace mcp {

/// The seam the resolver sees (tests use a fake).
class SharedLookupCache {
 public:
  struct Hit {
    nlohmann::json records;
    std::chrono::milliseconds ttl{0};  // time left
  };
  virtual ~SharedLookupCache() = default;
  virtual std::optional<Hit> Get(std::string const& key) = 0;
  virtual void Put(std::string const& key, nlohmann::json const& records,
                   std::chrono::milliseconds ttl) = 0;
};

class SharedStateLookupCache final : public SharedLookupCache {
 public:
  /// Keys are `prefix` + ":lookup:" + a digest of the resolver's key (which may hold a searched
  /// name of any length). Lists larger than `max_bytes` once serialised stay local.
  SharedStateLookupCache(std::shared_ptr<SharedState> state, std::string prefix,
                         std::size_t max_bytes = 4 * 1024 * 1024);
  std::optional<Hit> Get(std::string const& key) override;
  void Put(std::string const& key, nlohmann::json const& records,
           std::chrono::milliseconds ttl) override;

 private:
  std::string Key(std::string const& key) const;

  std::shared_ptr<SharedState> state_;
  std::string prefix_;
  std::size_t max_bytes_;
};

}  // namespace mcp
