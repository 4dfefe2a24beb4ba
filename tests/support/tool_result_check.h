// Shared checks of tools/call results for the end-to-end tool tests.
#pragma once

#include "server/json_schema.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace halo_test {

inline std::string ResultText(nlohmann::json const& result) {
  if (!result.contains("content") || result["content"].empty()) return "";
  return result["content"][0].value("text", "");
}

inline bool IsToolError(nlohmann::json const& result) { return result.value("isError", false); }

/// A tools/call result has text content, and a successful one structuredContent that matches
/// the tool's outputSchema (from tools/list).
inline void CheckToolResult(std::string const& tool, nlohmann::json const& r,
                            std::map<std::string, nlohmann::json> const& output_schemas) {
  INFO(tool << " -> " << r.dump().substr(0, 2000));
  REQUIRE(r.is_object());
  REQUIRE_FALSE(r.contains("error"));
  REQUIRE(r.contains("content"));
  REQUIRE(r["content"].size() >= 1);
  CHECK(r["content"][0]["type"] == "text");
  if (IsToolError(r)) return;
  REQUIRE(r.contains("structuredContent"));
  auto schema = output_schemas.find(tool);
  REQUIRE(schema != output_schemas.end());
  auto problems = mcp::ValidateJson(schema->second, r["structuredContent"]);
  for (auto const& p : problems) UNSCOPED_INFO(p.path << ": " << p.message);
  CHECK(problems.empty());
}

}  // namespace halo_test
