// halo-mcp: HaloPSA tools for AI assistants over the Model Context Protocol.
#include "halo/beast_client.h"
#include "halo/halo_client.h"
#include "halo/options.h"
#include "server/audit_log.h"
#include "server/cli_call.h"
#include "server/client_seams.h"
#include "server/completions.h"
#include "server/demo_simulator.h"
#include "server/doctor.h"
#include "server/http_transport.h"
#include "server/jwks_source.h"
#include "server/mcp_server.h"
#include "server/metered.h"
#include "server/prompts.h"
#include "server/resources.h"
#include "server/server_options.h"
#include "server/shared_lookup_cache.h"
#include "server/shared_sessions.h"
#include "server/signals.h"
#include "server/stdio_transport.h"
#include "server/terminal_hint.h"
#include "server/token_file.h"
#include "server/tool_executor.h"
#include "server/tool_registry.h"
#include "server/version.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <system_error>
#include <unistd.h>

namespace {

/// The demo tenant's seed: the simulator's default, so the demo matches sim/README.md's ids.
constexpr std::uint64_t kDemoSeed = 1;

constexpr char kInstructions[] =
    "HaloPSA service desk tools. Clients, sites, users, agents, teams, statuses, ticket types, "
    "priorities, outcomes and categories are named by name (or email) or id; \"me\" is the "
    "acting technician. Reads accept a unique partial name; changes need the exact name or id "
    "and otherwise answer with candidates. Usual flow: halopsa_list_tickets (filters combine: "
    "client, agent \"me\", open_only, dates) or halopsa_get_ticket; halopsa_add_action for a "
    "private note or time. Lists return compact rows: ask for `fields` or detail:\"full\" only "
    "when needed, and continue with `cursor`. Deletes, and bulk changes over 50 records, need "
    "confirm:true (hosts that support elicitation ask the person instead).";

/// Client tokens: the token file's entries (digests with their principals, see token_file.h),
/// plus the clear-text, comma-separated HALO_MCP_HTTP_TOKENS.
bool LoadCredentials(mcp::ServerOptions const& o, mcp::HttpOptions& http) {
  if (!o.http_token_file.empty()) {
    std::ifstream in(o.http_token_file);
    if (!in) {
      std::cerr << "halo-mcp: cannot read --http-token-file " << o.http_token_file << "\n";
      return false;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = mcp::ParseTokenFile(text, o.agent);
    if (!parsed.ok()) {
      std::cerr << "halo-mcp: --http-token-file " << o.http_token_file << ": "
                << parsed.status().message() << "\n";
      return false;
    }
    http.credentials = *std::move(parsed);
  }
  if (char const* env = std::getenv("HALO_MCP_HTTP_TOKENS")) {
    for (auto& t : mcp::SplitList(env)) http.tokens.push_back(t);
  }
  return true;
}

/// `halo-mcp token add`: appends the technician and prints their token, which is shown once.
int AddToken(mcp::ServerOptions const& o, mcp::ToolRegistry const& registry) {
  auto const& t = o.token_add;
  mcp::ToolPolicy policy = t.policy;
  if (auto s = policy.Resolve(registry); !s.ok()) {
    std::cerr << "halo-mcp: " << s.message() << "\n";
    return 2;
  }
  std::string token = mcp::NewClientToken();
  auto s = mcp::AppendTokenEntry(o.http_token_file,
                                 mcp::TokenFileEntry(token, t.name, t.agent, policy), t.name);
  if (!s.ok()) {
    std::cerr << "halo-mcp: " << s.message() << "\n";
    return 2;
  }
  std::cerr << "added " << t.name << " to " << o.http_token_file
            << " (only a digest is stored; the token below is not shown again)\n";
  std::cout << token << "\n";
  return 0;
}

/// JWT access tokens (--http-jwt-issuer): the verifier, with the issuer's keys fetched now so
/// that the first technician does not wait. An issuer that cannot be reached yet is not fatal:
/// token-file technicians keep working, and the keys are fetched again on demand.
void StartJwtValidation(mcp::JwtSettings const& settings, mcp::HttpOptions& http) {
  if (settings.issuer.empty()) return;
  halo::HttpClientOptions client;
  client.connections_per_origin = 1;
  // Short: a fetch runs on the I/O thread that met a stale key set or an unknown kid.
  client.connect_timeout = std::chrono::seconds(2);
  client.read_timeout = std::chrono::seconds(3);
  auto source = std::make_shared<mcp::HttpJwksSource>(settings.issuer, settings.jwks_url,
                                                      halo::MakeHttpClient(client));
  http.jwt = std::make_shared<mcp::JwtVerifier>(settings, std::move(source),
                                                std::make_shared<mcp::SystemWallClock>());
  spdlog::info("oauth: accepting JWTs from {} for audience {}, agent from claim \"{}\"",
               settings.issuer, settings.audience, settings.agent_claim);
  if (auto primed = http.jwt->Prime(); !primed.ok()) spdlog::warn("oauth: {}", primed.message());
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
  sigset_t const signals = mcp::BlockTerminationSignals();
  halo::EnvReader env = [](std::string const& name) -> std::optional<std::string> {
    char const* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  auto parsed = mcp::ParseServerOptions(std::vector<std::string>(argv + 1, argv + argc), env);
  if (!parsed.run) {
    (parsed.exit_code == 0 ? std::cout : std::cerr)
        << parsed.output << (parsed.output.empty() || parsed.output.back() == '\n' ? "" : "\n");
    return parsed.exit_code;
  }
  mcp::ServerOptions& o = parsed.options;
  auto& http_options = o.http_options;
  if (o.http) {
    if (!LoadCredentials(o, http_options)) return 2;
    if (!o.metrics_token_file.empty()) {
      std::ifstream in(o.metrics_token_file);
      if (!in || !std::getline(in, http_options.metrics_token) ||
          http_options.metrics_token.empty()) {
        std::cerr << "halo-mcp: cannot read a token from --metrics-token-file "
                  << o.metrics_token_file << "\n";
        return 2;
      }
    }
    if (auto problem = mcp::CheckTls(http_options)) {  // before anything else starts
      std::cerr << "halo-mcp: " << *problem << "\n";
      return 2;
    }
  }
  ConfigureLogging(o.log_level);
  if (o.http) StartJwtValidation(o.jwt, http_options);
  if (!o.timezone.empty()) {
    // Before any thread starts: localtime_r reads TZ, and setenv is not thread-safe.
    if (!std::filesystem::exists("/usr/share/zoneinfo/" + o.timezone)) {
      std::cerr << "halo-mcp: --timezone/HALOPSA_TIMEZONE: unknown time zone \"" << o.timezone
                << "\" (use an IANA name such as Europe/London or America/New_York)\n";
      return 2;
    }
    setenv("TZ", o.timezone.c_str(), 1);
    tzset();
  }
  auto const time_zone =
      mcp::ProcessTimeZone(o.timezone.empty() ? "the server's local time zone" : o.timezone);

  auto dir = mcp::FindSchemaDir(o.schema_dir, "/proc/self/exe");
  auto registry = mcp::ToolRegistry::Load(dir, o.filter);
  if (!registry.ok()) {
    std::cerr << "halo-mcp: " << registry.status().message() << "\n";
    return 2;
  }
  if (o.command == mcp::ServerOptions::Command::kTools) {
    return mcp::PrintTools(*registry, o.tool, o.json_output, std::cout, std::cerr);
  }
  nlohmann::json call_arguments;  // checked before anything starts
  if (o.command == mcp::ServerOptions::Command::kCall) {
    auto arguments = mcp::ParseCallArguments(o.tool_arguments);
    if (!arguments.ok()) {
      std::cerr << "halo-mcp call: " << arguments.status().message() << "\n";
      return 2;
    }
    call_arguments = *std::move(arguments);
  }
  auto prompts = mcp::PromptCatalog::Load(dir, *registry);
  if (!prompts.ok()) {
    std::cerr << "halo-mcp: " << prompts.status().message() << "\n";
    return 2;
  }
  if (o.command == mcp::ServerOptions::Command::kListTools) {
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
  if (o.command == mcp::ServerOptions::Command::kTokenAdd) return AddToken(o, *registry);
  if (auto s = mcp::ResolvePolicies(http_options.credentials, *registry); !s.ok()) {
    std::cerr << "halo-mcp: --http-token-file: " << s.message() << "\n";
    return 2;
  }

  std::unique_ptr<mcp::DemoSimulator> sim;
  halo::HaloOptionOverrides overrides = o.halo;
  if (o.demo) {
    // A separate process, so that halo-mcp links neither the simulator nor its HTTP server.
    auto started = mcp::StartDemoSimulator(kDemoSeed);
    if (!started.ok()) {
      std::cerr << "halo-mcp: " << started.status().message() << "\n";
      return 1;
    }
    sim = *std::move(started);
    spdlog::warn(
        "DEMO MODE: serving a generated demo tenant at {} (not a real HaloPSA; changes "
        "are kept in memory only)",
        sim->base_url());
    overrides.base_url = sim->base_url();
    overrides.tenant = sim->tenant();
    overrides.client_id = sim->client_id();
    overrides.client_secret = sim->client_secret();
  } else if (!o.client_secret_file.empty()) {
    std::ifstream in(o.client_secret_file);
    std::string secret;
    if (!in || !std::getline(in, secret)) {
      std::cerr << "halo-mcp: cannot read the client secret from --client-secret-file "
                << o.client_secret_file << "\n";
      return 2;
    }
    overrides.client_secret = secret;
  }

  auto options = halo::LoadHaloOptions(env, overrides);
  bool const doctor = o.command == mcp::ServerOptions::Command::kDoctor;
  if (!options.ok() && doctor) {
    std::cout << mcp::ConfigurationFailure(options.status().message()).Render();
    return 1;
  }
  if (!options.ok()) {
    std::cerr << "halo-mcp: " << options.status().message()
              << "\n(run halo-mcp --help for the settings, or halo-mcp --demo to try it)\n";
    return 2;
  }
  options->user_agent = std::string("halo-mcp/") + std::string(mcp::Version());
  auto metrics = std::make_shared<mcp::Metrics>();
  halo::ClientDependencies deps;
  std::shared_ptr<mcp::SharedState> shared_state;
  std::string shared_prefix;
  if (o.http || !o.shared_state.empty()) {
    auto seams = mcp::BuildClientSeams(*options, {o.shared_state, o.shared_replicas}, metrics);
    if (!seams.ok()) {
      std::cerr << "halo-mcp: " << seams.status().message() << "\n";
      return 2;
    }
    deps = seams->deps;
    shared_state = seams->shared;
    shared_prefix = seams->shared_prefix;
  }
  auto client = halo::MakeHaloClient(*options, deps);
  if (!client.ok()) {
    std::cerr << "halo-mcp: " << client.status().message() << "\n";
    return 2;
  }

  auto shared_registry = std::make_shared<mcp::ToolRegistry const>(*std::move(registry));
  mcp::ExecutorOptions executor_options;
  executor_options.time_zone = time_zone;
  executor_options.ticket_source = o.ticket_source;
  executor_options.confirmer = std::make_shared<mcp::Confirmer const>(mcp::DeriveConfirmationKey(
      options->client_secret, options->base_url + "|" + options->client_id));
  executor_options.openapi_index = dir / "openapi-index.json";
  executor_options.allow_api_writes = o.allow_api_writes && !o.filter.read_only;
  if (shared_state) {
    executor_options.shared_lookups =
        std::make_shared<mcp::SharedStateLookupCache>(shared_state, shared_prefix);
    http_options.shared_sessions = std::make_shared<mcp::SharedSessions>(
        shared_state, shared_prefix, http_options.session_idle_timeout);
  }
  auto executor =
      std::make_shared<mcp::ToolExecutor>(*client, halo::Status(), shared_registry->lookups(),
                                          shared_registry->records(), executor_options);
  mcp::ServerInfo info;
  info.version = std::string(mcp::Version());
  info.instructions = kInstructions;
  info.structured_content = o.structured_content;
  info.instructions_note = [time_zone] {
    auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    return "Today is " + mcp::TenantDate(now, *time_zone) + " (" + time_zone->name() + ", UTC" +
           mcp::FormatOffset(time_zone->OffsetAt(now)) +
           "); date arguments take YYYY-MM-DD, today, yesterday or -7d in that zone.";
  };
  auto principal = std::make_shared<mcp::Principal const>(mcp::Principal{"local", o.agent, {}});
  if (doctor) {
    mcp::DoctorInputs inputs{
        *options,
        *client,
        halo::MakeHttpClient({1, options->connect_timeout, options->read_timeout}),
        shared_registry,
        executor,
        principal};
    auto report = mcp::RunDoctor(inputs);
    std::cout << report.Render() << std::flush;
    return report.ok() ? 0 : 1;
  }
  if (auto agent = executor->CheckActingAgent(principal); !agent.ok()) {
    if (agent.code() == halo::StatusCode::kInvalidArgument ||
        agent.code() == halo::StatusCode::kFailedPrecondition) {
      std::cerr << "halo-mcp: --agent/HALOPSA_AGENT: " << agent.message() << "\n";
      return 2;
    }
    spdlog::warn("could not check the acting agent \"{}\" yet ({}); it is checked again on use",
                 o.agent, agent.message());
  }
  for (auto const& c : http_options.credentials) {
    if (!c.principal || c.principal->agent.empty() || c.principal->agent == o.agent) continue;
    if (auto agent = executor->CheckActingAgent(c.principal); !agent.ok()) {
      spdlog::warn("token \"{}\": agent \"{}\": {} (its writes will be refused until fixed)",
                   c.principal->name, c.principal->agent, agent.message());
    }
  }
  std::shared_ptr<mcp::ToolCaller> caller = executor;
  if (!o.audit_log.empty()) {
    std::shared_ptr<mcp::AuditSink> sink;
    if (o.audit_log == "-") {
      sink = std::make_shared<mcp::StderrAuditSink>();
    } else {
      std::string error;
      sink = mcp::FileAuditSink::Open(o.audit_log, o.audit_max_bytes, o.audit_keep, error);
      if (!sink) {
        std::cerr << "halo-mcp: --audit-log: " << error << "\n";
        return 2;
      }
    }
    caller = std::make_shared<mcp::AuditingCaller>(caller, sink, o.audit_include_bodies);
  }
  if (o.http) caller = std::make_shared<mcp::MeteredCaller>(caller, metrics);
  mcp::McpServer server(info, shared_registry, caller, principal);
  if (o.command == mcp::ServerOptions::Command::kCall) {
    return mcp::RunToolCall(server, o.tool, call_arguments, o.json_output, std::cout, std::cerr);
  }
  auto prompt_catalog = std::make_shared<mcp::PromptCatalog const>(*std::move(prompts));
  mcp::RegisterPrompts(server, prompt_catalog);
  auto resource_catalog = std::make_shared<mcp::ResourceCatalog const>(
      shared_registry,
      [executor](mcp::ToolSpec const& tool, nlohmann::json const& args, mcp::CallScope& scope) {
        return executor->ReadRecord(tool, args, scope);
      },
      executor);
  mcp::RegisterResources(server, resource_catalog);
  mcp::RegisterCompletions(server, prompt_catalog, resource_catalog,
                           [executor](std::string const& kind, std::string const& prefix,
                                      halo::CallContext const& ctx, std::size_t max, bool* more) {
                             return executor->resolver().NamesStartingWith(kind, prefix, ctx, max,
                                                                           more);
                           });

  if (o.http) {
    http_options.metrics = [metrics] { return metrics->Render(); };
    mcp::HttpTransport transport(server, http_options);
    metrics->AddGauge("halo_mcp_sessions", "Legacy HTTP sessions open.",
                      [&transport] { return static_cast<double>(transport.session_count()); });
    if (auto error = transport.Bind()) {
      std::cerr << "halo-mcp: " << *error << "\n";
      return 2;
    }
    if (!o.http_port_file.empty()) {
      std::string tmp = o.http_port_file + ".tmp";
      {
        std::ofstream out(tmp);
        out << transport.port() << "\n";
      }
      std::rename(tmp.c_str(), o.http_port_file.c_str());
    }
    mcp::TerminationWatcher watcher(signals, [&transport](int sig) {
      spdlog::info("signal {} received, draining in-flight requests", sig);
      transport.Stop();
    });
    spdlog::info("halo-mcp {} serving {} tools; listening on {}", mcp::Version(),
                 shared_registry->tools().size(), transport.url());
    transport.Run();
    spdlog::info("halo-mcp stopped");
    return 0;
  }

  mcp::StdioOptions stdio_options;
  stdio_options.max_message_bytes = o.max_message_bytes;
  stdio_options.max_response_bytes = o.max_response_bytes;
  stdio_options.workers = o.workers;
  mcp::StdioTransport transport(server, stdio_options);
  mcp::TerminationWatcher watcher(signals, [&transport](int sig) {
    spdlog::info("signal {} received, shutting down", sig);
    transport.Stop();
  });

  spdlog::info("halo-mcp {} serving {} tools over stdio (schemas: {})", mcp::Version(),
               shared_registry->tools().size(), dir.string());
  if (isatty(STDIN_FILENO) == 1) {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    std::cerr << mcp::TerminalHint(ec ? std::string(argv[0]) : exe.string(), o.demo);
  }
  transport.Run();
  spdlog::info("halo-mcp stopped");
  // Locals are destroyed in reverse order: the HaloPSA client (and its keep-alive connections)
  // goes before the demo simulator, whose server would otherwise wait for those to time out.
  return 0;
}
