// The registry's checks for the working day's kinds and transform (issue 11): each is known,
// and the rules of the kinds they stand beside apply to them too.
#include "server/tool_registry.h"

#include <catch2/catch.hpp>

using nlohmann::json;

namespace {

json Tool(std::string const& kind, std::string const& method, bool idempotent = true) {
  bool const ro = method == "GET";
  return json{{"name", "t_" + kind},
              {"title", "T"},
              {"description", "Does things"},
              {"toolset", "a"},
              {"annotations",
               {{"readOnlyHint", ro},
                {"destructiveHint", kind == "merge"},
                {"idempotentHint", idempotent},
                {"openWorldHint", true}}},
              {"inputSchema",
               {{"type", "object"},
                {"properties",
                 {{"id", {{"type", "integer"}, {"description", "Id"}}},
                  {"flag", {{"type", "boolean"}, {"description", "A flag"}}}}},
                {"required", {"id"}},
                {"additionalProperties", false}}},
              {"halo",
               {{"method", method},
                {"path", "/X"},
                {"kind", kind},
                {"params", {{"id", {{"in", ro ? "query" : "body"}}}, {"flag", json::object()}}}}}};
}

std::string LoadError(json const& tool) {
  auto reg = mcp::ToolRegistry::FromJson(
      json::parse(R"([{"id":"a","description":"A","default":true}])"), {tool}, {});
  return reg.ok() ? "" : reg.status().message();
}

}  // namespace

TEST_CASE("Working-day kinds load with their methods", "[server][registry][day]") {
  for (auto const* kind : {"time_entries", "timesheet", "attachment", "search"}) {
    CHECK(LoadError(Tool(kind, "GET")).empty());
  }
  CHECK(LoadError(Tool("attachment_upload", "POST", false)).empty());
  json merge = Tool("merge", "POST", false);
  merge["halo"]["get_path"] = "/X/{id}";
  CHECK(LoadError(merge).empty());
  CHECK_THAT(LoadError(Tool("timesheets", "GET")), Catch::Matchers::Contains("not known"));
}

TEST_CASE("Working-day kinds keep the write rules", "[server][registry][day]") {
  // An upload makes a new file each time: it must not claim to be idempotent.
  CHECK_THAT(LoadError(Tool("attachment_upload", "POST", true)),
             Catch::Matchers::Contains("idempotentHint must be false"));
  // A merge checks the ticket exists first, like an update.
  CHECK_THAT(LoadError(Tool("merge", "POST", false)), Catch::Matchers::Contains("get_path"));
}

TEST_CASE("bool_to_int is a known transform, others are named in the error",
          "[server][registry][day]") {
  json t = Tool("search", "GET");
  t["halo"]["params"]["flag"] = {{"transform", "bool_to_int"}};
  auto reg = mcp::ToolRegistry::FromJson(
      json::parse(R"([{"id":"a","description":"A","default":true}])"), {t}, {});
  REQUIRE(reg.ok());
  CHECK(reg->tools()[0].FindParam("flag")->transform == mcp::Transform::kBoolToInt);
  t["halo"]["params"]["flag"] = {{"transform", "id_list"}};
  CHECK(mcp::ToolRegistry::FromJson(json::parse(R"([{"id":"a","description":"A","default":true}])"),
                                    {t}, {})
            ->tools()[0]
            .FindParam("flag")
            ->transform == mcp::Transform::kIdList);
  t["halo"]["params"]["flag"] = {{"transform", "bool_to_string"}};
  CHECK_THAT(LoadError(t), Catch::Matchers::Contains("bool_to_int"));
}
