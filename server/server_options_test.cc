#include "server/server_options.h"

#include <catch2/catch.hpp>

#include <map>

using mcp::ParseServerOptions;
using mcp::ServerOptions;

namespace {

halo::EnvReader Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string const& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

mcp::ParsedOptions Parse(std::vector<std::string> args,
                         std::map<std::string, std::string> env = {}) {
  return ParseServerOptions(args, Env(std::move(env)));
}

}  // namespace

TEST_CASE("Defaults serve stdio with the default toolsets", "[server][options]") {
  auto p = Parse({});
  REQUIRE(p.run);
  ServerOptions const& o = p.options;
  CHECK(o.command == ServerOptions::Command::kServe);
  CHECK_FALSE(o.http);
  CHECK_FALSE(o.demo);
  CHECK(o.workers == 4);
  CHECK(o.log_level == "info");
  CHECK(o.filter.toolsets.empty());
  CHECK_FALSE(o.filter.read_only);
  CHECK_FALSE(o.halo.base_url);
}

TEST_CASE("Variables stand in for flags, and flags win", "[server][options]") {
  auto p = Parse({"--toolsets", "tickets,lookups"}, {{"HALO_MCP_TOOLSETS", "all"},
                                                     {"HALO_MCP_READ_ONLY", "true"},
                                                     {"HALO_MCP_LOG_LEVEL", "debug"},
                                                     {"HALOPSA_AGENT", "alex@example.com"},
                                                     {"HALO_MCP_EXCLUDE_TOOLS", " a , b ,,"}});
  REQUIRE(p.run);
  CHECK(p.options.filter.toolsets == std::vector<std::string>{"tickets", "lookups"});
  CHECK(p.options.filter.read_only);
  CHECK(p.options.log_level == "debug");
  CHECK(p.options.agent == "alex@example.com");
  CHECK(p.options.filter.exclude == std::vector<std::string>{"a", "b"});
  CHECK(Parse({"--agent=Sam"}, {{"HALOPSA_AGENT", "Alex"}}).options.agent == "Sam");
  CHECK(Parse({}, {{"HALOPSA_TICKET_SOURCE", "14"}}).options.ticket_source == 14);
  CHECK(Parse({"--ticket-source", "9"}).options.ticket_source == 9);
  CHECK_FALSE(Parse({"--ticket-source", "-1"}).run);
  CHECK_FALSE(Parse({}, {{"HALO_MCP_READ_ONLY", "0"}}).options.filter.read_only);
}

TEST_CASE("API writes are off unless asked for by flag or variable", "[server][options]") {
  CHECK_FALSE(Parse({}, {}).options.allow_api_writes);
  CHECK(Parse({"--allow-api-writes"}, {}).options.allow_api_writes);
  CHECK(Parse({}, {{"HALO_MCP_API_WRITES", "1"}}).options.allow_api_writes);
  CHECK_FALSE(Parse({}, {{"HALO_MCP_API_WRITES", "0"}}).options.allow_api_writes);
  auto bad = Parse({}, {{"HALO_MCP_API_WRITES", "perhaps"}});
  CHECK_FALSE(bad.run);
  CHECK_THAT(bad.output, Catch::Matchers::Contains("HALO_MCP_API_WRITES must be 1 or 0"));
}

TEST_CASE("Dynamic toolsets are off unless asked for by flag or variable", "[server][options]") {
  CHECK_FALSE(Parse({}, {}).options.filter.dynamic_toolsets);
  CHECK(Parse({"--dynamic-toolsets"}, {}).options.filter.dynamic_toolsets);
  CHECK(Parse({}, {{"HALO_MCP_DYNAMIC_TOOLSETS", "1"}}).options.filter.dynamic_toolsets);
  CHECK_FALSE(Parse({}, {{"HALO_MCP_DYNAMIC_TOOLSETS", "off"}}).options.filter.dynamic_toolsets);
  auto both = Parse({"--dynamic-toolsets", "--read-only", "--toolsets", "tickets"}, {});
  CHECK(both.options.filter.dynamic_toolsets);
  CHECK(both.options.filter.read_only);
  CHECK(both.options.filter.toolsets == std::vector<std::string>{"tickets"});
  auto bad = Parse({}, {{"HALO_MCP_DYNAMIC_TOOLSETS", "sometimes"}});
  CHECK_FALSE(bad.run);
  CHECK_THAT(bad.output, Catch::Matchers::Contains("HALO_MCP_DYNAMIC_TOOLSETS must be 1 or 0"));
}

TEST_CASE("A bad variable or flag stops with a message naming it", "[server][options]") {
  auto bad_switch = Parse({}, {{"HALO_MCP_READ_ONLY", "maybe"}});
  CHECK_FALSE(bad_switch.run);
  CHECK(bad_switch.exit_code == 2);
  CHECK_THAT(bad_switch.output, Catch::Matchers::Contains("HALO_MCP_READ_ONLY must be 1 or 0"));

  auto bad_level = Parse({}, {{"HALO_MCP_LOG_LEVEL", "loud"}});
  CHECK_FALSE(bad_level.run);
  CHECK(bad_level.exit_code != 0);
  CHECK_THAT(bad_level.output, Catch::Matchers::Contains("--log-level"));

  auto unknown = Parse({"--no-such-flag"});
  CHECK_FALSE(unknown.run);
  CHECK(unknown.exit_code != 0);
  CHECK_THAT(unknown.output, Catch::Matchers::StartsWith("halo-mcp: "));

  auto workers = Parse({"--workers", "500"});
  CHECK_FALSE(workers.run);
  CHECK_THAT(workers.output, Catch::Matchers::Contains("--workers"));
}

TEST_CASE("Help and version: --help and --version print and exit 0", "[server][options]") {
  auto help = Parse({"--help"});
  CHECK_FALSE(help.run);
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.output, Catch::Matchers::Contains("--http"));
  CHECK_THAT(help.output, Catch::Matchers::Contains("HALOPSA_AGENT"));
  auto version = Parse({"--version"});
  CHECK_FALSE(version.run);
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.output, Catch::Matchers::StartsWith("halo-mcp "));
}

TEST_CASE("HTTP settings", "[server][options]") {
  auto bare = Parse({"--http"});
  REQUIRE(bare.run);
  CHECK(bare.options.http);
  CHECK(bare.options.http_options.host == "127.0.0.1");
  CHECK(bare.options.http_options.port == 8787);
  CHECK(bare.options.http_options.workers == 16);

  auto p = Parse({"--http", "[::1]:0", "--workers", "3", "--max-message-bytes", "2048"},
                 {{"HALO_MCP_HTTP_ALLOWED_ORIGINS", "https://a.example, https://b.example"},
                  {"HALO_MCP_HTTP_SESSION_IDLE", "60"}});
  REQUIRE(p.run);
  auto const& h = p.options.http_options;
  CHECK(h.host == "::1");
  CHECK(h.port == 0);
  CHECK(h.workers == 3);
  CHECK(h.max_message_bytes == 2048);
  CHECK(h.allowed_origins == std::vector<std::string>{"https://a.example", "https://b.example"});
  CHECK(h.session_idle_timeout == std::chrono::seconds(60));

  auto env_only = Parse({}, {{"HALO_MCP_HTTP", ":9000"}});
  REQUIRE(env_only.run);
  CHECK(env_only.options.http);
  CHECK(env_only.options.http_options.port == 9000);

  for (std::string bad : {"nohost", "127.0.0.1:99999", "127.0.0.1:12x", "127.0.0.1:"}) {
    auto r = Parse({"--http", bad});
    INFO(bad);
    CHECK_FALSE(r.run);
    CHECK_THAT(r.output, Catch::Matchers::Contains("HOST:PORT"));
  }
}

TEST_CASE("HaloPSA connection flags are passed on, --list-tools is a command",
          "[server][options]") {
  auto p = Parse({"--base-url", "https://acme.halopsa.com", "--tenant", "acme", "--rate-limit",
                  "off", "--list-tools"});
  REQUIRE(p.run);
  CHECK(p.options.command == ServerOptions::Command::kListTools);
  CHECK(p.options.halo.base_url == "https://acme.halopsa.com");
  CHECK(p.options.halo.tenant == "acme");
  CHECK(p.options.halo.rate_limit == "off");
  CHECK_FALSE(p.options.halo.client_id);
}

TEST_CASE("structuredContent can be turned off", "[server][options]") {
  CHECK(Parse({}).options.structured_content);
  CHECK_FALSE(Parse({}, {{"HALO_MCP_STRUCTURED_CONTENT", "off"}}).options.structured_content);
  CHECK_FALSE(Parse({"--structured-content", "OFF"}).options.structured_content);
  auto bad = Parse({"--structured-content", "sometimes"});
  CHECK_FALSE(bad.run);
  CHECK_THAT(bad.output, Catch::Matchers::Contains("--structured-content"));
}

TEST_CASE("doctor, call and tools are commands, options may come before or after them",
          "[server][options]") {
  auto doctor = Parse({"doctor", "--agent", "Sam", "--toolsets", "all"});
  REQUIRE(doctor.run);
  CHECK(doctor.options.command == ServerOptions::Command::kDoctor);
  CHECK(doctor.options.agent == "Sam");
  CHECK(doctor.options.filter.toolsets == std::vector<std::string>{"all"});
  CHECK(doctor.options.log_level == "warn");  // the report is the output; logs stay quiet
  CHECK(Parse({"doctor", "--log-level", "debug"}).options.log_level == "debug");
  CHECK(Parse({"doctor"}, {{"HALO_MCP_LOG_LEVEL", "info"}}).options.log_level == "info");

  auto call = Parse({"--demo", "call", "halopsa_get_ticket", "id:=1001", "full_text=true", "--json",
                     "--read-only"});
  REQUIRE(call.run);
  CHECK(call.options.command == ServerOptions::Command::kCall);
  CHECK(call.options.demo);
  CHECK(call.options.filter.read_only);
  CHECK(call.options.tool == "halopsa_get_ticket");
  CHECK(call.options.tool_arguments == std::vector<std::string>{"id:=1001", "full_text=true"});
  CHECK(call.options.json_output);
  CHECK(call.options.log_level == "warn");

  auto tools = Parse({"tools", "halopsa_list_tickets"});
  REQUIRE(tools.run);
  CHECK(tools.options.command == ServerOptions::Command::kTools);
  CHECK(tools.options.tool == "halopsa_list_tickets");
  CHECK_FALSE(tools.options.json_output);
  CHECK(Parse({"tools"}).options.tool.empty());
}

TEST_CASE("call needs a tool, an unknown command is refused", "[server][options]") {
  auto no_tool = Parse({"call"});
  CHECK_FALSE(no_tool.run);
  CHECK(no_tool.exit_code != 0);
  CHECK_THAT(no_tool.output, Catch::Matchers::Contains("tool"));
  auto unknown = Parse({"doktor"});
  CHECK_FALSE(unknown.run);
  CHECK(unknown.exit_code != 0);
  auto two = Parse({"doctor", "tools"});
  CHECK_FALSE(two.run);
}

TEST_CASE("Team settings: audit, metrics, shared state and token add", "[server][options]") {
  auto p = Parse({"--http", "--audit-log", "/var/log/halo-audit.log", "--audit-keep", "3"},
                 {{"HALO_MCP_SHARED_STATE", "redis://10.0.0.5:6379/2"},
                  {"HALO_MCP_AUDIT_INCLUDE_BODIES", "1"},
                  {"HALO_MCP_METRICS_TOKEN_FILE", "/etc/halo/metrics.token"}});
  REQUIRE(p.run);
  CHECK(p.options.audit_log == "/var/log/halo-audit.log");
  CHECK(p.options.audit_keep == 3);
  CHECK(p.options.audit_include_bodies);
  CHECK(p.options.shared_state == "redis://10.0.0.5:6379/2");
  CHECK(p.options.shared_replicas == 3);
  CHECK(p.options.metrics_token_file == "/etc/halo/metrics.token");

  auto bad = Parse({"--shared-state", "10.0.0.5:6379"});
  CHECK_FALSE(bad.run);
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, Catch::Contains("redis://HOST:PORT"));

  auto add = Parse({"--http-token-file", "team.tokens", "token", "add", "--name", "jane", "--agent",
                    "Jane Smith", "--read-only", "--toolsets", "tickets,people"},
                   {{"HALO_MCP_READ_ONLY", "0"}});
  REQUIRE(add.run);
  CHECK(add.options.command == ServerOptions::Command::kTokenAdd);
  CHECK(add.options.token_add.name == "jane");
  CHECK(add.options.token_add.agent == "Jane Smith");
  CHECK(add.options.token_add.policy.read_only);
  CHECK(add.options.token_add.policy.toolsets == std::vector<std::string>{"tickets", "people"});
  CHECK_FALSE(add.options.filter.read_only);  // the token's policy, not the server's

  auto no_file = Parse({"token", "add", "--name", "jane"});
  CHECK_FALSE(no_file.run);
  CHECK_THAT(no_file.output, Catch::Contains("--http-token-file"));
  auto no_name = Parse({"--http-token-file", "f", "token", "add"});
  CHECK_FALSE(no_name.run);
  CHECK(no_name.exit_code != 0);
}

TEST_CASE("OAuth settings: issuer, audience, claim, keys, algorithms, leeway",
          "[server][options]") {
  auto p = Parse({"--http", "--http-jwt-issuer", "https://login.example.com/", "--http-public-url",
                  "https://mcp.example.com/mcp"});
  REQUIRE(p.run);
  auto const& j = p.options.jwt;
  CHECK(j.issuer == "https://login.example.com/");
  CHECK(j.audience == "https://mcp.example.com/mcp");  // the endpoint's public URL
  CHECK(j.agent_claim == "halopsa_agent");
  CHECK(j.jwks_url.empty());  // discovered
  CHECK(j.algorithms == std::vector<std::string>{"RS256", "ES256"});
  CHECK(j.leeway == std::chrono::seconds(60));
  CHECK(p.options.http_options.auth_server == "https://login.example.com/");  // advertised

  auto v = Parse({"--http"}, {{"HALO_MCP_HTTP_JWT_ISSUER", "https://idp.example.com/realms/msp"},
                              {"HALO_MCP_HTTP_JWT_AUDIENCE", "halo-mcp"},
                              {"HALO_MCP_HTTP_JWT_AGENT_CLAIM", "email"},
                              {"HALO_MCP_HTTP_JWT_JWKS_URL", "http://127.0.0.1:9000/certs"},
                              {"HALO_MCP_HTTP_JWT_ALGORITHMS", "ES384, RS512"},
                              {"HALO_MCP_HTTP_JWT_LEEWAY", "5"},
                              {"HALO_MCP_HTTP_AUTH_SERVER", "https://idp.example.com/"}});
  REQUIRE(v.run);
  CHECK(v.options.jwt.audience == "halo-mcp");
  CHECK(v.options.jwt.agent_claim == "email");
  CHECK(v.options.jwt.jwks_url == "http://127.0.0.1:9000/certs");
  CHECK(v.options.jwt.algorithms == std::vector<std::string>{"ES384", "RS512"});
  CHECK(v.options.jwt.leeway == std::chrono::seconds(5));
  CHECK(v.options.http_options.auth_server == "https://idp.example.com/");

  auto refused = [](std::vector<std::string> args, std::string const& why) {
    auto r = Parse(std::move(args));
    CHECK_FALSE(r.run);
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.output, Catch::Contains(why));
  };
  std::vector<std::string> const base{"--http", "--http-jwt-issuer", "https://login.example.com",
                                      "--http-jwt-audience", "aud"};
  auto with = [&](std::vector<std::string> more) {
    auto args = base;
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  refused({"--http", "--http-jwt-issuer", "https://login.example.com"}, "--http-jwt-audience");
  refused(with({"--http-jwt-algorithms", "RS256,none"}), "\"none\" is refused");
  refused(with({"--http-jwt-algorithms", "HS256"}), "\"HS256\" is refused");
  refused(with({"--http-jwt-jwks-url", "http://keys.example.com/jwks"}), "must use https://");
  refused(with({"--http-jwt-leeway", "3600"}), "--http-jwt-leeway");
  refused({"--http", "--http-jwt-issuer", "http://login.example.com", "--http-jwt-audience", "a"},
          "must use https://");
  refused({"--http", "--http-jwt-audience", "a"}, "--http-jwt-audience needs --http-jwt-issuer");
  refused({"--http-jwt-issuer", "https://login.example.com", "--http-jwt-audience", "a"},
          "applies to --http only");
}
