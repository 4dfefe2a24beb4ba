#pragma once

#include "server/http_options.h"

#include <optional>
#include <string>

namespace mcp {

/// When TLS is asked for: whether both --tls-cert and --tls-key are given, readable, PEM, and
/// the key belongs to the certificate. The message names the flag at fault; nullopt when fine.
std::optional<std::string> CheckTls(HttpOptions const& options);

}  // namespace mcp
