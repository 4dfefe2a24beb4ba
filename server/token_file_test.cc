#include "server/token_file.h"

#include "server/http_security.h"
#include "server/mcp_server.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using nlohmann::json;

namespace {

/// Tools in two toolsets: a read and a write in "tickets", a read in "people".
std::shared_ptr<mcp::ToolRegistry const> Registry() {
  json read = json::parse(R"({
    "name": "list_tickets", "title": "List", "description": "Lists", "toolset": "tickets",
    "annotations": {"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true,
                    "openWorldHint": false},
    "inputSchema": {"type": "object", "additionalProperties": false, "properties": {}},
    "halo": {"method": "GET", "path": "/X", "kind": "get"}})");
  json write = read;
  write["name"] = "create_ticket";
  write["annotations"]["readOnlyHint"] = false;
  write["annotations"]["idempotentHint"] = false;
  write["halo"]["method"] = "POST";
  write["halo"]["kind"] = "create";
  json people = read;
  people["name"] = "list_agents";
  people["toolset"] = "people";
  auto reg =
      mcp::ToolRegistry::FromJson(json::parse(R"([{"id":"tickets","description":"T","default":true},
                      {"id":"people","description":"P","default":true}])"),
                                  {read, write, people}, {});
  REQUIRE(reg.ok());
  return std::make_shared<mcp::ToolRegistry const>(*std::move(reg));
}

std::string Entry(std::string const& token, std::string const& name, std::string const& agent,
                  mcp::ToolPolicy policy = {}) {
  return mcp::TokenFileEntry(token, name, agent, policy);
}

class NameCaller : public mcp::ToolCaller {
 public:
  json Call(mcp::ToolSpec const& tool, json const&, mcp::CallScope& scope) override {
    return mcp::ToolTextResult(tool.name + " as " + scope.principal().agent);
  }
};

/// Params of a stateless (2026-07-28) request.
json Meta(json params = json::object()) {
  params["_meta"]["io.modelcontextprotocol/protocolVersion"] = "2026-07-28";
  params["_meta"]["io.modelcontextprotocol/clientCapabilities"] = json::object();
  return params;
}

std::vector<std::string> Listed(mcp::McpServer& server, mcp::Session& session,
                                std::shared_ptr<mcp::Principal const> principal) {
  std::vector<std::string> names;
  std::string cursor;
  int id = 1;
  do {
    json params = Meta();
    if (!cursor.empty()) params["cursor"] = cursor;
    auto d = mcp::DecodeMessage(
        json{{"jsonrpc", "2.0"}, {"id", id++}, {"method", "tools/list"}, {"params", params}});
    json r = server.Handle(session, *d.message, nullptr, principal);
    REQUIRE(r.contains("result"));
    for (auto const& t : r["result"]["tools"]) names.push_back(t["name"]);
    cursor = r["result"].value("nextCursor", "");
  } while (!cursor.empty());
  return names;
}

}  // namespace

TEST_CASE("The token file holds digests with agents and policies", "[server][tokens]") {
  mcp::ToolPolicy ro;
  ro.read_only = true;
  ro.toolsets = {"tickets"};
  std::string text = "# team tokens\n\n" + Entry("tok-jane", "jane", "Jane Smith", ro) + "\n" +
                     Entry("tok-bob", "bob", "") + "\n" + "legacy-clear-token\n";
  CHECK(text.find("tok-jane") == std::string::npos);  // only digests are written
  auto parsed = mcp::ParseTokenFile(text, "Service Desk");
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 3);
  auto const& jane = *(*parsed)[0].principal;
  CHECK(jane.name == "jane");
  CHECK(jane.agent == "Jane Smith");
  CHECK(jane.policy.read_only);
  CHECK(jane.policy.toolsets == std::vector<std::string>{"tickets"});
  CHECK((*parsed)[1].principal->agent == "Service Desk");  // the server's --agent stands in
  CHECK_FALSE((*parsed)[1].principal->policy.Narrows());
  CHECK((*parsed)[2].principal == nullptr);  // clear text: the server's own principal
  CHECK(mcp::DigestEqual((*parsed)[2].digest, mcp::Sha256("legacy-clear-token")));
}

TEST_CASE("A bad token file line is named with what is wrong", "[server][tokens]") {
  auto bad = [](std::string const& text) {
    auto p = mcp::ParseTokenFile(text, "");
    REQUIRE_FALSE(p.ok());
    return p.status().message();
  };
  CHECK_THAT(bad("\n{\"digest\":\"md5:abc\"}"),
             Catch::Contains("line 2") && Catch::Contains("sha256:"));
  CHECK_THAT(bad("{\"digest\":\"sha256:" + std::string(64, 'a') + "\",\"agnt\":\"x\"}"),
             Catch::Contains("unknown key \"agnt\""));
  CHECK_THAT(bad("{\"digest\":\"sha256:" + std::string(64, 'a') + "\",\"read_only\":\"yes\"}"),
             Catch::Contains("read_only"));
  CHECK_THAT(bad("{not json"), Catch::Contains("line 1"));
  std::string twice = Entry("a", "sam", "") + "\n" + Entry("b", "sam", "");
  CHECK_THAT(bad(twice), Catch::Contains("\"sam\" is used twice"));
  CHECK_THAT(bad("sha256:12"), Catch::Contains("64 hex digits"));
}

TEST_CASE("New tokens are random and the helper appends without clear text", "[server][tokens]") {
  std::string a = mcp::NewClientToken(), b = mcp::NewClientToken();
  CHECK(a != b);
  CHECK(a.rfind("hmcp_", 0) == 0);
  CHECK(a.size() == 5 + 64);

  std::string path = "/tmp/halo-token-test-" + std::to_string(getpid());
  std::remove(path.c_str());
  REQUIRE(mcp::AppendTokenEntry(path, Entry(a, "jane", "Jane"), "jane").ok());
  REQUIRE(mcp::AppendTokenEntry(path, Entry(b, "bob", "Bob"), "bob").ok());
  auto again = mcp::AppendTokenEntry(path, Entry("c", "jane", "J"), "jane");
  CHECK_THAT(again.message(), Catch::Contains("already has a technician named \"jane\""));
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find(a) == std::string::npos);
  auto parsed = mcp::ParseTokenFile(text, "");
  REQUIRE(parsed.ok());
  CHECK(parsed->size() == 2);
  std::remove(path.c_str());
}

TEST_CASE("A token's policy narrows the server's and names must exist", "[server][tokens]") {
  auto reg = Registry();
  mcp::ToolPolicy p;
  p.toolsets = {"default"};
  REQUIRE(p.Resolve(*reg).ok());
  CHECK(p.toolsets == std::vector<std::string>{"people", "tickets"});
  mcp::ToolPolicy typo;
  typo.tools = {"list_tickts"};
  CHECK_THAT(typo.Resolve(*reg).message(), Catch::Contains("unknown tool \"list_tickts\""));
  mcp::ToolPolicy set;
  set.toolsets = {"nope"};
  CHECK_THAT(set.Resolve(*reg).message(), Catch::Contains("unknown toolset \"nope\""));

  mcp::ToolPolicy only;
  only.tools = {"list_agents"};
  CHECK(only.Allows(*reg->Find("list_agents")));
  CHECK_FALSE(only.Allows(*reg->Find("list_tickets")));
  mcp::ToolPolicy excl;
  excl.toolsets = {"tickets"};
  excl.exclude = {"list_tickets"};
  CHECK(excl.Allows(*reg->Find("create_ticket")));
  CHECK_FALSE(excl.Allows(*reg->Find("list_tickets")));
  CHECK_FALSE(excl.Allows(*reg->Find("list_agents")));
}

TEST_CASE("tools/list and tools/call follow the request's principal", "[server][tokens]") {
  auto reg = Registry();
  mcp::McpServer server(mcp::ServerInfo{"halo-mcp", "HaloPSA", "1", "", 1, nullptr}, reg,
                        std::make_shared<NameCaller>(),
                        std::make_shared<mcp::Principal const>(mcp::Principal{"local", "Bot", {}}));
  mcp::Session session;
  mcp::Principal jane{"jane", "Jane Smith", {}};
  jane.policy.read_only = true;
  jane.policy.toolsets = {"tickets"};
  auto jane_p = std::make_shared<mcp::Principal const>(jane);

  // Page size 1: pagination must skip hidden tools without ending early.
  CHECK(Listed(server, session, nullptr) ==
        std::vector<std::string>{"create_ticket", "list_agents", "list_tickets"});
  CHECK(Listed(server, session, jane_p) == std::vector<std::string>{"list_tickets"});

  auto call = [&](std::string const& tool, std::shared_ptr<mcp::Principal const> p, int id) {
    auto d =
        mcp::DecodeMessage(json{{"jsonrpc", "2.0"},
                                {"id", id},
                                {"method", "tools/call"},
                                {"params", Meta({{"name", tool}, {"arguments", json::object()}})}});
    return server.Handle(session, *d.message, nullptr, std::move(p));
  };
  json refused = call("create_ticket", jane_p, 10);
  CHECK(refused["result"]["isError"] == true);
  CHECK_THAT(refused["result"]["content"][0]["text"].get<std::string>(),
             Catch::Contains("not allowed for your token (read-only; toolsets tickets)"));
  CHECK(call("list_tickets", jane_p, 11)["result"]["content"][0]["text"] ==
        "list_tickets as Jane Smith");
  CHECK(call("create_ticket", nullptr, 12)["result"]["content"][0]["text"] ==
        "create_ticket as Bot");
}

TEST_CASE("The HTTP access check maps each token to its principal", "[server][tokens][http]") {
  auto creds = mcp::ParseTokenFile(Entry("tok-jane", "jane", "Jane") + "\n", "");
  REQUIRE(creds.ok());
  mcp::AccessConfig config;
  config.bind_host = "127.0.0.1";
  config.credentials = *creds;
  config.tokens = {"plain"};
  mcp::AccessPolicy access(config);
  auto check = [&](std::optional<std::string_view> auth) {
    return access.Check(mcp::AccessRequest{"/mcp", "127.0.0.1:1", std::nullopt, auth, "127.0.0.1"});
  };
  CHECK_FALSE(check("Bearer tok-jane"));
  CHECK_FALSE(check("Bearer plain"));
  REQUIRE(check("Bearer tok-bob"));
  CHECK(check("Bearer tok-bob")->status == 401);
  CHECK(access.PrincipalFor("Bearer tok-jane")->agent == "Jane");
  CHECK(access.PrincipalFor("Bearer plain") == nullptr);
  CHECK(access.PrincipalFor(std::nullopt) == nullptr);
}

TEST_CASE("/metrics wants its own token, or a loopback peer without one", "[server][http]") {
  mcp::AccessConfig config;
  config.bind_host = "0.0.0.0";
  config.tokens = {"client"};
  mcp::AccessPolicy open(config);
  auto metrics = [](mcp::AccessPolicy const& a, std::string_view remote,
                    std::optional<std::string_view> auth) {
    return a.Check(mcp::AccessRequest{"/metrics", "mcp.example:80", std::nullopt, auth, remote});
  };
  CHECK_FALSE(metrics(open, "127.0.0.1", std::nullopt));
  REQUIRE(metrics(open, "10.1.2.3", "Bearer client"));
  CHECK(metrics(open, "10.1.2.3", "Bearer client")->status == 403);  // a client token is not it
  config.metrics_token = "scrape";
  mcp::AccessPolicy guarded(config);
  CHECK_FALSE(metrics(guarded, "10.1.2.3", "Bearer scrape"));
  REQUIRE(metrics(guarded, "127.0.0.1", std::nullopt));
  CHECK(metrics(guarded, "127.0.0.1", std::nullopt)->status == 401);
}
