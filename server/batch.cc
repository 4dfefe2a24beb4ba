#include "server/batch.h"

namespace mcp {

using nlohmann::json;

std::optional<ErrorObject> BatchRefusal(std::string_view protocol_version, json const& batch) {
  if (batch.empty()) return ErrorObject{kInvalidRequest, "Invalid request: empty batch", nullptr};
  if (protocol_version != kBatchVersion) {
    return ErrorObject{kInvalidRequest,
                       "Invalid request: JSON-RPC batches are only accepted under protocol "
                       "version 2025-03-26",
                       nullptr};
  }
  return std::nullopt;
}

json HandleBatch(McpServer& server, Session& session, json const& batch,
                 CallScope::Sender const& send) {
  json responses = json::array();
  HandleBatchEach(server, session, batch, send,
                  [&responses](json r) { responses.push_back(std::move(r)); });
  return responses;
}

void HandleBatchEach(McpServer& server, Session& session, json const& batch,
                     CallScope::Sender const& send, std::function<void(json)> const& respond) {
  for (auto const& item : batch) {
    Decoded d = DecodeMessage(item);
    if (d.error) {
      respond(MakeError(d.error_id, *d.error));
      continue;
    }
    json r = server.Handle(session, *d.message, send);
    if (!r.is_null()) respond(std::move(r));
  }
}

}  // namespace mcp
