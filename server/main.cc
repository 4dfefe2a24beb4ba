// halo-mcp: HaloPSA tools for AI assistants over the Model Context Protocol.
#include "halo/halo_client.h"
#include "halo/options.h"
#include "server/http_transport.h"
#include "server/mcp_server.h"
#include "server/stdio_transport.h"
#include "server/tool_executor.h"
#include "server/tool_registry.h"
#include "server/version.h"
#include "sim/simulator.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <pthread.h>
#include <signal.h>
#include <sstream>
#include <thread>

namespace {

constexpr char kInstructions[] =
    "HaloPSA service desk tools. Arguments for clients, sites, users, agents, teams, statuses, "
    "ticket types, priorities and outcomes take a name (or email) as well as an id. Usual flow: "
    "halopsa_list_clients to find the client; halopsa_list_tickets with client and open_only to "
    "see its work; halopsa_get_ticket for one ticket; halopsa_add_action to log a private note or "
    "time. Lists return compact rows: ask for `fields` or detail:\"full\" only when needed, and "
    "continue with `cursor`. Deletes need confirm:true.";

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

bool EnvTrue(char const* name) {
  char const* v = std::getenv(name);
  if (!v) return false;
  std::string s(v);
  return s == "1" || s == "true" || s == "TRUE" || s == "yes" || s == "on";
}

/// "HOST:PORT", "[v6]:PORT" or ":PORT" (loopback); false when malformed.
bool ParseHostPort(std::string const& s, std::string& host, int& port) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "127.0.0.1";
  try {
    std::size_t used = 0;
    port = std::stoi(s.substr(colon + 1), &used);
    if (used != s.size() - colon - 1) return false;
  } catch (...) {
    return false;
  }
  return port >= 0 && port <= 65535;
}

/// Bearer tokens: one per line in the file (blank lines and # comments skipped), plus the
/// comma-separated HALO_MCP_HTTP_TOKENS.
bool LoadTokens(std::string const& file, std::vector<std::string>& tokens) {
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return false;
    for (std::string line; std::getline(in, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      auto b = line.find_first_not_of(" \t");
      if (b == std::string::npos || line[b] == '#') continue;
      tokens.push_back(line.substr(b));
    }
  }
  if (char const* env = std::getenv("HALO_MCP_HTTP_TOKENS")) {
    for (auto& t : SplitList(env)) tokens.push_back(t);
  }
  return true;
}

void ConfigureLogging(std::string const& level) {
  auto logger = std::make_shared<spdlog::logger>("halo-mcp",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace

int main(int argc, char** argv) {
  // Signals are taken by one thread with sigwait so the rest never sees them mid-write.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a closed stdout is an EPIPE error, not a crash

  CLI::App app{
      "halo-mcp: HaloPSA tools for AI assistants (Model Context Protocol over stdio, or "
      "Streamable HTTP with --http).\n"
      "Credentials come from the environment (HALOPSA_*), flags override it.",
      "halo-mcp"};
  app.set_version_flag("--version", std::string("halo-mcp ") + std::string(mcp::Version()));
  app.get_formatter()->column_width(34);

  bool stdio = true, demo = false, list_tools = false, read_only = false;
  std::string log_level = "info", schema_dir, toolsets, tools, exclude_tools;
  std::size_t max_message_bytes = 4 * 1024 * 1024, workers = 4;
  halo::HaloOptionOverrides overrides;
  std::string base_url, auth_url, tenant, client_id, client_secret_file, scope, rate_limit;

  app.add_flag("--stdio", stdio, "Serve MCP over stdin/stdout (the default)");
  app.add_flag("--demo", demo,
               "Serve an embedded, generated demo tenant (a HaloPSA simulator on loopback); "
               "needs no credentials");
  app.add_option("--log-level", log_level,
                 "trace, debug, info, warn, error, critical or off (stderr)")
      ->envname("HALO_MCP_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.add_option("--schema-dir", schema_dir, "Directory of tool schema files")
      ->envname("HALO_MCP_SCHEMA_DIR");
  app.add_option("--max-message-bytes", max_message_bytes, "Largest JSON-RPC message accepted")
      ->envname("HALO_MCP_MAX_MESSAGE_BYTES")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30));
  app.add_option("--workers", workers, "Tool calls served concurrently")
      ->envname("HALO_MCP_WORKERS")
      ->check(CLI::Range(1, 64));
  app.add_flag("--read-only", read_only, "Expose and allow only read tools")
      ->envname("HALO_MCP_READ_ONLY");
  app.add_option("--toolsets", toolsets,
                 "Comma-separated toolsets to expose: ids, 'default' or 'all' (see --list-tools)")
      ->envname("HALO_MCP_TOOLSETS");
  app.add_option("--tools", tools, "Comma-separated extra tools to expose")
      ->envname("HALO_MCP_TOOLS");
  app.add_option("--exclude-tools", exclude_tools, "Comma-separated tools to hide (wins over all)")
      ->envname("HALO_MCP_EXCLUDE_TOOLS");
  app.add_flag("--list-tools", list_tools, "Print the toolsets and tools, then exit");
  auto* halo_group = app.add_option_group("HaloPSA", "Connection (flags override environment)");
  halo_group->add_option(
      "--base-url", base_url,
      "HaloPSA URL, e.g. https://yourcompany.halopsa.com [env HALOPSA_BASE_URL]");
  halo_group->add_option(
      "--auth-url", auth_url,
      "Separate authorisation server, default {base}/auth [env HALOPSA_AUTH_URL]");
  halo_group->add_option("--tenant", tenant, "Hosted tenant name [env HALOPSA_TENANT]");
  halo_group->add_option("--client-id", client_id,
                         "API application client id [env HALOPSA_CLIENT_ID]");
  halo_group->add_option("--client-secret-file", client_secret_file,
                         "File holding the client secret [env HALOPSA_CLIENT_SECRET holds the "
                         "secret itself]");
  halo_group->add_option("--scope", scope, "OAuth scope, default all [env HALOPSA_SCOPE]");
  halo_group->add_option(
      "--rate-limit", rate_limit,
      "REQUESTS/SECONDS, e.g. 300/300 (default), or off [env HALOPSA_RATE_LIMIT]");
  mcp::HttpOptions http_options;
  std::string http_addr, http_port_file, http_token_file, allowed_hosts, allowed_origins;
  std::size_t session_idle_seconds = 1800, read_timeout_seconds = 30;
  auto* http_group = app.add_option_group("HTTP", "Streamable HTTP transport (--http)");
  auto* http_flag =
      http_group
          ->add_option("--http", http_addr,
                       "Serve MCP over Streamable HTTP at HOST:PORT instead of stdio "
                       "(127.0.0.1:8787 when given without a value; port 0 = any free port)")
          ->expected(0, 1)
          ->envname("HALO_MCP_HTTP");
  http_group->add_option("--http-path", http_options.path, "Endpoint path [default /mcp]")
      ->envname("HALO_MCP_HTTP_PATH");
  http_group->add_option("--http-port-file", http_port_file,
                         "Write the bound port to FILE once listening (for port 0)");
  http_group
      ->add_option("--http-token-file", http_token_file,
                   "File of accepted bearer tokens, one per line; required (or "
                   "HALO_MCP_HTTP_TOKENS, comma-separated) when binding off loopback. Client "
                   "tokens are never forwarded to HaloPSA")
      ->envname("HALO_MCP_HTTP_TOKEN_FILE");
  http_group
      ->add_option("--http-allowed-hosts", allowed_hosts,
                   "Comma-separated Host names accepted besides loopback ones (others get 403)")
      ->envname("HALO_MCP_HTTP_ALLOWED_HOSTS");
  http_group
      ->add_option("--http-allowed-origins", allowed_origins,
                   "Comma-separated browser origins accepted, e.g. https://app.example.com "
                   "(others get 403)")
      ->envname("HALO_MCP_HTTP_ALLOWED_ORIGINS");
  http_group
      ->add_option("--http-auth-server", http_options.auth_server,
                   "OAuth authorization server URL to advertise (RFC 9728 metadata at "
                   "/.well-known/oauth-protected-resource)")
      ->envname("HALO_MCP_HTTP_AUTH_SERVER");
  http_group
      ->add_option("--http-public-url", http_options.public_url,
                   "Canonical URL of the endpoint, e.g. https://mcp.example.com/mcp (default: "
                   "from the Host header)")
      ->envname("HALO_MCP_HTTP_PUBLIC_URL");
  http_group
      ->add_option("--http-session-idle", session_idle_seconds,
                   "Seconds before an idle session expires [default 1800]")
      ->envname("HALO_MCP_HTTP_SESSION_IDLE")
      ->check(CLI::Range(std::size_t{1}, std::size_t{7 * 24 * 3600}));
  http_group
      ->add_option("--http-max-sessions", http_options.max_sessions,
                   "Most sessions kept; the least recently used idle one is evicted [default "
                   "1000]")
      ->envname("HALO_MCP_HTTP_MAX_SESSIONS")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  http_group
      ->add_option("--http-threads", http_options.threads,
                   "Connections served at once [default 32]")
      ->envname("HALO_MCP_HTTP_THREADS")
      ->check(CLI::Range(std::size_t{2}, std::size_t{1024}));
  http_group
      ->add_option("--http-read-timeout", read_timeout_seconds,
                   "Seconds a slow or idle connection may take to send its request [default 30]")
      ->envname("HALO_MCP_HTTP_READ_TIMEOUT")
      ->check(CLI::Range(std::size_t{1}, std::size_t{3600}));
  http_group->add_option("--tls-cert", http_options.tls_cert, "TLS certificate (PEM) for HTTPS")
      ->envname("HALO_MCP_TLS_CERT");
  http_group->add_option("--tls-key", http_options.tls_key, "TLS private key (PEM) for HTTPS")
      ->envname("HALO_MCP_TLS_KEY");
  app.footer(
      "HTTP security: binds to loopback by default; Origin and Host are checked (403 when "
      "foreign); off loopback every request needs 'Authorization: Bearer <token>' (401 "
      "otherwise). GET /healthz answers liveness without touching HaloPSA. The size limit "
      "(--max-message-bytes) answers 413.");
  CLI11_PARSE(app, argc, argv);
  bool const http = http_flag->count() > 0 || !http_addr.empty();
  if (http) {
    if (http_addr.empty()) http_addr = "127.0.0.1:8787";
    if (!ParseHostPort(http_addr, http_options.host, http_options.port)) {
      std::cerr << "halo-mcp: --http wants HOST:PORT, e.g. 127.0.0.1:8787, got " << http_addr
                << "\n";
      return 2;
    }
    if (!LoadTokens(http_token_file, http_options.tokens)) {
      std::cerr << "halo-mcp: cannot read --http-token-file " << http_token_file << "\n";
      return 2;
    }
    http_options.allowed_hosts = SplitList(allowed_hosts);
    http_options.allowed_origins = SplitList(allowed_origins);
    http_options.session_idle_timeout = std::chrono::seconds(session_idle_seconds);
    http_options.read_timeout = std::chrono::seconds(read_timeout_seconds);
    http_options.max_message_bytes = max_message_bytes;
    http_options.workers = app.count("--workers") ? workers : 16;
    if (auto problem = mcp::CheckTls(http_options)) {  // before anything else starts
      std::cerr << "halo-mcp: " << *problem << "\n";
      return 2;
    }
  }
  if (EnvTrue("HALO_MCP_READ_ONLY")) read_only = true;

  ConfigureLogging(log_level);

  mcp::ToolFilter filter{SplitList(toolsets), SplitList(tools), SplitList(exclude_tools),
                         read_only};
  auto dir = mcp::FindSchemaDir(schema_dir, "/proc/self/exe");
  auto registry = mcp::ToolRegistry::Load(dir, filter);
  if (!registry.ok()) {
    std::cerr << "halo-mcp: " << registry.status().message() << "\n";
    return 2;
  }
  if (list_tools) {
    for (auto const& ts : registry->toolsets()) {
      std::cout << ts.id << (ts.default_enabled ? " (default)" : "") << ": " << ts.description
                << "\n";
    }
    for (auto const& t : registry->tools()) {
      std::cout << "  " << t.name << " [" << t.toolset << (t.read_only() ? ", read" : ", write")
                << "]\n";
    }
    return 0;
  }

  std::unique_ptr<halo_sim::Simulator> sim;
  if (demo) {
    halo_sim::SimOptions sim_options;
    sim = std::make_unique<halo_sim::Simulator>(sim_options);
    if (auto error = sim->Start()) {
      std::cerr << "halo-mcp: could not start the demo tenant: " << *error << "\n";
      return 1;
    }
    // The simulator's own request log is noise next to the server's.
    if (auto sim_logger = spdlog::get("halo_sim")) sim_logger->set_level(spdlog::level::warn);
    spdlog::warn(
        "DEMO MODE: serving a generated demo tenant at {} (not a real HaloPSA; changes "
        "are kept in memory only)",
        sim->base_url());
    overrides.base_url = sim->base_url();
    overrides.tenant = sim->tenant();
    overrides.client_id = sim->client_id();
    overrides.client_secret = sim->client_secret();
  } else {
    if (!base_url.empty()) overrides.base_url = base_url;
    if (!auth_url.empty()) overrides.auth_url = auth_url;
    if (!tenant.empty()) overrides.tenant = tenant;
    if (!client_id.empty()) overrides.client_id = client_id;
    if (!client_secret_file.empty()) {
      std::ifstream in(client_secret_file);
      std::string secret;
      if (!in || !std::getline(in, secret)) {
        std::cerr << "halo-mcp: cannot read the client secret from --client-secret-file "
                  << client_secret_file << "\n";
        return 2;
      }
      overrides.client_secret = secret;
    }
  }
  if (!scope.empty()) overrides.scope = scope;
  if (!rate_limit.empty()) overrides.rate_limit = rate_limit;

  halo::EnvReader env = [](std::string const& name) -> std::optional<std::string> {
    char const* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  auto options = halo::LoadHaloOptions(env, overrides);
  if (!options.ok()) {
    std::cerr << "halo-mcp: " << options.status().message()
              << "\n(run halo-mcp --help for the settings, or halo-mcp --demo to try it)\n";
    return 2;
  }
  options->user_agent = std::string("halo-mcp/") + std::string(mcp::Version());
  auto client = halo::MakeHaloClient(*options);
  if (!client.ok()) {
    std::cerr << "halo-mcp: " << client.status().message() << "\n";
    return 2;
  }

  auto shared_registry = std::make_shared<mcp::ToolRegistry const>(*std::move(registry));
  auto executor = std::make_shared<mcp::ToolExecutor>(
      *client, halo::Status(), shared_registry->lookups(), shared_registry->records());
  mcp::ServerInfo info;
  info.version = std::string(mcp::Version());
  info.instructions = kInstructions;
  mcp::McpServer server(info, shared_registry, executor);

  if (http) {
    mcp::HttpTransport transport(server, http_options);
    if (auto error = transport.Bind()) {
      std::cerr << "halo-mcp: " << *error << "\n";
      if (sim) sim->Stop();
      return 2;
    }
    if (!http_port_file.empty()) {
      std::string tmp = http_port_file + ".tmp";
      {
        std::ofstream out(tmp);
        out << transport.port() << "\n";
      }
      std::rename(tmp.c_str(), http_port_file.c_str());
    }
    std::thread([&transport, signals] {
      int sig = 0;
      if (sigwait(&signals, &sig) == 0) {
        spdlog::info("signal {} received, draining in-flight requests", sig);
        transport.Stop();
      }
    }).detach();
    spdlog::info("halo-mcp {} serving {} tools; listening on {}", mcp::Version(),
                 shared_registry->tools().size(), transport.url());
    transport.Run();
    spdlog::info("halo-mcp stopped");
    return 0;
  }

  mcp::StdioOptions stdio_options;
  stdio_options.max_message_bytes = max_message_bytes;
  stdio_options.workers = workers;
  mcp::StdioTransport transport(server, stdio_options);

  std::thread([&transport, signals] {
    int sig = 0;
    if (sigwait(&signals, &sig) == 0) {
      spdlog::info("signal {} received, shutting down", sig);
      transport.Stop();
    }
  }).detach();

  spdlog::info("halo-mcp {} serving {} tools over stdio (schemas: {})", mcp::Version(),
               shared_registry->tools().size(), dir.string());
  transport.Run();
  spdlog::info("halo-mcp stopped");
  // Locals are destroyed in reverse order: the HaloPSA client (and its keep-alive connections)
  // goes before the demo simulator, whose server would otherwise wait for those to time out.
  return 0;
}
