#include "server/server_options.h"

#include "halo/text.h"
#include "server/jwks_source.h"
#include "server/version.h"

#include <CLI/CLI.hpp>

#include <charconv>
#include <sstream>

namespace mcp {
namespace {

/// A flag and the variable that stands in for it when the flag is not given.
struct EnvBinding {
  char const* flag;
  char const* variable;
  bool is_switch;  // a flag without a value: the variable is 1/true/yes/on or 0/false/no/off
};

constexpr EnvBinding kEnv[] = {
    {"--log-level", "HALO_MCP_LOG_LEVEL", false},
    {"--schema-dir", "HALO_MCP_SCHEMA_DIR", false},
    {"--max-message-bytes", "HALO_MCP_MAX_MESSAGE_BYTES", false},
    {"--max-response-bytes", "HALO_MCP_MAX_RESPONSE_BYTES", false},
    {"--workers", "HALO_MCP_WORKERS", false},
    {"--read-only", "HALO_MCP_READ_ONLY", true},
    {"--allow-api-writes", "HALO_MCP_API_WRITES", true},
    {"--toolsets", "HALO_MCP_TOOLSETS", false},
    {"--tools", "HALO_MCP_TOOLS", false},
    {"--exclude-tools", "HALO_MCP_EXCLUDE_TOOLS", false},
    {"--dynamic-toolsets", "HALO_MCP_DYNAMIC_TOOLSETS", true},
    {"--agent", "HALOPSA_AGENT", false},
    {"--timezone", "HALOPSA_TIMEZONE", false},
    {"--ticket-source", "HALOPSA_TICKET_SOURCE", false},
    {"--structured-content", "HALO_MCP_STRUCTURED_CONTENT", false},
    {"--http", "HALO_MCP_HTTP", false},
    {"--http-path", "HALO_MCP_HTTP_PATH", false},
    {"--http-token-file", "HALO_MCP_HTTP_TOKEN_FILE", false},
    {"--http-allowed-hosts", "HALO_MCP_HTTP_ALLOWED_HOSTS", false},
    {"--http-allowed-origins", "HALO_MCP_HTTP_ALLOWED_ORIGINS", false},
    {"--http-auth-server", "HALO_MCP_HTTP_AUTH_SERVER", false},
    {"--http-public-url", "HALO_MCP_HTTP_PUBLIC_URL", false},
    {"--http-jwt-issuer", "HALO_MCP_HTTP_JWT_ISSUER", false},
    {"--http-jwt-audience", "HALO_MCP_HTTP_JWT_AUDIENCE", false},
    {"--http-jwt-agent-claim", "HALO_MCP_HTTP_JWT_AGENT_CLAIM", false},
    {"--http-jwt-jwks-url", "HALO_MCP_HTTP_JWT_JWKS_URL", false},
    {"--http-jwt-algorithms", "HALO_MCP_HTTP_JWT_ALGORITHMS", false},
    {"--http-jwt-leeway", "HALO_MCP_HTTP_JWT_LEEWAY", false},
    {"--http-session-idle", "HALO_MCP_HTTP_SESSION_IDLE", false},
    {"--http-max-sessions", "HALO_MCP_HTTP_MAX_SESSIONS", false},
    {"--http-max-connections", "HALO_MCP_HTTP_MAX_CONNECTIONS", false},
    {"--http-read-timeout", "HALO_MCP_HTTP_READ_TIMEOUT", false},
    {"--tls-cert", "HALO_MCP_TLS_CERT", false},
    {"--tls-key", "HALO_MCP_TLS_KEY", false},
    {"--metrics-token-file", "HALO_MCP_METRICS_TOKEN_FILE", false},
    {"--audit-log", "HALO_MCP_AUDIT_LOG", false},
    {"--audit-include-bodies", "HALO_MCP_AUDIT_INCLUDE_BODIES", true},
    {"--audit-max-bytes", "HALO_MCP_AUDIT_MAX_BYTES", false},
    {"--audit-keep", "HALO_MCP_AUDIT_KEEP", false},
    {"--shared-state", "HALO_MCP_SHARED_STATE", false},
    {"--shared-replicas", "HALO_MCP_SHARED_REPLICAS", false},
};

/// Raw values the command line gives as text or numbers before they become options.
struct Raw {
  std::string toolsets, tools, exclude_tools;
  bool read_only = false, list_tools = false, stdio = false, dynamic_toolsets = false;
  std::string http_addr, allowed_hosts, allowed_origins;
  std::size_t session_idle_seconds = 1800, read_timeout_seconds = 30;
  std::string structured_content = "on";
  std::string base_url, auth_url, tenant, client_id, scope, rate_limit;
  std::string token_toolsets, token_tools, token_exclude;
  std::string jwt_algorithms = "RS256,ES256";
  std::size_t jwt_leeway_seconds = 60;
  CLI::App* token_add = nullptr;
};

void Define(CLI::App& app, ServerOptions& o, Raw& r) {
  app.set_version_flag("--version", std::string("halo-mcp ") + std::string(Version()));
  app.get_formatter()->column_width(34);
  app.add_flag("--stdio", r.stdio, "Serve MCP over stdin/stdout (the default)");
  app.add_flag("--demo", o.demo,
               "Serve an embedded, generated demo tenant (a HaloPSA simulator on loopback); "
               "needs no credentials");
  app.add_option("--log-level", o.log_level,
                 "trace, debug, info, warn, error, critical or off (stderr) [HALO_MCP_LOG_LEVEL]")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.add_option("--schema-dir", o.schema_dir,
                 "Directory of tool schema files [HALO_MCP_SCHEMA_DIR]");
  app.add_option("--max-message-bytes", o.max_message_bytes,
                 "Largest JSON-RPC message accepted [HALO_MCP_MAX_MESSAGE_BYTES]")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30));
  app.add_option("--max-response-bytes", o.max_response_bytes,
                 "Largest response sent; larger ones become an error saying so "
                 "[HALO_MCP_MAX_RESPONSE_BYTES]")
      ->check(CLI::Range(std::size_t{4096}, std::size_t{1} << 30));
  app.add_option("--workers", o.workers,
                 "Tool calls served concurrently [HALO_MCP_WORKERS; default 4, HTTP 16]")
      ->check(CLI::Range(1, 64));
  app.add_flag("--read-only", r.read_only, "Expose and allow only read tools [HALO_MCP_READ_ONLY]");
  app.add_flag("--allow-api-writes", o.allow_api_writes,
               "Let halopsa_api_call send POST and DELETE (GET only otherwise; never with "
               "--read-only) [HALO_MCP_API_WRITES]");
  app.add_option("--toolsets", r.toolsets,
                 "Comma-separated toolsets to expose: ids, 'default' or 'all' (see --list-tools) "
                 "[HALO_MCP_TOOLSETS]");
  app.add_option("--tools", r.tools, "Comma-separated extra tools to expose [HALO_MCP_TOOLS]");
  app.add_option("--exclude-tools", r.exclude_tools,
                 "Comma-separated tools to hide; wins over all [HALO_MCP_EXCLUDE_TOOLS]");
  app.add_flag("--dynamic-toolsets", r.dynamic_toolsets,
               "Start from the toolsets above and let each session enable others with "
               "halopsa_enable_toolset (stdio: the process; not for stateless 2026-07-28 "
               "requests) [HALO_MCP_DYNAMIC_TOOLSETS]");
  app.add_flag("--list-tools", r.list_tools, "Print the toolsets and tools, then exit");
  app.add_option("--agent", o.agent,
                 "The HaloPSA agent (name, email or id) that notes, time and 'me' stand for; "
                 "checked at start-up [HALOPSA_AGENT]");

  app.add_option("--timezone", o.timezone,
                 "The tenant's time zone (IANA, e.g. Europe/London) for 'today' and day "
                 "boundaries; default the machine's [HALOPSA_TIMEZONE]");

  app.add_option("--ticket-source", o.ticket_source,
                 "The id of the ticket source (a HaloPSA lookup value, e.g. one named for this "
                 "integration) set on tickets created here; default none [HALOPSA_TICKET_SOURCE]")
      ->check(CLI::PositiveNumber);

  app.add_option("--structured-content", r.structured_content,
                 "on: results carry structuredContent beside their text (default); off: text only, "
                 "for hosts that show both to the model [HALO_MCP_STRUCTURED_CONTENT]")
      ->check(CLI::IsMember({"on", "off", "1", "0", "true", "false"}, CLI::ignore_case));

  auto* halo = app.add_option_group("HaloPSA", "Connection (flags override environment)");
  halo->add_option("--base-url", r.base_url,
                   "HaloPSA URL, e.g. https://yourcompany.halopsa.com [HALOPSA_BASE_URL]");
  halo->add_option("--auth-url", r.auth_url,
                   "Separate authorisation server, default {base}/auth [HALOPSA_AUTH_URL]");
  halo->add_option("--tenant", r.tenant, "Hosted tenant name [HALOPSA_TENANT]");
  halo->add_option("--client-id", r.client_id, "API application client id [HALOPSA_CLIENT_ID]");
  halo->add_option("--client-secret-file", o.client_secret_file,
                   "File holding the client secret [HALOPSA_CLIENT_SECRET holds the secret "
                   "itself]");
  halo->add_option("--scope", r.scope, "OAuth scope, default all [HALOPSA_SCOPE]");
  halo->add_option("--rate-limit", r.rate_limit,
                   "REQUESTS/SECONDS, e.g. 300/300 (default), or off [HALOPSA_RATE_LIMIT]");

  auto& h = o.http_options;
  auto* http = app.add_option_group("HTTP", "Streamable HTTP transport (--http)");
  http->add_option("--http", r.http_addr,
                   "Serve MCP over Streamable HTTP at HOST:PORT instead of stdio (127.0.0.1:8787 "
                   "when given without a value; port 0 = any free port) [HALO_MCP_HTTP]")
      ->expected(0, 1);
  http->add_option("--http-path", h.path, "Endpoint path [default /mcp]");
  http->add_option("--http-port-file", o.http_port_file,
                   "Write the bound port to FILE once listening (for port 0)");
  http->add_option("--http-token-file", o.http_token_file,
                   "File of accepted bearer tokens, one per line; required (or "
                   "HALO_MCP_HTTP_TOKENS, comma-separated) when binding off loopback. Client "
                   "tokens are never forwarded to HaloPSA");
  http->add_option("--http-allowed-hosts", r.allowed_hosts,
                   "Comma-separated Host names accepted besides loopback ones (others get 403)");
  http->add_option("--http-allowed-origins", r.allowed_origins,
                   "Comma-separated browser origins accepted, e.g. https://app.example.com "
                   "(others get 403)");
  http->add_option("--http-auth-server", h.auth_server,
                   "OAuth authorization server URL to advertise (RFC 9728 metadata at "
                   "/.well-known/oauth-protected-resource)");
  http->add_option("--http-public-url", h.public_url,
                   "Canonical URL of the endpoint, e.g. https://mcp.example.com/mcp (default: "
                   "from the Host header)");
  auto* oauth = app.add_option_group(
      "OAuth", "Also accept JWT access tokens from the MSP's authorization server on --http");
  oauth->add_option("--http-jwt-issuer", o.jwt.issuer,
                    "Issuer URL whose JWTs are accepted (their \"iss\"); also advertised as the "
                    "authorization server unless --http-auth-server says otherwise "
                    "[HALO_MCP_HTTP_JWT_ISSUER]");
  oauth->add_option("--http-jwt-audience", o.jwt.audience,
                    "The \"aud\" tokens must carry [default: --http-public-url] "
                    "[HALO_MCP_HTTP_JWT_AUDIENCE]");
  oauth->add_option("--http-jwt-agent-claim", o.jwt.agent_claim,
                    "Claim naming the technician's HaloPSA agent (name, email or id) [default "
                    "halopsa_agent] [HALO_MCP_HTTP_JWT_AGENT_CLAIM]");
  oauth->add_option("--http-jwt-jwks-url", o.jwt.jwks_url,
                    "The issuer's key set [default: jwks_uri from its /.well-known/ metadata] "
                    "[HALO_MCP_HTTP_JWT_JWKS_URL]");
  oauth->add_option("--http-jwt-algorithms", r.jwt_algorithms,
                    "Comma-separated signature algorithms accepted: RS256, RS384, RS512, ES256, "
                    "ES384 [default RS256,ES256] [HALO_MCP_HTTP_JWT_ALGORITHMS]");
  oauth
      ->add_option("--http-jwt-leeway", r.jwt_leeway_seconds,
                   "Seconds of clock skew allowed on exp, nbf and iat [default 60] "
                   "[HALO_MCP_HTTP_JWT_LEEWAY]")
      ->check(CLI::Range(std::size_t{0}, std::size_t{600}));
  http->add_option("--http-session-idle", r.session_idle_seconds,
                   "Seconds before an idle session expires [default 1800]")
      ->check(CLI::Range(std::size_t{1}, std::size_t{7 * 24 * 3600}));
  http->add_option("--http-max-sessions", h.max_sessions,
                   "Most sessions kept; the least recently used idle one is evicted [default "
                   "1000]")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  http->add_option("--http-max-connections", h.max_connections,
                   "Connections held at once; beyond it the longest-idle one gives way [default "
                   "256]")
      ->check(CLI::Range(std::size_t{2}, std::size_t{100'000}));
  http->add_option("--http-read-timeout", r.read_timeout_seconds,
                   "Seconds a client may take to send a whole request, headers and body "
                   "[default 30]")
      ->check(CLI::Range(std::size_t{1}, std::size_t{3600}));
  http->add_option("--tls-cert", h.tls_cert, "TLS certificate (PEM) for HTTPS");
  http->add_option("--tls-key", h.tls_key, "TLS private key (PEM) for HTTPS");
  app.fallthrough();  // the options above may also follow a subcommand
  app.require_subcommand(0, 1);
  app.add_subcommand("doctor",
                     "Check the set-up: settings, reaching HaloPSA, the token, the API and acting "
                     "agents, one read per toolset, clock skew, rate limit; exit 0 when all "
                     "needed works");
  auto* call = app.add_subcommand(
      "call", "Run one tool and print its result: TOOL key=value key:=JSON ... or TOOL '{JSON}'");
  call->add_option("tool", o.tool, "The tool, e.g. halopsa_list_tickets")->required();
  call->add_option("arguments", o.tool_arguments,
                   "key=value (text), key:=JSON (numbers, true, arrays), or one JSON object");
  call->add_flag("--json", o.json_output, "Print structuredContent as JSON instead of the text");
  auto* tools = app.add_subcommand("tools", "List the exposed tools, or one tool's arguments");
  tools->add_option("tool", o.tool, "A tool to describe");
  tools->add_flag("--json", o.json_output, "Print the MCP tool definitions");

  http->add_option("--metrics-token-file", o.metrics_token_file,
                   "File holding the bearer token GET /metrics needs; without it /metrics answers "
                   "loopback clients only [HALO_MCP_METRICS_TOKEN_FILE]");

  auto* audit = app.add_option_group("Audit", "Accounting of writes");
  audit->add_option("--audit-log", o.audit_log,
                    "JSON-lines audit of every write (who, tool, record ids, outcome, argument "
                    "digest) to FILE, or - for stderr [HALO_MCP_AUDIT_LOG]");
  audit->add_flag("--audit-include-bodies", o.audit_include_bodies,
                  "Also record the arguments themselves (note bodies included) "
                  "[HALO_MCP_AUDIT_INCLUDE_BODIES]");
  audit
      ->add_option("--audit-max-bytes", o.audit_max_bytes,
                   "Rotate the audit file beyond this size [default 64 MiB]")
      ->check(CLI::Range(std::size_t{4096}, std::size_t{1} << 40));
  audit->add_option("--audit-keep", o.audit_keep, "Rotated audit files kept [default 5]")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));

  auto* fleet = app.add_option_group("Fleet", "Replicas sharing one HaloPSA budget");
  fleet->add_option("--shared-state", o.shared_state,
                    "redis://HOST:PORT[/DB]: share the rate limit and the HaloPSA token between "
                    "replicas [HALO_MCP_SHARED_STATE]");
  fleet
      ->add_option("--shared-replicas", o.shared_replicas,
                   "Replicas sharing the budget; while Redis is unreachable each uses 1/N of it "
                   "[default 3]")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));

  auto* token = app.add_subcommand("token", "Manage the technicians' client tokens");
  token->require_subcommand(1);
  r.token_add = token->add_subcommand(
      "add", "Add a technician to --http-token-file and print their new token (shown once)");
  auto& t = o.token_add;
  r.token_add->add_option("--name", t.name, "Who the token is for (audit lines name it)")
      ->required();
  r.token_add->add_option("--agent", t.agent,
                          "Their HaloPSA agent (name, email or id): attribution and 'me'");
  r.token_add->add_flag("--read-only", t.policy.read_only, "Read tools only");
  r.token_add->add_option("--toolsets", r.token_toolsets, "Comma-separated toolsets allowed");
  r.token_add->add_option("--tools", r.token_tools, "Comma-separated tools allowed");
  r.token_add->add_option("--exclude-tools", r.token_exclude, "Comma-separated tools refused");
  app.footer(
      "Flags override the environment variables in brackets. HTTP security: binds to loopback by "
      "default; Origin and Host are checked (403 when foreign); off loopback every request needs "
      "'Authorization: Bearer <token>' (401 otherwise). GET /healthz answers liveness without "
      "touching HaloPSA. The size limit (--max-message-bytes) answers 413.");
}

bool Given(std::vector<std::string> const& args, std::string_view flag) {
  for (auto const& a : args) {
    if (a == flag) return true;
    if (a.size() > flag.size() && a.compare(0, flag.size(), flag) == 0 && a[flag.size()] == '=') {
      return true;
    }
  }
  return false;
}

std::optional<bool> Truth(std::string const& v) {
  std::string s = halo::AsciiLower(v);
  if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
  if (s.empty() || s == "0" || s == "false" || s == "no" || s == "off") return false;
  return std::nullopt;
}

/// Completes the JWT settings from the other flags and checks them; the problem, or nullopt.
std::optional<std::string> FinishJwtSettings(CLI::App& app, Raw const& r, ServerOptions& o) {
  JwtSettings& j = o.jwt;
  if (j.issuer.empty()) {
    for (char const* flag : {"--http-jwt-audience", "--http-jwt-agent-claim", "--http-jwt-jwks-url",
                             "--http-jwt-algorithms", "--http-jwt-leeway"}) {
      if (app.get_option(flag)->count() > 0) return std::string(flag) + " needs --http-jwt-issuer";
    }
    return std::nullopt;
  }
  if (!o.http) return "--http-jwt-issuer applies to --http only";
  j.algorithms = SplitList(r.jwt_algorithms);
  j.leeway = std::chrono::seconds(r.jwt_leeway_seconds);
  auto& h = o.http_options;
  if (j.audience.empty()) j.audience = h.public_url;
  if (h.auth_server.empty()) h.auth_server = j.issuer;
  if (auto problem = JwtSettingsProblem(j)) return problem;
  if (auto problem = KeyUrlProblem(j.issuer)) return "--http-jwt-issuer: " + *problem;
  if (!j.jwks_url.empty()) {
    if (auto problem = KeyUrlProblem(j.jwks_url)) return "--http-jwt-jwks-url: " + *problem;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> SplitList(std::string const& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) {
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

bool ParseHostPort(std::string const& s, std::string& host, int& port) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "127.0.0.1";
  std::string_view digits(s);
  digits.remove_prefix(colon + 1);
  if (digits.empty() || digits.size() > 5) return false;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size()) return false;
  return port >= 0 && port <= 65535;
}

ParsedOptions ParseServerOptions(std::vector<std::string> const& args, halo::EnvReader const& env) {
  ParsedOptions out;
  // Variables become command-line arguments placed before the real ones, so that one parser
  // checks both the same way, and the command line wins.
  std::vector<std::string> merged;
  for (auto const& b : kEnv) {
    if (Given(args, b.flag) || !env) continue;
    auto value = env(b.variable);
    if (!value) continue;
    if (b.is_switch) {
      auto on = Truth(*value);
      if (!on) {
        out.run = false;
        out.exit_code = 2;
        out.output = std::string("halo-mcp: ") + b.variable +
                     " must be 1 or 0 (true/false), got \"" + *value + "\"";
        return out;
      }
      if (*on) merged.push_back(b.flag);
    } else if (!value->empty()) {
      merged.push_back(std::string(b.flag) + "=" + *value);
    }
  }
  merged.insert(merged.end(), args.begin(), args.end());

  CLI::App app{
      "halo-mcp: HaloPSA tools for AI assistants (Model Context Protocol over stdio, or "
      "Streamable HTTP with --http).\n"
      "Credentials come from the environment (HALOPSA_*), flags override it.",
      "halo-mcp"};
  ServerOptions& o = out.options;
  Raw r;
  Define(app, o, r);
  try {
    std::vector<std::string> reversed(merged.rbegin(), merged.rend());  // CLI11 pops from the back
    app.parse(reversed);
  } catch (CLI::ParseError const& e) {
    std::ostringstream text, errors;
    out.exit_code = app.exit(e, text, errors);
    out.output = text.str() + errors.str();
    if (out.exit_code != 0 && out.output.rfind("halo-mcp", 0) != 0) {
      out.output = "halo-mcp: " + out.output;
    }
    out.run = false;
    return out;
  }

  if (r.list_tools) o.command = ServerOptions::Command::kListTools;
  if (app.got_subcommand("call")) o.command = ServerOptions::Command::kCall;
  if (app.got_subcommand("tools")) o.command = ServerOptions::Command::kTools;
  if (o.command == ServerOptions::Command::kCall && app.get_option("--log-level")->count() == 0) {
    o.log_level = "warn";  // stdout is the tool's answer; keep stderr for what went wrong
  }
  if (app.got_subcommand("doctor")) {
    o.command = ServerOptions::Command::kDoctor;
    // The report goes to stdout; routine log lines would only interleave with it on stderr.
    if (app.get_option("--log-level")->count() == 0) o.log_level = "warn";
  }
  if (r.token_add->parsed()) {
    o.command = ServerOptions::Command::kTokenAdd;
    o.token_add.policy.toolsets = SplitList(r.token_toolsets);
    o.token_add.policy.tools = SplitList(r.token_tools);
    o.token_add.policy.exclude = SplitList(r.token_exclude);
    if (o.http_token_file.empty()) {
      out.run = false;
      out.exit_code = 2;
      out.output =
          "halo-mcp: token add needs --http-token-file FILE (or HALO_MCP_HTTP_TOKEN_FILE) "
          "before `token`";
      return out;
    }
  }
  if (!o.shared_state.empty() && o.shared_state.rfind("redis://", 0) != 0) {
    out.run = false;
    out.exit_code = 2;
    out.output = "halo-mcp: --shared-state wants redis://HOST:PORT[/DB], got " + o.shared_state;
    return out;
  }
  o.structured_content = Truth(r.structured_content).value_or(true);
  o.filter = ToolFilter{SplitList(r.toolsets), SplitList(r.tools), SplitList(r.exclude_tools),
                        r.read_only, r.dynamic_toolsets};
  auto set = [](std::optional<std::string>& dst, std::string const& v) {
    if (!v.empty()) dst = v;
  };
  set(o.halo.base_url, r.base_url);
  set(o.halo.auth_url, r.auth_url);
  set(o.halo.tenant, r.tenant);
  set(o.halo.client_id, r.client_id);
  set(o.halo.scope, r.scope);
  set(o.halo.rate_limit, r.rate_limit);

  auto* http_flag = app.get_option("--http");
  o.http = http_flag->count() > 0 || !r.http_addr.empty();
  if (o.http) {
    auto& h = o.http_options;
    std::string addr = r.http_addr.empty() ? "127.0.0.1:8787" : r.http_addr;
    if (!ParseHostPort(addr, h.host, h.port)) {
      out.run = false;
      out.exit_code = 2;
      out.output = "halo-mcp: --http wants HOST:PORT, e.g. 127.0.0.1:8787, got " + addr;
      return out;
    }
    h.allowed_hosts = SplitList(r.allowed_hosts);
    h.allowed_origins = SplitList(r.allowed_origins);
    h.session_idle_timeout = std::chrono::seconds(r.session_idle_seconds);
    h.read_timeout = std::chrono::seconds(r.read_timeout_seconds);
    h.max_message_bytes = o.max_message_bytes;
    h.max_response_bytes = o.max_response_bytes;
    h.workers = app.get_option("--workers")->count() ? o.workers : 16;
  }
  if (auto problem = FinishJwtSettings(app, r, o)) {
    out.run = false;
    out.exit_code = 2;
    out.output = "halo-mcp: " + *problem;
  }
  return out;
}

}  // namespace mcp
