#pragma once

// A test OAuth issuer's signing key: generated with OpenSSL at run time, published as a JWK,
// and used to sign JWT access tokens, so that tests never carry a fixed key.

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace halo_test {

std::string Base64Url(std::string_view bytes);

class TestSigningKey {
 public:
  enum class Kind { kRsa2048, kEcP256 };
  TestSigningKey(Kind kind, std::string kid);
  ~TestSigningKey();
  TestSigningKey(TestSigningKey&&) noexcept;
  TestSigningKey& operator=(TestSigningKey&&) noexcept;

  std::string const& kid() const { return kid_; }
  std::string alg() const { return kind_ == Kind::kRsa2048 ? "RS256" : "ES256"; }
  /// The public key as a JWK (kty, kid, use "sig", n/e or crv/x/y).
  nlohmann::json Jwk() const;
  /// header.payload.signature; `header` gets alg and kid unless it has them already.
  std::string Sign(nlohmann::json const& payload,
                   nlohmann::json header = nlohmann::json::object()) const;

 private:
  struct Impl;
  Kind kind_;
  std::string kid_;
  std::unique_ptr<Impl> impl_;
};

/// A JWKS document of `keys`.
nlohmann::json JwksOf(std::initializer_list<TestSigningKey const*> keys);

}  // namespace halo_test
