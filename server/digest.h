#pragma once

// Small cryptographic helpers shared by client tokens, sessions and the audit log (OpenSSL).

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace mcp {

using Sha256Digest = std::array<unsigned char, 32>;

Sha256Digest Sha256(std::string_view data);
/// HMAC-SHA256 of `data` under `key`; also how keys are derived from the client secret.
Sha256Digest HmacSha256(std::string_view key, std::string_view data);
/// Lower-case hex of `size` bytes.
std::string Hex(unsigned char const* data, std::size_t size);
inline std::string Hex(Sha256Digest const& d) { return Hex(d.data(), d.size()); }
/// Parses 64 hex digits into a digest; false when `hex` is anything else.
bool ParseSha256Hex(std::string_view hex, Sha256Digest& out);
/// `bytes` random bytes from the system's CSPRNG, in hex. Throws only when OpenSSL cannot seed.
std::string RandomHex(std::size_t bytes);
/// Compares two digests in constant time.
bool DigestEqual(Sha256Digest const& a, Sha256Digest const& b);

}  // namespace mcp
