#include "halo/post_batch.h"

#include "halo/safe_int.h"

#include <algorithm>
#include <map>
#include <optional>

namespace halo::internal {

using nlohmann::json;

std::vector<BatchItemResult> PostInChunks(HaloClient& client, std::string const& path,
                                          std::vector<json> const& items, std::size_t chunk_size,
                                          CallContext const& ctx, Idempotency idempotency) {
  if (chunk_size == 0) chunk_size = 50;
  chunk_size = std::min<std::size_t>(chunk_size, 100);
  std::vector<BatchItemResult> results(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) results[i].index = i;

  std::optional<Status> stop;  // set once later chunks must not be sent
  for (std::size_t begin = 0; begin < items.size(); begin += chunk_size) {
    std::size_t end = std::min(items.size(), begin + chunk_size);
    if (!stop && ctx.cancelled())
      stop = CancelledError("the batch was cancelled before this item was sent");
    if (stop) {
      for (auto i = begin; i < end; ++i) results[i].status = *stop;
      continue;
    }
    json body = json::array();
    for (auto i = begin; i < end; ++i) body.push_back(items[i]);
    auto r = client.Post(path, body, ctx, idempotency);
    if (r.ok()) {
      // One element comes back as the saved object; several as an array (or, on some
      // instances, only the first object). Attribute what can be attributed.
      json const& saved = *r;
      for (auto i = begin; i < end; ++i) {
        results[i].status = OkStatus();
        std::size_t j = i - begin;
        if (saved.is_array() && j < saved.size()) {
          results[i].record = saved[j];
        } else if (saved.is_object() && j == 0) {
          results[i].record = saved;
        }
      }
      continue;
    }
    Status const& s = r.status();
    if (s.code() == StatusCode::kInvalidArgument) {
      // Validation: keys like "[1].summary" name the element within this chunk.
      std::map<std::size_t, json> per_item;
      if (s.info().fields.is_object()) {
        for (auto const& [k, v] : s.info().fields.items()) {
          if (k.size() > 2 && k.front() == '[') {
            auto close = k.find(']');
            auto idx = close == std::string::npos
                           ? std::nullopt
                           : ParseInt64(std::string_view(k).substr(1, close - 1), 0,
                                        static_cast<std::int64_t>(end - begin) - 1);
            if (idx) {
              std::string field = k.substr(close + 1);
              if (!field.empty() && field.front() == '.') field.erase(0, 1);
              per_item[static_cast<std::size_t>(*idx)][field.empty() ? k : field] = v;
              continue;
            }
          }
        }
      }
      if (!per_item.empty()) {
        for (auto i = begin; i < end; ++i) {
          auto it = per_item.find(i - begin);
          if (it != per_item.end()) {
            ErrorInfo info = s.info();
            info.fields = it->second;
            std::string msg;
            for (auto const& [f, m] : it->second.items()) {
              msg += (msg.empty() ? "" : "; ") + f + ": " +
                     (m.is_string() ? m.get<std::string>() : m.dump());
            }
            results[i].status = InvalidArgumentError(msg, std::move(info));
          } else {
            ErrorInfo info;
            info.http_status = s.info().http_status;
            results[i].status = FailedPreconditionError(
                "not saved: HaloPSA rejected the batch of items " + std::to_string(begin) + ".." +
                    std::to_string(end - 1) + " because of another item; this item may be resent",
                std::move(info));
          }
        }
      } else {
        for (auto i = begin; i < end; ++i) results[i].status = s;
      }
      continue;  // other chunks are independent
    }
    for (auto i = begin; i < end; ++i) results[i].status = s;
    if (s.code() == StatusCode::kUnknownOutcome) {
      stop = FailedPreconditionError(
          "not sent: an earlier chunk (items " + std::to_string(begin) + ".." +
          std::to_string(end - 1) +
          ") has an unknown outcome; check what was saved before sending the rest");
    } else {
      stop = Status(s.code(), "not sent: an earlier chunk failed: " + s.message(), s.info());
    }
  }
  return results;
}

}  // namespace halo::internal
