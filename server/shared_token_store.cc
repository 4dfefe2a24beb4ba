#include "server/shared_token_store.h"

#include "halo/sleep.h"
#include "server/digest.h"

#include <spdlog/spdlog.h>

namespace mcp {

using std::chrono::milliseconds;

SharedTokenStore::SharedTokenStore(std::shared_ptr<SharedState> state, TokenSealer sealer,
                                   Options options, std::shared_ptr<halo::Clock const> clock,
                                   halo::Sleeper sleeper)
    : state_(std::move(state)),
      sealer_(std::move(sealer)),
      options_(std::move(options)),
      clock_(clock),
      sleeper_(std::move(sleeper)),
      owner_(RandomHex(8)),
      local_(std::move(clock), options_.refresh_margin) {}

halo::StatusOr<std::string> SharedTokenStore::Get(halo::CallContext const& ctx,
                                                  Fetch const& fetch) {
  return local_.Get(ctx,
                    [this, &fetch](halo::CallContext const& c) { return FleetToken(c, fetch); });
}

halo::StatusOr<halo::AccessToken> SharedTokenStore::FleetToken(halo::CallContext const& ctx,
                                                               Fetch const& fetch) {
  std::string const lock_key = options_.key + ":lock";
  auto const give_up = clock_->Now() + options_.lock_ttl + options_.lock_ttl;
  for (;;) {
    if (ctx.cancelled())
      return halo::CancelledError("the call was cancelled while waiting for a token");
    auto held = state_->Get(options_.key);
    if (!held.ok()) return fetch(ctx);  // no store: this replica fetches for itself
    if (*held && (*held)->ttl > options_.refresh_margin) {
      if (auto plain = sealer_.Open((*held)->data)) {
        return halo::AccessToken{*plain,
                                 std::chrono::duration_cast<std::chrono::seconds>((*held)->ttl)};
      }
      // Sealed under another key (another secret): not ours to use; replace it below.
    }
    auto locked = state_->SetIfAbsent(lock_key, owner_, options_.lock_ttl);
    if (!locked.ok()) return fetch(ctx);
    if (*locked) {
      auto token = fetch(ctx);
      if (token.ok()) {
        auto stored = state_->Set(options_.key, sealer_.Seal(token->value),
                                  std::chrono::duration_cast<milliseconds>(token->expires_in));
        if (!stored.ok()) spdlog::debug("shared state: the new token was not shared");
      }
      (void)state_->DeleteIfEquals(lock_key, owner_);
      return token;
    }
    // Another replica is fetching: wait for its token, but not forever (it may have died
    // holding the lock, which then expires, or it may keep failing).
    if (clock_->Now() > give_up) return fetch(ctx);
    auto s = halo::CancellableSleep(sleeper_, options_.poll, ctx, options_.poll);
    if (!s.ok()) return s;
  }
}

void SharedTokenStore::Invalidate(std::string const& stale) {
  local_.Invalidate(stale);
  auto held = state_->Get(options_.key);
  if (!held.ok() || !*held) return;
  if (sealer_.Open((*held)->data) == stale) {
    (void)state_->DeleteIfEquals(options_.key, (*held)->data);
  }
}

}  // namespace mcp
