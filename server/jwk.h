#pragma once

// JSON Web Keys (RFC 7517) as OpenSSL public keys, and JWS signature checks (RFC 7515/7518) for
// the algorithms an OAuth access token may use here: RS256/384/512 and ES256/384. HMAC ("HS*")
// and "none" are deliberately absent: a verifier holding only public keys must never accept a
// signature that anyone with those keys could make.

#include "halo/status.h"

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mcp {

/// The JWS algorithms this server can check.
bool SupportedJwsAlgorithm(std::string_view alg);

/// One usable verification key of a key set.
struct Jwk {
  std::string kid;  ///< may be empty when the set holds a single key
  std::string kty;  ///< "RSA" or "EC"
  std::string alg;  ///< the key's "alg" member, when the issuer pinned one
  std::string crv;  ///< "P-256" or "P-384" for EC keys
  std::shared_ptr<EVP_PKEY> key;
};

struct JwkSet {
  std::vector<Jwk> keys;
  /// Keys that may check a token with this header: same kid (any key when the token has none
  /// and the set holds exactly one), a key type fitting `alg`, and the key's own alg if pinned.
  std::vector<Jwk const*> Candidates(std::string_view kid, std::string_view alg) const;
  bool HasKid(std::string_view kid) const;
};

/// Reads a JWKS document (bounded size and depth). Keys that are not for signatures, of other
/// types or curves, or RSA keys under 2048 bits are skipped; a set with no usable key is an
/// error naming why.
halo::StatusOr<JwkSet> ParseJwks(std::string_view text);

/// Whether `signature` (as carried in a JWS: PKCS#1 v1.5 for RS*, raw r||s for ES*) signs
/// `signing_input` with `key` under `alg`. False for any mismatch of key and algorithm.
bool VerifyJwsSignature(Jwk const& key, std::string_view alg, std::string_view signing_input,
                        std::string_view signature);

}  // namespace mcp
