#include "server/shared_lookup_cache.h"

#include "server/digest.h"
#include "server/json_rpc.h"

namespace mcp {

SharedStateLookupCache::SharedStateLookupCache(std::shared_ptr<SharedState> state,
                                               std::string prefix, std::size_t max_bytes)
    : state_(std::move(state)), prefix_(std::move(prefix)), max_bytes_(max_bytes) {}

std::string SharedStateLookupCache::Key(std::string const& key) const {
  return prefix_ + ":lookup:" + Hex(Sha256(key)).substr(0, 32);
}

std::optional<SharedLookupCache::Hit> SharedStateLookupCache::Get(std::string const& key) {
  auto value = state_->Get(Key(key));
  if (!value.ok() || !*value) return std::nullopt;
  auto records = nlohmann::json::parse((*value)->data, nullptr, false);
  if (!records.is_array()) return std::nullopt;  // unreadable: ask HaloPSA instead
  return Hit{std::move(records), (*value)->ttl};
}

void SharedStateLookupCache::Put(std::string const& key, nlohmann::json const& records,
                                 std::chrono::milliseconds ttl) {
  std::string text = Serialize(records);
  if (text.size() > max_bytes_) return;
  (void)state_->Set(Key(key), text, ttl);  // a lost store only costs the other replicas a fetch
}

}  // namespace mcp
