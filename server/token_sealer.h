#pragma once

// Seals the HaloPSA access token before it goes into shared state: AES-256-GCM under a key
// derived (HMAC-SHA256) from the API application's client secret. Every replica holds that
// secret anyway (it needs it to fetch tokens), so no new key has to be distributed, and someone
// who can read Redis but lacks the secret learns nothing usable.

#include <optional>
#include <string>
#include <string_view>

namespace mcp {

class TokenSealer {
 public:
  /// `context` binds the key to one tenant and client (base URL, client id).
  TokenSealer(std::string_view client_secret, std::string_view context);

  /// nonce, ciphertext and tag, hex-encoded.
  std::string Seal(std::string_view plain) const;
  /// nullopt when the value was not sealed under this key or was altered.
  std::optional<std::string> Open(std::string_view sealed) const;

 private:
  unsigned char key_[32];
};

}  // namespace mcp
