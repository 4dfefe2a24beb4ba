// The operator's commands through the real binary against the simulator. `doctor`: a working
// set-up, a wrong secret, a scope that lacks a toolset's permission, an unknown acting agent, an
// unreachable address, a skewed clock and missing settings. `call` and `tools`: one tool from
// the shell, its exit status, and the tool list.
#include "sim/simulator.h"
#include "tests/support/mcp_process.h"
#include "tests/support/simulator_env.h"

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>

using Catch::Matchers::Contains;
using halo_test::McpProcess;
using halo_test::SimulatorEnv;
using halo_test::StartSimulator;
using namespace std::chrono_literals;

namespace {

struct Run {
  int exit = -1;
  std::string out, err;
};

/// Runs `halo-mcp ARGS` with exactly these HaloPSA settings (none inherited).
Run Command(std::vector<std::string> const& args, std::map<std::string, std::string> env) {
  for (char const* name :
       {"HALOPSA_BASE_URL", "HALOPSA_TENANT", "HALOPSA_CLIENT_ID", "HALOPSA_CLIENT_SECRET",
        "HALOPSA_SCOPE", "HALOPSA_AGENT", "HALOPSA_AUTH_URL", "HALOPSA_RATE_LIMIT",
        "HALO_MCP_TOOLSETS", "HALO_MCP_LOG_LEVEL"}) {
    env.emplace(name, "");  // empty removes it
  }
  std::vector<std::string> argv{HALO_MCP_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = McpProcess::Start(argv, env);
  p->CloseStdin();
  Run r;
  // Every line comes back whole, JSON or not (McpProcess files non-JSON lines as garbage).
  while (auto message = p->Read(60s)) r.out += message->dump() + "\n";
  r.exit = p->Wait(30s).value_or(-1);
  for (auto const& line : p->stdout_garbage) r.out += line + "\n";
  r.err = p->Stderr();
  return r;
}

Run Doctor(std::vector<std::string> args, std::map<std::string, std::string> env) {
  args.insert(args.begin(), "doctor");
  return Command(args, std::move(env));
}

std::unique_ptr<halo_sim::Simulator> StartSim(int clock_skew_seconds = 0) {
  halo_sim::SimOptions o;
  o.tickets = 50;
  o.clients = 5;
  o.assets = 20;
  o.clock_skew_seconds = clock_skew_seconds;
  return StartSimulator(o);
}

std::map<std::string, std::string> Settings(halo_sim::Simulator const& sim) {
  return SimulatorEnv(sim);
}

}  // namespace

TEST_CASE("doctor: a working set-up passes every check and exits 0", "[e2e][doctor]") {
  auto sim = StartSim();
  auto r = Doctor({"--agent", "1", "--toolsets", "all"}, Settings(*sim));
  INFO(r.out << r.err);
  CHECK(r.exit == 0);
  CHECK_THAT(r.out, Contains("ok    configuration: HaloPSA at " + sim->base_url() + " (tenant " +
                             sim->tenant() + ")"));
  CHECK_THAT(r.out, Contains("ok    reach HaloPSA: " + sim->base_url() + " answered HTTP 200"));
  CHECK_THAT(r.out, Contains("ok    token: obtained an access token for scope 'all'"));
  CHECK_THAT(r.out, Contains("ok    API agent: the API application acts as API Integration"));
  CHECK_THAT(r.out, Contains("ok    acting agent: \"1\" is one active agent"));
  for (auto const* toolset : {"tickets", "customers", "contracts", "people", "lookups"}) {
    CHECK_THAT(r.out, Contains(std::string("ok    toolset ") + toolset + ": read GET /"));
  }
  // The toolset's own records, not a reference list any token may read.
  CHECK_THAT(r.out, Contains("ok    toolset assets: read GET /Asset (halopsa_list_assets)"));
  // A toolset whose every list needs a ticket id fetches nothing unbounded without one.
  CHECK_THAT(r.out, Contains("skip  toolset attachments: every read needs arguments"));
  CHECK_THAT(r.out, Contains("ok    clock: this machine's clock agrees with HaloPSA's"));
  CHECK_THAT(r.out, Contains("ok    rate limit: budget 300 requests per 300 s"));
  CHECK_THAT(r.out, !Contains("FAIL"));
  CHECK_THAT(r.out, Contains("halo-mcp doctor: everything needed works"));
  CHECK_THAT(r.out + r.err, !Contains(sim->client_secret()));
}

TEST_CASE("doctor: a wrong secret fails the token check and says what to fix", "[e2e][doctor]") {
  auto sim = StartSim();
  auto env = Settings(*sim);
  std::string const wrong = "wrong-secret-4f1d9c2e7a";
  env["HALOPSA_CLIENT_SECRET"] = wrong;
  auto r = Doctor({}, env);
  INFO(r.out << r.err);
  CHECK(r.exit == 1);
  CHECK_THAT(r.out, Contains("ok    reach HaloPSA"));
  CHECK_THAT(r.out, Contains("FAIL  token: HaloPSA rejected the client credentials (invalid_client)"
                             ": check HALOPSA_CLIENT_ID and HALOPSA_CLIENT_SECRET"));
  CHECK_THAT(r.out, Contains("skip  API agent and reads: they need a token"));
  CHECK_THAT(r.out, Contains("1 problem to fix"));
  CHECK_THAT(r.out + r.err, !Contains(wrong));
}

TEST_CASE("doctor: a scope without a toolset's permission fails that toolset only",
          "[e2e][doctor]") {
  auto sim = StartSim();
  auto env = Settings(*sim);
  env["HALOPSA_SCOPE"] = "read:tickets";
  auto r = Doctor({"--toolsets", "tickets,customers,assets"}, env);
  INFO(r.out << r.err);
  CHECK(r.exit == 1);
  CHECK_THAT(r.out, Contains("ok    token: obtained an access token for scope 'read:tickets'"));
  CHECK_THAT(r.out, Contains("ok    toolset tickets: read GET /Tickets"));
  CHECK_THAT(r.out, Contains("FAIL  toolset customers: HaloPSA refused GET /Client"));
  CHECK_THAT(r.out, Contains("FAIL  toolset assets: HaloPSA refused GET /Asset"));
  CHECK_THAT(r.out, Contains("--toolsets"));
  CHECK_THAT(r.out, Contains("2 problems to fix"));
}

TEST_CASE("doctor: an acting agent that is no agent fails", "[e2e][doctor]") {
  auto sim = StartSim();
  auto r = Doctor({"--agent", "Nobody Atall"}, Settings(*sim));
  INFO(r.out << r.err);
  CHECK(r.exit == 1);
  CHECK_THAT(r.out, Contains("FAIL  acting agent: "));
  CHECK_THAT(r.out, Contains("Nobody Atall"));
  CHECK_THAT(r.out, Contains("ok    toolset tickets"));
}

TEST_CASE("doctor: no acting agent is a warning, not a failure", "[e2e][doctor]") {
  auto sim = StartSim();
  auto r = Doctor({}, Settings(*sim));
  INFO(r.out << r.err);
  CHECK(r.exit == 0);
  CHECK_THAT(r.out, Contains("warn  acting agent: not set: notes, time and \"me\" are API "
                             "Integration's; set --agent or HALOPSA_AGENT"));
}

TEST_CASE("doctor: an address that does not answer fails the reach check", "[e2e][doctor]") {
  auto sim = StartSim();
  auto env = Settings(*sim);
  std::string const base = sim->base_url();
  sim->Stop();  // nothing listens on that port now
  auto r = Doctor({}, env);
  INFO(r.out << r.err);
  CHECK(r.exit == 1);
  CHECK_THAT(r.out, Contains("FAIL  reach HaloPSA: cannot reach " + base));
  CHECK_THAT(r.out, Contains("check HALOPSA_BASE_URL"));
  CHECK_THAT(r.out, Contains("skip  token: HaloPSA is not reachable"));
}

TEST_CASE("doctor: a skewed clock is reported, and is not a failure", "[e2e][doctor]") {
  auto sim = StartSim(900);
  auto r = Doctor({}, Settings(*sim));
  INFO(r.out << r.err);
  CHECK(r.exit == 0);
  std::string const prefix = "warn  clock: this machine's clock is ";
  auto at = r.out.find(prefix);
  REQUIRE(at != std::string::npos);
  int const seconds = std::stoi(r.out.substr(at + prefix.size()));
  CHECK(seconds >= 895);  // the header has whole seconds, and the answer takes a moment
  CHECK(seconds <= 905);
  CHECK_THAT(r.out, Contains(" s behind HaloPSA's"));
}

TEST_CASE("doctor: missing settings fail the configuration line", "[e2e][doctor]") {
  auto r = Doctor({}, {});
  INFO(r.out << r.err);
  CHECK(r.exit == 1);
  CHECK_THAT(r.out, Contains("FAIL  configuration: "));
  CHECK_THAT(r.out, Contains("HALOPSA_BASE_URL"));
}

TEST_CASE("doctor --demo checks the embedded demo tenant", "[e2e][doctor]") {
  auto r = Doctor({"--demo"}, {});
  INFO(r.out << r.err);
  CHECK(r.exit == 0);
  CHECK_THAT(r.out, Contains("ok    toolset tickets"));
}

TEST_CASE("call: one tool from the shell, text or --json, through tools/call", "[e2e][call]") {
  auto sim = StartSim();
  auto env = Settings(*sim);
  auto text = Command({"call", "halopsa_list_statuses"}, env);
  INFO(text.out << text.err);
  CHECK(text.exit == 0);
  CHECK_THAT(text.out, Contains("statuses of"));
  CHECK_THAT(text.out, Contains("id|name|"));

  auto structured =
      Command({"call", "halopsa_list_tickets", "open_only=true", "limit:=3", "--json"}, env);
  INFO(structured.out << structured.err);
  CHECK(structured.exit == 0);
  // Pretty-printed JSON spans lines; McpProcess saw them one by one.
  CHECK_THAT(structured.out, Contains("\"items\": ["));
  CHECK_THAT(structured.out, Contains("\"returned\": 3"));

  auto object = Command({"call", "halopsa_get_ticket", R"({"id": 1001})"}, env);
  INFO(object.out << object.err);
  CHECK(object.exit == 0);
  CHECK_THAT(object.out, Contains("1001"));
}

TEST_CASE("call: bad arguments, a tool error and an unknown tool have distinct exit statuses",
          "[e2e][call]") {
  auto sim = StartSim();
  auto env = Settings(*sim);
  auto invalid = Command({"call", "halopsa_get_ticket", "id=abc"}, env);
  CHECK(invalid.exit == 1);
  CHECK_THAT(invalid.err, Contains("Invalid arguments for halopsa_get_ticket"));

  auto missing = Command({"call", "halopsa_get_ticket", "id:=999999"}, env);
  CHECK(missing.exit == 1);
  CHECK(missing.out.empty());

  auto unreadable = Command({"call", "halopsa_get_ticket", "id"}, env);
  CHECK(unreadable.exit == 2);
  CHECK_THAT(unreadable.err, Contains("\"id\" is not an argument"));

  auto unknown = Command({"call", "halopsa_no_such_tool"}, env);
  CHECK(unknown.exit == 2);
  CHECK_THAT(unknown.err, Contains("Unknown tool: halopsa_no_such_tool"));

  auto refused = Command({"--read-only", "call", "halopsa_delete_ticket", "id:=1001"}, env);
  CHECK(refused.exit == 1);
  CHECK_THAT(refused.err, Contains("is disabled on this server: the server is read-only"));
  // Each refusal names its own cause, and what the server's owner would change.
  auto off = Command({"call", "halopsa_create_appointment"}, env);
  CHECK(off.exit == 1);
  CHECK_THAT(off.err,
             Contains("its toolset \"calendar\" is not enabled; the server's owner can "
                      "add it with --toolsets (HALO_MCP_TOOLSETS), e.g. default,calendar"));
  auto excluded = Command(
      {"--exclude-tools", "halopsa_get_ticket", "call", "halopsa_get_ticket", "id:=1"}, env);
  CHECK(excluded.exit == 1);
  CHECK_THAT(excluded.err, Contains("disabled on this server: --exclude-tools names it"));
}

TEST_CASE("tools: the exposed tools, and one tool's arguments", "[e2e][call]") {
  auto all = Command({"tools"}, {});
  CHECK(all.exit == 0);
  CHECK_THAT(all.out, Contains("halopsa_list_tickets  [tickets, read]"));
  CHECK_THAT(all.out, Contains("halopsa_delete_ticket  [tickets, write]"));
  auto read_only = Command({"tools", "--read-only"}, {});
  CHECK_THAT(read_only.out, !Contains("halopsa_delete_ticket"));
  auto one = Command({"tools", "halopsa_get_ticket"}, {});
  CHECK(one.exit == 0);
  CHECK_THAT(one.out, Contains("  id (integer, required)"));
}
