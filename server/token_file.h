#pragma once

// Per-technician client tokens for the HTTP endpoint (--http-token-file). The file holds
// digests, never tokens: one entry per line, a JSON object
//   {"digest":"sha256:<64 hex>","name":"jane","agent":"Jane Smith",
//    "read_only":true,"toolsets":["tickets"],"tools":[],"exclude_tools":[]}
// (only "digest" is required), or a bare "sha256:<hex>" line. Older files with a clear-text token
// per line still load; such tokens act as the server's own principal. Blank lines and lines
// starting with # are skipped.

#include "halo/status.h"
#include "server/digest.h"
#include "server/mcp_server.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mcp {

/// An accepted client token: its digest and who it acts as (null = the server's default).
struct Credential {
  Sha256Digest digest{};
  std::shared_ptr<Principal const> principal;
};

/// Reads a token file's text. `default_agent` (--agent) stands in for entries without "agent".
/// Errors name the line and what is wrong with it.
halo::StatusOr<std::vector<Credential>> ParseTokenFile(std::string_view text,
                                                       std::string const& default_agent);

/// Clear-text tokens (HALO_MCP_HTTP_TOKENS): accepted as the server's default principal.
std::vector<Credential> PlainCredentials(std::vector<std::string> const& tokens);

/// Expands and checks each token's policy against the registry (unknown names are errors).
halo::Status ResolvePolicies(std::vector<Credential>& credentials, ToolRegistry const& registry);

/// A fresh random client token ("hmcp_" and 64 hex digits).
std::string NewClientToken();

/// The token file line for `token`: its digest, name, agent and policy (no clear text).
std::string TokenFileEntry(std::string_view token, std::string const& name,
                           std::string const& agent, ToolPolicy const& policy);

/// Appends an entry to the file (created with mode 0600 when missing). Refuses a name that the
/// file already holds, so that audit lines stay unambiguous.
halo::Status AppendTokenEntry(std::string const& path, std::string const& entry,
                              std::string const& name);

}  // namespace mcp
