#include "server/token_sealer.h"

#include "server/digest.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace mcp {
namespace {

constexpr int kNonce = 12;
constexpr int kTag = 16;

struct CipherFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Cipher = std::unique_ptr<EVP_CIPHER_CTX, CipherFree>;

bool FromHex(std::string_view hex, std::vector<unsigned char>& out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  out.clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<unsigned char>(hi * 16 + lo));
  }
  return true;
}

}  // namespace

TokenSealer::TokenSealer(std::string_view client_secret, std::string_view context) {
  auto const key = HmacSha256(client_secret, "halo-mcp shared token v1|" + std::string(context));
  std::copy(key.begin(), key.end(), key_);
}

std::string TokenSealer::Seal(std::string_view plain) const {
  std::vector<unsigned char> out(kNonce + plain.size() + kTag);
  if (RAND_bytes(out.data(), kNonce) != 1) throw std::runtime_error("RAND_bytes failed");
  Cipher c(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!c || EVP_EncryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, key_, out.data()) != 1 ||
      EVP_EncryptUpdate(c.get(), out.data() + kNonce, &len,
                        reinterpret_cast<unsigned char const*>(plain.data()),
                        static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(c.get(), out.data() + kNonce + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_GET_TAG, kTag,
                          out.data() + kNonce + plain.size()) != 1) {
    throw std::runtime_error("AES-GCM sealing failed");
  }
  return Hex(out.data(), out.size());
}

std::optional<std::string> TokenSealer::Open(std::string_view sealed) const {
  std::vector<unsigned char> in;
  if (!FromHex(sealed, in) || in.size() < kNonce + kTag) return std::nullopt;
  std::size_t const size = in.size() - kNonce - kTag;
  std::string plain(size, '\0');
  Cipher c(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!c || EVP_DecryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, key_, in.data()) != 1 ||
      EVP_DecryptUpdate(c.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                        in.data() + kNonce, static_cast<int>(size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_TAG, kTag, in.data() + kNonce + size) != 1 ||
      EVP_DecryptFinal_ex(c.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &len) !=
          1) {
    return std::nullopt;
  }
  return plain;
}

}  // namespace mcp
