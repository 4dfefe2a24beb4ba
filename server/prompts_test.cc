#include "server/prompts.h"

#include <catch2/catch.hpp>

using nlohmann::json;

namespace {

mcp::ToolRegistry Registry(bool read_only = false, std::vector<std::string> toolsets = {}) {
  mcp::ToolFilter filter;
  filter.read_only = read_only;
  filter.toolsets = std::move(toolsets);
  auto reg = mcp::ToolRegistry::Load(HALO_MCP_SOURCE_SCHEMA_DIR, filter);
  REQUIRE(reg.ok());
  return *std::move(reg);
}

json Minimal() {
  return json::parse(R"({"prompts":[{"name":"p","description":"D","tools":["halopsa_get_ticket"],
    "text":"Read {id} with halopsa_get_ticket.",
    "arguments":[{"name":"id","description":"Ticket id","required":true,"given":"ticket {value}"}]}]})");
}

std::string LoadError(json doc) {
  auto c = mcp::PromptCatalog::FromJson(doc, Registry());
  return c.ok() ? "" : c.status().message();
}

}  // namespace

TEST_CASE("The shipped prompts load, are all offered, and name only listed tools",
          "[server][prompts]") {
  auto catalog = mcp::PromptCatalog::Load(HALO_MCP_SOURCE_SCHEMA_DIR, Registry());
  REQUIRE(catalog.ok());
  json const list = catalog->List()["prompts"];
  std::vector<std::string> names;
  for (auto const& p : list) {
    names.push_back(p["name"]);
    CHECK_FALSE(p["description"].get<std::string>().empty());
    for (auto const& a : p.value("arguments", json::array())) {
      CHECK_FALSE(a["description"].get<std::string>().empty());
      CHECK(a["required"].is_boolean());
    }
  }
  CHECK(names == std::vector<std::string>{"triage_queue", "my_day", "close_ticket", "handover",
                                          "client_review"});
  // Compact: the whole list stays well under a few kilobytes of a model's context.
  CHECK(list.dump().size() < 3000);
}

TEST_CASE("Read-only mode withdraws prompts that need a write tool", "[server][prompts]") {
  auto catalog = mcp::PromptCatalog::Load(HALO_MCP_SOURCE_SCHEMA_DIR, Registry(true));
  REQUIRE(catalog.ok());
  std::vector<std::string> names;
  json const list = catalog->List();
  for (auto const& p : list["prompts"]) names.push_back(p["name"]);
  CHECK(names == std::vector<std::string>{"my_day", "handover", "client_review"});
  auto get = catalog->Get("close_ticket", json{{"ticket_id", "5"}});
  REQUIRE_FALSE(get.ok());
  CHECK_THAT(get.status().message(), Catch::Matchers::Contains("halopsa_add_action") &&
                                         Catch::Matchers::Contains("disabled"));
}

TEST_CASE("prompts/get fills given and omitted arguments", "[server][prompts]") {
  auto catalog = mcp::PromptCatalog::Load(HALO_MCP_SOURCE_SCHEMA_DIR, Registry());
  REQUIRE(catalog.ok());
  auto mine = catalog->Get("triage_queue", json::object());
  REQUIRE(mine.ok());
  REQUIRE((*mine)["messages"].size() == 1);
  CHECK((*mine)["messages"][0]["role"] == "user");
  std::string text = (*mine)["messages"][0]["content"]["text"];
  CHECK_THAT(text, Catch::Matchers::Contains("agent \"me\""));
  CHECK(text.find("{team}") == std::string::npos);

  auto team = catalog->Get("triage_queue", json{{"team", "Service Desk"}});
  REQUIRE(team.ok());
  text = (*team)["messages"][0]["content"]["text"];
  CHECK_THAT(text, Catch::Matchers::Contains("team \"Service Desk\""));
  CHECK_THAT(text, !Catch::Matchers::Contains("agent \"me\", open_only"));

  auto review = catalog->Get("client_review", json{{"client", "Acme"}, {"from", "2026-11-01"}});
  REQUIRE(review.ok());
  text = (*review)["messages"][0]["content"]["text"];
  CHECK_THAT(text, Catch::Matchers::Contains("opened_from 2026-11-01, opened_to today"));
}

TEST_CASE("Extras appear only when their tools are enabled", "[server][prompts]") {
  auto text = [](mcp::ToolRegistry const& registry) {
    auto catalog = mcp::PromptCatalog::Load(HALO_MCP_SOURCE_SCHEMA_DIR, registry);
    REQUIRE(catalog.ok());
    auto r = catalog->Get("client_review", json{{"client", "Acme"}});
    REQUIRE(r.ok());
    return (*r)["messages"][0]["content"]["text"].get<std::string>();
  };
  std::string const without = text(Registry());  // contracts are not a default toolset
  CHECK_THAT(without, !Catch::Matchers::Contains("halopsa_list_contracts"));
  CHECK_THAT(without, Catch::Matchers::EndsWith("Read only: change nothing."));
  std::string const with = text(Registry(false, {"all"}));
  CHECK_THAT(with, Catch::Matchers::Contains("5. Contracts: halopsa_list_contracts"));
  CHECK(with.find("halopsa_list_contracts") < with.find("Answer as"));

  json doc = Minimal();
  doc["prompts"][0]["extras"] = {
      {{"tools", {"halopsa_list_actions"}}, {"text", "Then halopsa_list_contracts."}}};
  CHECK_THAT(LoadError(doc), Catch::Matchers::Contains("names halopsa_list_contracts"));
  doc["prompts"][0]["extras"] = {{{"tools", {"halopsa_nope"}}, {"text", "Then {id}."}}};
  CHECK_THAT(LoadError(doc), Catch::Matchers::Contains("halopsa_nope, which no schema"));
}

TEST_CASE("prompts/get refuses what it cannot use, saying what to send", "[server][prompts]") {
  auto catalog = mcp::PromptCatalog::Load(HALO_MCP_SOURCE_SCHEMA_DIR, Registry());
  REQUIRE(catalog.ok());
  auto message = [&](std::string const& name, json args) {
    auto r = catalog->Get(name, args);
    return r.ok() ? std::string() : r.status().message();
  };
  CHECK_THAT(message("nope", {}), Catch::Matchers::Contains("prompts/list has triage_queue"));
  CHECK_THAT(message("close_ticket", json::object()),
             Catch::Matchers::Contains("needs argument \"ticket_id\""));
  CHECK_THAT(message("close_ticket", json{{"ticket_id", "1"}, {"colour", "red"}}),
             Catch::Matchers::Contains("no argument \"colour\"") &&
                 Catch::Matchers::Contains("ticket_id, resolution"));
  CHECK_THAT(message("close_ticket", json{{"ticket_id", 1}}),
             Catch::Matchers::Contains("must be a string"));
  CHECK_THAT(message("close_ticket", json{{"ticket_id", std::string(501, 'x')}}),
             Catch::Matchers::Contains("longer than 500"));
  CHECK_THAT(message("close_ticket", json::array()), Catch::Matchers::Contains("object"));
}

TEST_CASE("Inconsistent prompt files fail at start-up with the reason", "[server][prompts]") {
  CHECK(LoadError(Minimal()).empty());

  json doc = Minimal();
  doc["prompts"][0]["tools"] = {"halopsa_get_ticket", "halopsa_frobnicate"};
  CHECK_THAT(LoadError(doc), Catch::Matchers::Contains("halopsa_frobnicate, which no schema"));

  doc = Minimal();
  doc["prompts"][0]["text"] = "Read {id} with halopsa_get_ticket and halopsa_list_actions.";
  CHECK_THAT(LoadError(doc), Catch::Matchers::Contains("names halopsa_list_actions"));

  doc = Minimal();
  doc["prompts"][0]["text"] = "Read {ticket} with halopsa_get_ticket.";
  CHECK_THAT(LoadError(doc), Catch::Matchers::Contains("{ticket}, which is no argument"));

  doc = Minimal();
  doc["prompts"][0]["text"] = "Read it with halopsa_get_ticket.";
  CHECK_THAT(LoadError(doc), Catch::Matchers::Contains("not used in the text"));

  doc = Minimal();
  doc["prompts"][0]["arguments"][0]["complete"] = "planet";
  CHECK_THAT(LoadError(doc), Catch::Matchers::Contains("\"planet\""));

  doc = Minimal();
  doc["prompts"][0]["arguments"][0]["required"] = false;
  CHECK_THAT(LoadError(doc), Catch::Matchers::Contains("needs \"missing\""));

  doc = Minimal();
  doc["prompts"][0]["colour"] = "red";
  CHECK_THAT(LoadError(doc), Catch::Matchers::Contains("unknown key \"colour\""));

  doc = Minimal();
  doc["prompts"].push_back(doc["prompts"][0]);
  CHECK_THAT(LoadError(doc), Catch::Matchers::Contains("defined twice"));
}
