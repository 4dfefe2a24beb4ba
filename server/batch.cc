#include "server/batch.h"

namespace mcp {

using nlohmann::json;

json HandleBatch(McpServer& server, Session& session, json const& batch,
                 CallScope::Sender const& send) {
  json responses = json::array();
  for (auto const& item : batch) {
    Decoded d = DecodeMessage(item);
    if (d.error) {
      responses.push_back(MakeError(d.error_id, *d.error));
      continue;
    }
    json r = server.Handle(session, *d.message, send);
    if (!r.is_null()) responses.push_back(std::move(r));
  }
  return responses;
}

}  // namespace mcp
