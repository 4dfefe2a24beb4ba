#include "server/batch.h"

namespace mcp {

using nlohmann::json;

std::size_t HandleBatch(McpServer& server, Session& session, json const& batch,
                        CallScope::Sender const& send,
                        std::function<void(json const&)> const& respond,
                        std::shared_ptr<Principal const> const& principal) {
  std::size_t made = 0;
  for (auto const& item : batch) {
    Decoded d = DecodeMessage(item);
    json r = d.error ? MakeError(d.error_id, *d.error)
                     : server.Handle(session, *d.message, send, principal);
    if (r.is_null()) continue;
    respond(r);
    ++made;
  }
  return made;
}

}  // namespace mcp
