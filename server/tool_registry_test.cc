#include "server/tool_registry.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using nlohmann::json;

namespace {

json Toolsets() {
  return json::parse(
      R"([{"id":"a","description":"A","default":true},{"id":"b","description":"B"}])");
}

json Tool(std::string name, std::string toolset = "a", std::string method = "GET") {
  bool ro = method == "GET";
  return json{{"name", name},
              {"title", "T"},
              {"description", "Does things"},
              {"toolset", toolset},
              {"annotations",
               {{"readOnlyHint", ro},
                {"destructiveHint", method == "DELETE"},
                {"idempotentHint", true},
                {"openWorldHint", true}}},
              {"inputSchema",
               {{"type", "object"},
                {"properties", {{"id", {{"type", "integer"}, {"description", "Id"}}}}},
                {"required", {"id"}},
                {"additionalProperties", false}}},
              {"halo", {{"method", method}, {"path", "/X/{id}"}, {"kind", ro ? "get" : "delete"}}}};
}

std::string LoadError(json tool) {
  auto reg = mcp::ToolRegistry::FromJson(Toolsets(), {tool}, {});
  return reg.ok() ? "" : reg.status().message();
}

}  // namespace

TEST_CASE("A well-formed tool loads and lists deterministically", "[server][registry]") {
  auto reg = mcp::ToolRegistry::FromJson(Toolsets(), {Tool("zeta"), Tool("alpha")}, {});
  REQUIRE(reg.ok());
  REQUIRE(reg->tools().size() == 2);
  CHECK(reg->tools()[0].name == "alpha");
  auto page = reg->ListPage("", 1);
  REQUIRE(page);
  CHECK((*page)["tools"][0]["name"] == "alpha");
  CHECK_FALSE((*page)["tools"][0].contains("halo"));
  REQUIRE((*page)["nextCursor"].is_string());
  auto next = reg->ListPage((*page)["nextCursor"], 1);
  REQUIRE(next);
  CHECK((*next)["tools"][0]["name"] == "zeta");
  CHECK_FALSE(next->contains("nextCursor"));
  CHECK_FALSE(reg->ListPage("garbage", 1));
}

TEST_CASE("Definitions leave out hints that mean nothing for the tool", "[server][registry]") {
  auto reg =
      mcp::ToolRegistry::FromJson(Toolsets(), {Tool("get"), Tool("drop", "a", "DELETE")}, {});
  REQUIRE(reg.ok());
  // openWorldHint true is MCP's default; destructive and idempotent apply only to writes.
  CHECK(reg->Find("get")->Definition()["annotations"] == json{{"readOnlyHint", true}});
  CHECK(reg->Find("drop")->Definition()["annotations"] ==
        json{{"readOnlyHint", false}, {"destructiveHint", true}, {"idempotentHint", true}});
}

TEST_CASE("Registry rules reject bad definitions with the reason", "[server][registry]") {
  auto t = Tool("ok");
  SECTION("bad name") {
    t["name"] = "Bad-Name";
    CHECK_THAT(LoadError(t), Catch::Matchers::Contains("must match"));
  }
  SECTION("missing readOnlyHint") {
    t["annotations"].erase("readOnlyHint");
    CHECK_THAT(LoadError(t), Catch::Matchers::Contains("readOnlyHint must be given"));
  }
  SECTION("read-only must be exactly GET") {
    t["annotations"]["readOnlyHint"] = false;
    CHECK_THAT(LoadError(t), Catch::Matchers::Contains("exactly when halo.method is GET"));
  }
  SECTION("path placeholder must be required") {
    t["inputSchema"].erase("required");
    CHECK_THAT(LoadError(t), Catch::Matchers::Contains("{id} must be a required argument"));
  }
  SECTION("additionalProperties false") {
    t["inputSchema"].erase("additionalProperties");
    CHECK_THAT(LoadError(t), Catch::Matchers::Contains("additionalProperties"));
  }
  SECTION("no top-level anyOf") {
    t["inputSchema"]["anyOf"] = json::array({json::object()});
    CHECK_THAT(LoadError(t), Catch::Matchers::Contains("anyOf"));
  }
  SECTION("empty description") {
    t["description"] = "";
    CHECK_THAT(LoadError(t), Catch::Matchers::Contains("description"));
  }
  SECTION("unknown toolset") {
    t["toolset"] = "nope";
    CHECK_THAT(LoadError(t), Catch::Matchers::Contains("not defined in toolsets.json"));
  }
  SECTION("unbound argument") {
    t["inputSchema"]["properties"]["extra"] = {{"type", "string"}, {"description", "x"}};
    CHECK_THAT(LoadError(t), Catch::Matchers::Contains("no halo.params binding"));
  }
  SECTION("unsupported keyword") {
    t["inputSchema"]["properties"]["id"]["$ref"] = "#/x";
    CHECK_THAT(LoadError(t), Catch::Matchers::Contains("does not support"));
  }
  SECTION("duplicate names") {
    auto reg = mcp::ToolRegistry::FromJson(Toolsets(), {t, t}, {});
    REQUIRE_FALSE(reg.ok());
    CHECK_THAT(reg.status().message(), Catch::Matchers::Contains("defined twice"));
  }
}

TEST_CASE("Filters: toolsets, read-only, tools and exclusions", "[server][registry]") {
  std::vector<json> tools{Tool("a_get"), Tool("a_del", "a", "DELETE"), Tool("b_get", "b")};
  auto names = [](mcp::ToolRegistry const& r) {
    std::vector<std::string> out;
    for (auto const& t : r.tools()) out.push_back(t.name);
    return out;
  };
  auto def = mcp::ToolRegistry::FromJson(Toolsets(), tools, {});
  REQUIRE(def.ok());
  CHECK(names(*def) == std::vector<std::string>{"a_del", "a_get"});
  auto all = mcp::ToolRegistry::FromJson(Toolsets(), tools, {{"all"}, {}, {}, false});
  CHECK(names(*all) == std::vector<std::string>{"a_del", "a_get", "b_get"});
  auto ro = mcp::ToolRegistry::FromJson(Toolsets(), tools, {{"all"}, {"a_del"}, {}, true});
  CHECK(names(*ro) == std::vector<std::string>{"a_get", "b_get"});
  CHECK(ro->FindHidden("a_del") != nullptr);
  auto ex = mcp::ToolRegistry::FromJson(Toolsets(), tools, {{"a"}, {"b_get"}, {"b_get"}, false});
  CHECK(names(*ex) == std::vector<std::string>{"a_del", "a_get"});
  auto bad = mcp::ToolRegistry::FromJson(Toolsets(), tools, {{"nope"}, {}, {}, false});
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Matchers::Contains("unknown toolset \"nope\""));
}

TEST_CASE("Loading a directory names the broken file", "[server][registry]") {
  auto dir =
      std::filesystem::temp_directory_path() / ("halo-registry-" + std::to_string(std::rand()));
  std::filesystem::create_directories(dir / "a");
  std::ofstream(dir / "toolsets.json") << Toolsets().dump();
  std::ofstream(dir / "a" / "x_get.json") << Tool("x_get").dump();
  REQUIRE(mcp::ToolRegistry::Load(dir, {}).ok());
  std::ofstream(dir / "a" / "broken.json") << "{ not json";
  auto reg = mcp::ToolRegistry::Load(dir, {});
  REQUIRE_FALSE(reg.ok());
  CHECK_THAT(reg.status().message(), Catch::Matchers::Contains("broken.json"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("The shipped schema files all load", "[server][registry]") {
  auto reg = mcp::ToolRegistry::Load(HALO_MCP_SOURCE_SCHEMA_DIR, {{"all"}, {}, {}, false});
  INFO((reg.ok() ? "" : reg.status().message()));
  REQUIRE(reg.ok());
  CHECK(reg->tools().size() >= 4);
}

TEST_CASE("Bindings are parsed into typed structures and checked at load", "[server][registry]") {
  json t = Tool("t");
  t["inputSchema"]["properties"]["minutes"] = {{"type", "number"}, {"description", "M"}};
  t["inputSchema"]["properties"]["hours"] = {{"type", "number"}, {"description", "H"}};
  t["halo"]["params"] = {{"minutes", {{"name", "timetaken"}, {"transform", "minutes_to_hours"}}},
                         {"hours", {{"name", "timetaken"}}}};
  t["halo"]["exclusive"] = json::array({json::array({"minutes", "hours"})});
  auto reg = mcp::ToolRegistry::FromJson(Toolsets(), {t}, {});
  REQUIRE(reg.ok());
  auto const& b = reg->tools()[0].halo;
  CHECK(b.idempotency == halo::Idempotency::kIdempotent);
  REQUIRE(b.exclusive.size() == 1);
  CHECK(b.exclusive[0] == std::vector<std::string>{"minutes", "hours"});
  CHECK(reg->tools()[0].FindParam("minutes")->transform == mcp::Transform::kMinutesToHours);

  auto with = [&](auto change) {
    json copy = t;
    change(copy);
    return LoadError(copy);
  };
  CHECK_THAT(with([](json& j) { j["halo"]["get_pat"] = "/X"; }),
             Catch::Matchers::Contains("halo.get_pat is not a known binding key"));
  CHECK_THAT(with([](json& j) { j["halo"]["params"]["hours"]["resolv"] = "x"; }),
             Catch::Matchers::Contains("halo.params.hours.resolv is not a known key"));
  CHECK_THAT(with([](json& j) { j["halo"]["params"]["hours"]["transform"] = "hours"; }),
             Catch::Matchers::Contains("transform \"hours\" is not known"));
  CHECK_THAT(with([](json& j) { j["halo"]["exclusive"][0][1] = "hour"; }),
             Catch::Matchers::Contains("halo.exclusive names \"hour\""));
  CHECK_THAT(with([](json& j) {
               j["annotations"]["readOnlyHint"] = false;
               j["halo"]["method"] = "POST";
               j["halo"]["kind"] = "create";
             }),
             Catch::Matchers::Contains("idempotentHint must be false"));
  CHECK_THAT(with([](json& j) {
               j["annotations"]["readOnlyHint"] = false;
               j["halo"]["method"] = "POST";
               j["halo"]["kind"] = "update";
             }),
             Catch::Matchers::Contains("needs halo.get_path"));
  CHECK_THAT(with([](json& j) {
               j["halo"]["defaults"] = {{"hours", {{"resolve", "outcome"}}}};
             }),
             Catch::Matchers::Contains("needs resolve and names"));

  json lookups = {{"client", json::object()}};
  json resolving = t;
  resolving["halo"]["params"]["hours"]["resolve"] = "clientt";
  auto bad = mcp::ToolRegistry::FromJson(Toolsets(), {resolving}, {}, lookups);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(),
             Catch::Matchers::Contains("resolves \"clientt\", which lookups.json does not define"));
}
