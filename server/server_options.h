// The halo-mcp process's settings: one structure, built from the command line and the
// environment (a flag wins over its variable), tested without touching the real environment.
#pragma once

#include "halo/options.h"
#include "server/http_transport.h"
#include "server/jwt_verifier.h"
#include "server/tool_policy.h"
#include "server/tool_registry.h"

#include <cstddef>
#include <string>
#include <vector>

namespace mcp {

struct ServerOptions {
  enum class Command {
    kServe,      ///< serve MCP (stdio, or HTTP with --http)
    kListTools,  ///< print toolsets and tools, then exit
    kDoctor,     ///< `doctor`: check the HaloPSA set-up, print a report, exit 0 when it works
    kCall,       ///< `call TOOL ARGS`: run one tool, print its result
    kTools,      ///< `tools [TOOL]`: list the exposed tools, or one tool's arguments
    kTokenAdd,   ///< `token add`: append a technician to the token file, print their token
  };
  Command command = Command::kServe;
  /// `call`: the tool, and its arguments as words (see ParseCallArguments); `tools`: the tool.
  std::string tool;
  std::vector<std::string> tool_arguments;
  bool json_output = false;  ///< `call --json` / `tools --json`

  bool demo = false;  ///< embedded simulator instead of a real tenant
  std::string log_level = "info";
  std::string schema_dir;  ///< empty = next to the binary / the source tree
  std::size_t max_message_bytes = 4 * 1024 * 1024;
  std::size_t max_response_bytes = 2 * 1024 * 1024;
  std::size_t workers = 4;  ///< concurrent tool calls (HTTP default: 16)
  ToolFilter filter;
  /// halopsa_api_call may send POST and DELETE: --allow-api-writes / HALO_MCP_API_WRITES.
  bool allow_api_writes = false;

  /// HaloPSA connection flags; unset ones come from HALOPSA_* through halo::LoadHaloOptions.
  halo::HaloOptionOverrides halo;
  std::string client_secret_file;
  /// The agent every action is attributed to (name, email or id): --agent / HALOPSA_AGENT.
  std::string agent;
  /// structuredContent in tool results (and outputSchema in tools/list): --structured-content
  /// / HALO_MCP_STRUCTURED_CONTENT on|off.
  bool structured_content = true;
  /// The tenant's time zone for "today" and day boundaries (IANA name); empty = the machine's.
  std::string timezone;
  /// The tenant's ticket source id for tickets created here: --ticket-source /
  /// HALOPSA_TICKET_SOURCE; 0 = none sent.
  std::int64_t ticket_source = 0;

  bool http = false;
  HttpOptions http_options;
  std::string http_port_file;
  std::string http_token_file;
  std::string metrics_token_file;  ///< GET /metrics needs this token; empty = loopback only
  /// OAuth access tokens (JWTs) accepted on the HTTP endpoint; issuer empty = off. After
  /// parsing, the audience defaults to --http-public-url and --http-auth-server to the issuer.
  JwtSettings jwt;

  /// Audit log of every write: a file path, "-" for stderr, empty for none.
  std::string audit_log;
  bool audit_include_bodies = false;
  std::size_t audit_max_bytes = std::size_t{64} << 20;  ///< rotate beyond this
  std::size_t audit_keep = 5;                           ///< rotated files kept

  /// redis://host:port[/db] shared by the replicas; empty = everything in-process.
  std::string shared_state;
  /// Replicas sharing the budget: without Redis each takes 1/N of it.
  std::size_t shared_replicas = 3;

  /// `token add`: who the new token is for and what it may do.
  struct TokenAdd {
    std::string name;
    std::string agent;
    ToolPolicy policy;
  } token_add;
};

/// Parsing ends in options to run with, or in text to print and an exit status (--help,
/// --version, a bad flag or variable).
struct ParsedOptions {
  ServerOptions options;
  bool run = true;
  int exit_code = 0;
  std::string output;  ///< for stdout when exit_code is 0, stderr otherwise
};

/// `args` excludes the program name. Variables are read through `env`; a flag given on the
/// command line wins over its variable.
ParsedOptions ParseServerOptions(std::vector<std::string> const& args, halo::EnvReader const& env);

/// "HOST:PORT", "[v6]:PORT" or ":PORT" (loopback); false when malformed.
bool ParseHostPort(std::string const& s, std::string& host, int& port);

/// Comma-separated list, items trimmed, empty items dropped.
std::vector<std::string> SplitList(std::string const& s);

}  // namespace mcp
