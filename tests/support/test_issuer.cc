#include "tests/support/test_issuer.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <stdexcept>
#include <vector>

namespace halo_test {

std::string Base64Url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int const n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<unsigned char const*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

namespace {

std::string BnBytes(EVP_PKEY* key, char const* name, std::size_t pad_to = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error("no key parameter");
  std::size_t size = std::max<std::size_t>(pad_to, static_cast<std::size_t>(BN_num_bytes(bn)));
  std::string out(size, '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size));
  BN_free(bn);
  return out;
}

}  // namespace

struct TestSigningKey::Impl {
  EVP_PKEY* key = nullptr;
  ~Impl() { EVP_PKEY_free(key); }
};

TestSigningKey::TestSigningKey(Kind kind, std::string kid)
    : kind_(kind), kid_(std::move(kid)), impl_(std::make_unique<Impl>()) {
  impl_->key = kind == Kind::kRsa2048 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
  if (impl_->key == nullptr) throw std::runtime_error("key generation failed");
}

TestSigningKey::~TestSigningKey() = default;
TestSigningKey::TestSigningKey(TestSigningKey&&) noexcept = default;
TestSigningKey& TestSigningKey::operator=(TestSigningKey&&) noexcept = default;

nlohmann::json TestSigningKey::Jwk() const {
  EVP_PKEY* k = impl_->key;
  if (kind_ == Kind::kRsa2048) {
    return {{"kty", "RSA"},
            {"kid", kid_},
            {"use", "sig"},
            {"n", Base64Url(BnBytes(k, OSSL_PKEY_PARAM_RSA_N))},
            {"e", Base64Url(BnBytes(k, OSSL_PKEY_PARAM_RSA_E))}};
  }
  return {{"kty", "EC"},
          {"kid", kid_},
          {"use", "sig"},
          {"crv", "P-256"},
          {"x", Base64Url(BnBytes(k, OSSL_PKEY_PARAM_EC_PUB_X, 32))},
          {"y", Base64Url(BnBytes(k, OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
}

std::string TestSigningKey::Sign(nlohmann::json const& payload, nlohmann::json header) const {
  if (!header.contains("alg")) header["alg"] = alg();
  if (!header.contains("kid")) header["kid"] = kid_;
  if (!header.contains("typ")) header["typ"] = "at+jwt";
  std::string const input = Base64Url(header.dump()) + "." + Base64Url(payload.dump());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t size = 0;
  std::vector<unsigned char> sig;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, impl_->key) != 1 ||
      EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<unsigned char const*>(input.data()),
                     input.size()) != 1) {
    EVP_MD_CTX_free(ctx);
    throw std::runtime_error("signing failed");
  }
  sig.resize(size);
  EVP_DigestSign(ctx, sig.data(), &size, reinterpret_cast<unsigned char const*>(input.data()),
                 input.size());
  EVP_MD_CTX_free(ctx);
  sig.resize(size);
  std::string raw(sig.begin(), sig.end());
  if (kind_ == Kind::kEcP256) {  // DER ECDSA-Sig-Value to JWS's r||s
    unsigned char const* p = sig.data();
    ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    raw.assign(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(ecdsa);
  }
  return input + "." + Base64Url(raw);
}

nlohmann::json JwksOf(std::initializer_list<TestSigningKey const*> keys) {
  nlohmann::json out = {{"keys", nlohmann::json::array()}};
  for (auto const* k : keys) out["keys"].push_back(k->Jwk());
  return out;
}

}  // namespace halo_test
