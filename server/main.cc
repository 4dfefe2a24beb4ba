// halo-mcp: HaloPSA tools for AI assistants over the Model Context Protocol.
#include "halo/halo_client.h"
#include "halo/options.h"
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
      "halo-mcp: HaloPSA tools for AI assistants (Model Context Protocol over stdio).\n"
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
  CLI11_PARSE(app, argc, argv);
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
  if (sim) sim->Stop();
  return 0;
}
