#include "sim/billing.h"

#include <algorithm>
#include <cmath>

namespace halo_sim {

Prepay PrepayFor(Store const& store, std::int64_t client_id) {
  Prepay out;
  std::optional<std::int64_t> since;
  if (auto const* t = store.find_table("ClientPrepay")) {
    for (auto const& [id, row] : t->rows) {
      if (FieldInt(row, "client_id") != client_id) continue;
      out.total += FieldNum(row, "hours");
      out.history.push_back(row);
      if (auto d = FieldTime(row, "date"); d && (!since || *d < *since)) since = d;
    }
  }
  if (!since) return out;
  for (auto const& [key, action] : store.actions()) {
    double const hours = FieldNum(action, "timetaken");
    if (hours <= 0 || FieldInt(action, "chargerate") == 0) continue;
    auto when = FieldTime(action, "datetime");
    if (!when || *when < *since) continue;
    auto const* ticket = store.Find("Tickets", key.first);
    if (ticket != nullptr && FieldInt(*ticket, "client_id") == client_id) out.used += hours;
  }
  out.used = std::round(out.used * 100.0) / 100.0;
  out.balance = std::round((out.total - out.used) * 100.0) / 100.0;
  return out;
}

void AddPrepayFields(Store const& store, Json& client) {
  auto prepay = PrepayFor(store, FieldInt(client, "id"));
  client["prepaytotal"] = prepay.total;
  client["prepayused"] = prepay.used;
  client["prepaybalance"] = prepay.balance;
  client["prepayasamount"] = false;
  client["prepayhistory"] = std::move(prepay.history);
}

}  // namespace halo_sim
