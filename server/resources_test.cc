// Resources and completions through McpServer with a fake record reader, tool caller and name
// source: URI parsing, not-found codes per era, the listed tickets, caching hints.
#include "server/resources.h"

#include "server/completions.h"
#include "server/prompts.h"

#include <catch2/catch.hpp>

using nlohmann::json;

namespace {

std::shared_ptr<mcp::ToolRegistry const> Registry(std::vector<std::string> exclude = {}) {
  mcp::ToolFilter filter;
  filter.exclude = std::move(exclude);
  auto reg = mcp::ToolRegistry::Load(HALO_MCP_SOURCE_SCHEMA_DIR, filter);
  REQUIRE(reg.ok());
  return std::make_shared<mcp::ToolRegistry const>(*std::move(reg));
}

/// Answers the list tool behind resources/list with fixed rows, recording its arguments.
class FakeCaller final : public mcp::ToolCaller {
 public:
  json Call(mcp::ToolSpec const& tool, json const& arguments, mcp::CallScope&) override {
    calls.push_back({{"tool", tool.name}, {"arguments", arguments}});
    return result;
  }
  std::vector<json> calls;
  json result = mcp::ToolTextResult(
      "2 tickets", json{{"items",
                         {{{"id", 7}, {"summary", "Printer jam"}, {"client_name", "Acme"}},
                          {{"id", 9}, {"summary", "VPN down"}, {"priority", "P1"}}}},
                        {"returned", 2},
                        {"has_more", false}});
};

struct Rig {
  std::shared_ptr<mcp::ToolRegistry const> registry = Registry();
  std::shared_ptr<FakeCaller> caller = std::make_shared<FakeCaller>();
  std::vector<json> reads;
  halo::Status read_failure;
  std::shared_ptr<mcp::ResourceCatalog const> catalog;
  std::vector<json> completions;
  halo::Status names_failure;
  std::unique_ptr<mcp::McpServer> server;
  mcp::Session session;

  explicit Rig(std::string agent = "Ann Agent") {
    catalog = std::make_shared<mcp::ResourceCatalog const>(
        registry,
        [this](mcp::ToolSpec const& tool, json const& args,
               mcp::CallScope&) -> halo::StatusOr<json> {
          reads.push_back({{"tool", tool.name}, {"arguments", args}});
          if (!read_failure.ok()) return read_failure;
          return json{{"id", args["id"]}, {"summary", "Printer jam"}};
        },
        caller);
    auto prompts = mcp::PromptCatalog::Load(HALO_MCP_SOURCE_SCHEMA_DIR, *registry);
    REQUIRE(prompts.ok());
    auto shared_prompts = std::make_shared<mcp::PromptCatalog const>(*std::move(prompts));
    server = std::make_unique<mcp::McpServer>(
        mcp::ServerInfo{}, registry, caller,
        std::make_shared<mcp::Principal const>(mcp::Principal{"local", agent, {}}));
    mcp::RegisterPrompts(*server, shared_prompts);
    mcp::RegisterResources(*server, catalog);
    mcp::RegisterCompletions(
        *server, shared_prompts, catalog,
        [this](std::string const& kind, std::string const& prefix, halo::CallContext const&,
               std::size_t max, bool* more) -> halo::StatusOr<std::vector<std::string>> {
          completions.push_back({{"kind", kind}, {"prefix", prefix}, {"max", max}});
          if (!names_failure.ok()) return names_failure;
          *more = true;
          return std::vector<std::string>{prefix + "1", prefix + "2"};
        });
    Legacy("initialize", {{"protocolVersion", "2025-11-25"}, {"capabilities", json::object()}});
  }

  json Legacy(std::string const& method, json params) {
    mcp::Message m{mcp::Message::Kind::kRequest, json(++id), method, std::move(params)};
    return server->Handle(session, m, mcp::RequestContext{});
  }
  json Modern(std::string const& method, json params) {
    params["_meta"]["io.modelcontextprotocol/protocolVersion"] = "2026-07-28";
    params["_meta"]["io.modelcontextprotocol/clientCapabilities"] = json::object();
    mcp::Session stateless;
    mcp::Message m{mcp::Message::Kind::kRequest, json(++id), method, std::move(params)};
    return server->Handle(stateless, m, mcp::RequestContext{});
  }
  int id = 0;
};

}  // namespace

TEST_CASE("Resource URIs: only served collections and positive integer ids",
          "[server][resources]") {
  Rig rig;
  auto ref = rig.catalog->Parse("halopsa://tickets/12");
  REQUIRE(ref);
  CHECK(ref->templ->tool == "halopsa_get_ticket");
  CHECK(ref->id == 12);
  CHECK(rig.catalog->Parse("halopsa://users/3"));
  CHECK(rig.catalog->Parse("halopsa://kb/1"));  // served now that a KB get tool exists
  for (char const* bad :
       {"halopsa://tickets/0", "halopsa://tickets/-1", "halopsa://tickets/12x",
        "halopsa://tickets/", "halopsa://tickets", "halopsa://tickets/99999999999999999999",
        "https://tickets/1", "halopsa://planets/1", "HALOPSA://tickets/1"}) {
    INFO(bad);
    CHECK_FALSE(rig.catalog->Parse(bad));
  }
  // A collection whose get tool is excluded is not served.
  mcp::ResourceCatalog without(Registry({"halopsa_get_user"}), nullptr, nullptr);
  CHECK_FALSE(without.Parse("halopsa://users/3"));
  CHECK(without.TemplatesList()["resourceTemplates"].size() == 3);
}

TEST_CASE("resources/read goes through the reader, unknown is not found, per era",
          "[server][resources]") {
  Rig rig;
  json ok = rig.Legacy("resources/read", {{"uri", "halopsa://tickets/12"}});
  REQUIRE(ok.contains("result"));
  CHECK(rig.reads.back() == json{{"tool", "halopsa_get_ticket"}, {"arguments", {{"id", 12}}}});
  json content = ok["result"]["contents"][0];
  CHECK(content["uri"] == "halopsa://tickets/12");
  CHECK_THAT(content["text"].get<std::string>(), Catch::Matchers::Contains("Printer jam"));
  CHECK_FALSE(ok["result"].contains("ttlMs"));
  json modern = rig.Modern("resources/read", {{"uri", "halopsa://tickets/12"}});
  CHECK(modern["result"]["ttlMs"] == 30000);
  CHECK(modern["result"]["cacheScope"] == "private");

  std::size_t const reads = rig.reads.size();
  CHECK(rig.Legacy("resources/read", {{"uri", "halopsa://planets/1"}})["error"]["code"] == -32002);
  CHECK(rig.Modern("resources/read", {{"uri", "halopsa://planets/1"}})["error"]["code"] == -32602);
  CHECK(rig.reads.size() == reads);  // nothing asked of HaloPSA
  CHECK(rig.Legacy("resources/read", json::object())["error"]["code"] == -32602);

  rig.read_failure = halo::NotFoundError("no such ticket");
  json gone = rig.Legacy("resources/read", {{"uri", "halopsa://tickets/5"}});
  CHECK(gone["error"]["code"] == -32002);
  CHECK(gone["error"]["message"] == "Resource not found: HaloPSA has no ticket 5");
  CHECK(rig.Modern("resources/read", {{"uri", "halopsa://tickets/5"}})["error"]["code"] == -32602);

  rig.read_failure = halo::UnavailableError("connection refused");
  json down = rig.Legacy("resources/read", {{"uri", "halopsa://tickets/5"}});
  CHECK(down["error"]["code"] == -32603);
  CHECK_THAT(down["error"]["message"].get<std::string>(),
             Catch::Matchers::Contains("connection refused"));
}

TEST_CASE("resources/list offers the acting agent's open tickets", "[server][resources]") {
  Rig rig;
  json list = rig.Legacy("resources/list", json::object());
  REQUIRE(list.contains("result"));
  REQUIRE(rig.caller->calls.size() == 1);
  json const& call = rig.caller->calls[0];
  CHECK(call["tool"] == "halopsa_list_tickets");
  CHECK(call["arguments"]["agent"] == "me");
  CHECK(call["arguments"]["open_only"] == true);
  CHECK(call["arguments"]["limit"] == mcp::ResourceCatalog::kListedTickets);
  json resources = list["result"]["resources"];
  REQUIRE(resources.size() == 2);
  CHECK(resources[0] == json{{"uri", "halopsa://tickets/7"},
                             {"name", "ticket 7"},
                             {"title", "Printer jam"},
                             {"description", "Acme"},
                             {"mimeType", "text/plain"}});
  CHECK(resources[1]["description"] == "P1");
  CHECK(rig.Legacy("resources/list", {{"cursor", "x"}})["error"]["code"] == -32602);

  rig.caller->result = mcp::ToolErrorResult("HaloPSA is down");
  json failed = rig.Legacy("resources/list", json::object());
  CHECK(failed["error"]["code"] == -32603);
  CHECK_THAT(failed["error"]["message"].get<std::string>(),
             Catch::Matchers::Contains("HaloPSA is down"));

  Rig nobody("");
  json none = nobody.Modern("resources/list", json::object());
  CHECK(none["result"]["resources"].empty());
  CHECK(none["result"]["cacheScope"] == "private");
  CHECK(nobody.caller->calls.empty());
}

TEST_CASE("completion/complete: names for prompt arguments that take them",
          "[server][completions]") {
  Rig rig;
  auto complete = [&](json ref, std::string arg, std::string value) {
    return rig.Legacy("completion/complete",
                      {{"ref", std::move(ref)}, {"argument", {{"name", arg}, {"value", value}}}});
  };
  json prompt_ref{{"type", "ref/prompt"}, {"name", "client_review"}};
  json r = complete(prompt_ref, "client", "Ac");
  REQUIRE(r.contains("result"));
  CHECK(r["result"]["completion"]["values"] == json{"Ac1", "Ac2"});
  CHECK(r["result"]["completion"]["hasMore"] == true);
  CHECK(rig.completions.back() == json{{"kind", "client"}, {"prefix", "Ac"}, {"max", 100}});

  complete({{"type", "ref/prompt"}, {"name", "my_day"}}, "agent", "");
  CHECK(rig.completions.back()["kind"] == "agent");
  complete({{"type", "ref/prompt"}, {"name", "triage_queue"}}, "team", "S");
  CHECK(rig.completions.back()["kind"] == "team");

  // Arguments that are not names, and template ids, get nothing and ask nothing.
  std::size_t const asked = rig.completions.size();
  CHECK(complete(prompt_ref, "from", "20")["result"]["completion"]["values"].empty());
  CHECK(complete({{"type", "ref/resource"}, {"uri", "halopsa://tickets/{id}"}}, "id",
                 "1")["result"]["completion"]["values"]
            .empty());
  CHECK(rig.completions.size() == asked);

  CHECK(complete({{"type", "ref/prompt"}, {"name", "nope"}}, "x", "")["error"]["code"] == -32602);
  CHECK(complete(prompt_ref, "colour", "")["error"]["code"] == -32602);
  CHECK(complete({{"type", "ref/resource"}, {"uri", "halopsa://x/{id}"}}, "id",
                 "")["error"]["code"] == -32602);
  CHECK(complete({{"type", "ref/planet"}}, "x", "")["error"]["code"] == -32602);
  CHECK(complete(prompt_ref, "client", std::string(201, 'a'))["error"]["code"] == -32602);
  CHECK(rig.Legacy("completion/complete", {{"ref", prompt_ref}})["error"]["code"] == -32602);

  rig.names_failure = halo::UnavailableError("connection refused");
  json down = complete(prompt_ref, "client", "Ac");
  CHECK(down["error"]["code"] == -32603);
  CHECK_THAT(down["error"]["message"].get<std::string>(),
             Catch::Matchers::Contains("connection refused"));
}
