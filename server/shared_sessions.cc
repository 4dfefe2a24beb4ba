#include "server/shared_sessions.h"

#include "server/json_rpc.h"

namespace mcp {

using nlohmann::json;

namespace {

constexpr char kEnded[] = R"({"ended":true})";

}  // namespace

std::optional<SessionFacts> SessionFacts::Of(Session& session) {
  std::lock_guard lock(session.mu);
  if (!session.initialized) return std::nullopt;
  SessionFacts f;
  f.owner = session.owner;
  f.protocol_version = session.protocol_version;
  f.client_capabilities = session.client_capabilities;
  f.client_info = session.client_info;
  f.log_rank = session.log_rank;
  f.ready = session.ready;
  return f;
}

void SessionFacts::ApplyTo(Session& session) const {
  std::lock_guard lock(session.mu);
  session.initialized = true;
  session.owner = owner;
  session.protocol_version = protocol_version;
  session.client_capabilities = client_capabilities;
  session.client_info = client_info;
  session.log_rank = log_rank;
  session.ready = ready;
}

std::string SessionFacts::Serialize() const {
  return mcp::Serialize(json{{"owner", owner},
                             {"protocol", protocol_version},
                             {"capabilities", client_capabilities},
                             {"client", client_info},
                             {"log", log_rank},
                             {"ready", ready}});
}

SharedSessions::SharedSessions(std::shared_ptr<SharedState> state, std::string prefix,
                               std::chrono::milliseconds ttl)
    : state_(std::move(state)), prefix_(std::move(prefix)), ttl_(ttl) {}

halo::StatusOr<SharedSessions::Found> SharedSessions::Find(std::string const& id) {
  auto value = state_->Get(Key(id));
  if (!value.ok()) return value.status();
  Found found;
  if (!*value) return found;
  json const j = json::parse((*value)->data, nullptr, false);
  if (!j.is_object()) return found;  // unreadable: as good as absent
  if (j.value("ended", false)) {
    found.kind = Found::Kind::kEnded;
    return found;
  }
  auto text = [&j](char const* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto object = [&j](char const* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_object() ? *it : json::object();
  };
  found.kind = Found::Kind::kLive;
  found.facts.owner = text("owner");
  found.facts.protocol_version = text("protocol");
  found.facts.client_capabilities = object("capabilities");
  found.facts.client_info = object("client");
  if (auto l = j.find("log"); l != j.end() && l->is_number_integer()) {
    found.facts.log_rank = l->get<int>();
  }
  if (auto r = j.find("ready"); r != j.end() && r->is_boolean()) found.facts.ready = r->get<bool>();
  found.record = (*value)->data;
  // Refreshing on every request would double the round trips; a tenth of the time to live
  // keeps the record within 10% of the idle timeout.
  found.stale = (*value)->ttl < ttl_ - ttl_ / 10;
  return found;
}

halo::StatusOr<bool> SharedSessions::Save(std::string const& id, std::string const& record) {
  return state_->SetUnlessEquals(Key(id), record, ttl_, kEnded);
}

halo::Status SharedSessions::End(std::string const& id) {
  return state_->Set(Key(id), kEnded, ttl_);
}

}  // namespace mcp
