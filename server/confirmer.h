// Asking the person, not the model, before a destructive change: MCP elicitation when the client
// declares it (a server-to-client request in the initialize era; an input_required result with a
// signed requestState in 2026-07-28). Clients without it keep the tools' confirm argument.
#pragma once

#include "server/mcp_server.h"

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mcp {

/// What the person said about one change.
struct Consent {
  enum class Kind {
    kNotAsked,  // the client cannot be asked: fall back to the confirm argument
    kAccepted,  // an explicit accept: go ahead
    kRefused,   // declined, cancelled or unanswered: change nothing; `reason` says which
    kPending,   // 2026-07-28: return `pending` (input_required) and wait for the retry
  };
  Kind kind = Kind::kNotAsked;
  std::string reason;
  nlohmann::json pending;
};

/// The requestState key every replica of one deployment derives alike, from what they already
/// share: the HaloPSA client secret, bound to the tenant (`context`: base URL and client id).
/// A confirmation asked by one replica is then accepted by another, and nothing new is stored.
/// It is key material for HMAC (which hashes it), so deriving it needs no cryptography at
/// start-up: initialising OpenSSL costs ~2 MiB of resident memory a stdio server never needs.
std::string DeriveConfirmationKey(std::string_view client_secret, std::string_view context);

class Confirmer {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;
  /// `key` signs requestState (HMAC-SHA256); replicas behind one load balancer need the same
  /// key. Empty = a random key for this process.
  explicit Confirmer(std::string key = "", WallClock clock = nullptr);

  /// Asks whether `tool` may run with `arguments` (which bind the 2026-07-28 requestState, so
  /// a confirmation cannot be replayed for another change). `message` says what will change
  /// and how many records.
  Consent Ask(std::string const& tool, nlohmann::json const& arguments, std::string const& message,
              CallScope& scope) const;

  /// How long a 2026-07-28 confirmation request stays valid.
  static constexpr std::chrono::minutes kStateLifetime{10};

 private:
  std::string Sign(std::string const& payload) const;
  std::string key_;
  WallClock clock_;
};

}  // namespace mcp
