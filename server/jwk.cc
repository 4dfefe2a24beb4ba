#include "server/jwk.h"

#include "halo/bounded_json.h"
#include "server/base64.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>

#include <array>

namespace mcp {
namespace {

using nlohmann::json;

struct Algorithm {
  std::string_view name;
  std::string_view kty;
  std::string_view crv;    // EC only
  std::size_t part_bytes;  // EC only: the size of r and of s
  EVP_MD const* (*digest)();
};

constexpr std::array<Algorithm, 5> kAlgorithms{{
    {"RS256", "RSA", "", 0, &EVP_sha256},
    {"RS384", "RSA", "", 0, &EVP_sha384},
    {"RS512", "RSA", "", 0, &EVP_sha512},
    {"ES256", "EC", "P-256", 32, &EVP_sha256},
    {"ES384", "EC", "P-384", 48, &EVP_sha384},
}};

Algorithm const* FindAlgorithm(std::string_view alg) {
  for (auto const& a : kAlgorithms) {
    if (a.name == alg) return &a;
  }
  return nullptr;
}

using PkeyPtr = std::shared_ptr<EVP_PKEY>;
template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

/// A base64url member of a JWK as bytes; empty when missing or malformed.
std::string Bytes(json const& jwk, char const* member) {
  auto it = jwk.find(member);
  if (it == jwk.end() || !it->is_string()) return {};
  return DecodeBase64Url(it->get_ref<std::string const&>()).value_or("");
}

BnPtr Bignum(std::string const& bytes) {
  return BnPtr(BN_bin2bn(reinterpret_cast<unsigned char const*>(bytes.data()),
                         static_cast<int>(bytes.size()), nullptr));
}

PkeyPtr FromParams(char const* type, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) {
    return nullptr;
  }
  return PkeyPtr(raw, EVP_PKEY_free);
}

PkeyPtr RsaKey(json const& jwk) {
  std::string const n = Bytes(jwk, "n"), e = Bytes(jwk, "e");
  if (n.size() < 256 || e.empty() || e.size() > 8) return nullptr;  // under 2048 bits: refused
  BnPtr bn_n = Bignum(n), bn_e = Bignum(e);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
    return nullptr;
  }
  return FromParams("RSA", bld.get());
}

PkeyPtr EcKey(json const& jwk, std::string const& crv) {
  std::size_t const size = crv == "P-256" ? 32 : crv == "P-384" ? 48 : 0;
  std::string const x = Bytes(jwk, "x"), y = Bytes(jwk, "y");
  if (size == 0 || x.size() != size || y.size() != size) return nullptr;
  std::string point = "\x04" + x + y;  // an uncompressed point (SEC 1)
  char const* group = size == 32 ? "prime256v1" : "secp384r1";
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size())) {
    return nullptr;
  }
  PkeyPtr key = FromParams("EC", bld.get());
  if (!key) return nullptr;
  // fromdata does not check that the point lies on the curve; an off-curve point must not pass.
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
  return key;
}

std::string Member(json const& jwk, char const* name) {
  auto it = jwk.find(name);
  return it != jwk.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// The DER ECDSA-Sig-Value of a JWS's raw r||s.
std::string DerSignature(std::string_view raw, std::size_t part) {
  if (raw.size() != 2 * part) return {};
  auto const* bytes = reinterpret_cast<unsigned char const*>(raw.data());
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, static_cast<int>(part), nullptr);
  BIGNUM* s = BN_bin2bn(bytes + part, static_cast<int>(part), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  int const len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return {};
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_ECDSA_SIG(sig.get(), &out);
  return der;
}

}  // namespace

bool SupportedJwsAlgorithm(std::string_view alg) { return FindAlgorithm(alg) != nullptr; }

std::vector<Jwk const*> JwkSet::Candidates(std::string_view kid, std::string_view alg) const {
  std::vector<Jwk const*> out;
  Algorithm const* a = FindAlgorithm(alg);
  if (a == nullptr) return out;
  for (auto const& k : keys) {
    if (!kid.empty() ? k.kid != kid : keys.size() != 1) continue;
    if (k.kty != a->kty || (!k.alg.empty() && k.alg != alg)) continue;
    if (!a->crv.empty() && k.crv != a->crv) continue;
    out.push_back(&k);
  }
  return out;
}

bool JwkSet::HasKid(std::string_view kid) const {
  for (auto const& k : keys) {
    if (k.kid == kid) return true;
  }
  return false;
}

halo::StatusOr<JwkSet> ParseJwks(std::string_view text) {
  auto parsed = halo::ParseBoundedJson(text, halo::JsonLimits{8, 10'000});
  if (!parsed.ok()) return halo::InvalidArgumentError("the JWKS is not JSON: " + parsed.message);
  json const& doc = parsed.value;
  auto keys = doc.is_object() ? doc.find("keys") : doc.end();
  if (!doc.is_object() || keys == doc.end() || !keys->is_array()) {
    return halo::InvalidArgumentError("the JWKS has no \"keys\" array");
  }
  JwkSet set;
  for (auto const& k : *keys) {
    if (!k.is_object()) continue;
    std::string const use = Member(k, "use");
    if (!use.empty() && use != "sig") continue;
    Jwk jwk{Member(k, "kid"), Member(k, "kty"), Member(k, "alg"), Member(k, "crv"), nullptr};
    if (!jwk.alg.empty() && !SupportedJwsAlgorithm(jwk.alg)) continue;
    if (jwk.kty == "RSA") {
      jwk.key = RsaKey(k);
    } else if (jwk.kty == "EC") {
      jwk.key = EcKey(k, jwk.crv);
    }
    if (jwk.key) set.keys.push_back(std::move(jwk));
  }
  if (set.keys.empty()) {
    return halo::InvalidArgumentError(
        "the JWKS holds no usable signing key (RSA of 2048 bits or more, or EC P-256/P-384)");
  }
  return set;
}

bool VerifyJwsSignature(Jwk const& key, std::string_view alg, std::string_view signing_input,
                        std::string_view signature) {
  Algorithm const* a = FindAlgorithm(alg);
  if (a == nullptr || !key.key || key.kty != a->kty || (!a->crv.empty() && key.crv != a->crv)) {
    return false;
  }
  std::string der;
  if (a->kty == "EC") {
    der = DerSignature(signature, a->part_bytes);
    if (der.empty()) return false;
    signature = der;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, a->digest(), nullptr, key.key.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<unsigned char const*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<unsigned char const*>(signing_input.data()),
                          signing_input.size()) == 1;
}

}  // namespace mcp
