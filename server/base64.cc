#include "server/base64.h"

#include <openssl/evp.h>

#include <algorithm>

namespace mcp {

std::size_t DecodedBase64Size(std::string_view b64) {
  std::size_t pad = 0;
  if (!b64.empty() && b64.back() == '=') ++pad;
  if (b64.size() > 1 && b64[b64.size() - 2] == '=') ++pad;
  return b64.size() / 4 * 3 - std::min(pad, b64.size() / 4 * 3);
}

std::optional<std::string> DecodeBase64(std::string_view b64) {
  // EVP_DecodeBlock skips leading and trailing whitespace and accepts unpadded input of a
  // multiple of four; anything else is refused here so a broken upload is never stored.
  if (b64.size() % 4 != 0) return std::nullopt;
  for (std::size_t i = 0; i < b64.size(); ++i) {
    char const c = b64[i];
    bool const alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    bool const pad = c == '=' && i + 2 >= b64.size() && (i + 1 == b64.size() || b64[i + 1] == '=');
    if (!alnum && c != '+' && c != '/' && !pad) return std::nullopt;
  }
  std::string out(b64.size() / 4 * 3, '\0');
  int const n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<unsigned char const*>(b64.data()),
                                static_cast<int>(b64.size()));
  if (n < 0) return std::nullopt;
  out.resize(DecodedBase64Size(b64));
  return out;
}

std::optional<std::string> DecodeBase64Url(std::string_view b64url) {
  if (b64url.size() % 4 == 1) return std::nullopt;
  std::string standard;
  standard.reserve(b64url.size() + 3);
  for (char c : b64url) {
    if (c == '-') {
      standard += '+';
    } else if (c == '_') {
      standard += '/';
    } else if (c == '+' || c == '/' || c == '=') {
      return std::nullopt;  // the standard alphabet and padding have no place in base64url
    } else {
      standard += c;
    }
  }
  while (standard.size() % 4 != 0) standard += '=';
  return DecodeBase64(standard);
}

}  // namespace mcp
