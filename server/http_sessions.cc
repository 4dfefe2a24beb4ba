#include "server/http_sessions.h"

#include "server/digest.h"
#include "server/http_exchange.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace mcp {
SessionStore::Lease::Lease(SessionStore* store, std::shared_ptr<HttpSession> session)
    : store_(store), session_(std::move(session)) {}

SessionStore::Lease::Lease(Lease&& other) noexcept
    : store_(other.store_), session_(std::move(other.session_)) {}

SessionStore::Lease& SessionStore::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (session_) store_->Release(*session_);
    store_ = other.store_;
    session_ = std::move(other.session_);
  }
  return *this;
}

SessionStore::Lease::~Lease() {
  if (session_) store_->Release(*session_);
}

SessionStore::SessionStore(std::shared_ptr<halo::Clock const> clock,
                           std::chrono::milliseconds idle_timeout, std::size_t max_sessions,
                           std::shared_ptr<SharedSessions> shared)
    : clock_(std::move(clock)),
      idle_timeout_(idle_timeout),
      max_sessions_(std::max<std::size_t>(1, max_sessions)),
      shared_(std::move(shared)) {}

SessionStore::~SessionStore() = default;

void SessionStore::EndSessions(Ended& ended) {
  for (auto& [session, stream] : ended) {
    {
      std::lock_guard lock(session->state.mu);
      for (auto& [id, token] : session->state.in_flight) token->Cancel();
    }
    if (stream) stream->Finish();
  }
}

void SessionStore::TakeOut(Map::iterator it, Ended& ended) {
  it->second->removed = true;
  ended.emplace_back(it->second, std::exchange(it->second->stream, nullptr));
  sessions_.erase(it);
}

void SessionStore::CollectExpired(Ended& ended) {
  auto const now = clock_->Now();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    auto next = std::next(it);
    if (it->second->users == 0 && now - it->second->last_used > idle_timeout_) {
      spdlog::debug("http: session expired after {} ms idle", idle_timeout_.count());
      TakeOut(it, ended);
    }
    it = next;
  }
}

bool SessionStore::MakeRoomLocked(Ended& ended) {
  while (sessions_.size() >= max_sessions_) {
    auto victim = sessions_.end();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second->users > 0) continue;
      if (victim == sessions_.end() || it->second->last_used < victim->second->last_used) {
        victim = it;
      }
    }
    if (victim == sessions_.end()) return false;  // every session is busy
    spdlog::info("http: session cap {} reached, evicting the least recently used one",
                 max_sessions_);
    TakeOut(victim, ended);
  }
  return true;
}

SessionStore::Lease SessionStore::Create() {
  auto session = std::make_shared<HttpSession>(RandomHex(16));
  Ended ended;
  {
    std::lock_guard lock(mu_);
    CollectExpired(ended);
    if (MakeRoomLocked(ended)) {
      session->last_used = clock_->Now();
      session->users = 1;
      sessions_[session->id] = session;
    } else {
      session.reset();
    }
  }
  EndSessions(ended);
  if (!session) return Lease();
  return Lease(this, std::move(session));
}

SessionStore::Lease SessionStore::Acquire(std::string const& id) {
  // Asked before the lock: a round trip to the store must not hold up other sessions.
  std::optional<SharedSessions::Found> remote;
  if (shared_) {
    if (auto found = shared_->Find(id); found.ok()) remote = *std::move(found);
  }
  using Kind = SharedSessions::Found::Kind;
  std::shared_ptr<HttpSession> adopted;  // continued from another replica
  if (remote && remote->kind == Kind::kLive) {
    adopted = std::make_shared<HttpSession>(id);
    remote->facts.ApplyTo(adopted->state);
    adopted->published = remote->stale ? "" : remote->record;
  }
  std::shared_ptr<HttpSession> found;
  bool refresh_facts = false;
  Ended ended;
  {
    std::lock_guard lock(mu_);
    CollectExpired(ended);
    auto it = sessions_.find(id);
    if (remote && remote->kind == Kind::kEnded) {
      if (it != sessions_.end()) {  // ended on another replica
        it->second->ended = true;
        TakeOut(it, ended);
      }
    } else if (it != sessions_.end()) {
      found = it->second;
      if (remote && remote->kind == Kind::kAbsent) {
        found->published.clear();  // alive here, lost there (expired or a store restart)
      } else if (remote && remote->record != found->published) {
        refresh_facts = true;  // changed on another replica (e.g. its log level)
        found->published = remote->stale ? "" : remote->record;
      } else if (remote && remote->stale) {
        found->published.clear();
      }
    } else if (adopted && MakeRoomLocked(ended)) {
      found = adopted;
      sessions_[id] = found;
      spdlog::debug("http: session continued from shared state");
    }
    if (found) {
      found->users++;
      found->last_used = clock_->Now();
    }
  }
  EndSessions(ended);
  if (!found) return Lease();
  if (refresh_facts) remote->facts.ApplyTo(found->state);
  return Lease(this, std::move(found));
}

void SessionStore::Release(HttpSession& session) {
  {
    std::lock_guard lock(mu_);
    session.users--;
    session.last_used = clock_->Now();
  }
  if (shared_) Publish(session);
}

void SessionStore::Publish(HttpSession& session) {
  auto facts = SessionFacts::Of(session.state);
  if (!facts) return;  // not initialized: nothing another replica could continue
  std::string record = facts->Serialize();
  {
    std::lock_guard lock(mu_);
    if (session.removed || session.published == record) return;
  }
  auto saved = shared_->Save(session.id, record);
  // On failure the record stays unpublished and the next request tries again.
  if (!saved.ok()) return;
  Ended ended;
  bool ended_meanwhile = false;
  {
    std::lock_guard lock(mu_);
    ended_meanwhile = session.ended;
    if (!*saved) {
      // Ended on another replica while this request ran: end this copy too.
      if (auto it = sessions_.find(session.id); it != sessions_.end() && it->second->users == 0) {
        it->second->ended = true;
        TakeOut(it, ended);
      }
    } else if (!session.removed) {
      session.published = std::move(record);
    }
  }
  EndSessions(ended);
  // Ended here while the record was on its way: the tombstone must stay the last word.
  if (*saved && ended_meanwhile) (void)shared_->End(session.id);
}

bool SessionStore::End(std::string const& id) {
  Ended ended;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return false;
    it->second->ended = true;
    TakeOut(it, ended);
  }
  EndSessions(ended);
  // A session never initialized was never published (a failed initialize leaves no tombstone
  // behind). When the store cannot be reached the session ends here only; other replicas keep
  // their copies until they expire.
  if (shared_ && SessionFacts::Of(ended.front().first->state)) (void)shared_->End(id);
  return true;
}

SessionStore::Attach SessionStore::AttachStream(HttpSession& session,
                                                std::shared_ptr<Exchange> stream) {
  std::lock_guard lock(mu_);
  if (session.stream) return Attach::kConflict;
  session.stream = std::move(stream);
  return Attach::kAttached;
}

void SessionStore::DetachStream(HttpSession& session, Exchange const* stream) {
  std::lock_guard lock(mu_);
  if (session.stream.get() == stream) session.stream.reset();
}

void SessionStore::EndStreams() {
  std::vector<std::shared_ptr<Exchange>> streams;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, s] : sessions_) {
      if (s->stream) streams.push_back(std::exchange(s->stream, nullptr));
    }
  }
  for (auto& stream : streams) stream->Finish();
}

std::size_t SessionStore::Sweep() {
  Ended ended;
  {
    std::lock_guard lock(mu_);
    CollectExpired(ended);
  }
  EndSessions(ended);
  return ended.size();
}

std::size_t SessionStore::size() {
  Sweep();
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::chrono::milliseconds SessionStore::sweep_period() const {
  return std::clamp(idle_timeout_ / 2, std::chrono::milliseconds(50),
                    std::chrono::milliseconds(30'000));
}

}  // namespace mcp
