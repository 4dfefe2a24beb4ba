// MCP prompts: short instructions for a service desk's recurring jobs, kept as data in
// schemas/prompts.json and checked against the tool registry at start-up.
#pragma once

#include "halo/status.h"
#include "server/mcp_server.h"
#include "server/tool_registry.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mcp {

struct PromptArgument {
  std::string name;
  std::string description;
  bool required = false;
  /// Lookup kind whose names complete this argument (schemas/lookups.json); "" = none.
  std::string complete;
  /// Text put in place of {name} when given ({value} = what was given) and when not.
  std::string given;
  std::string missing;
};

/// A step of a prompt that needs tools the server may not enable (e.g. contracts, off by
/// default): included only when all of them are enabled.
struct PromptExtra {
  std::vector<std::string> tools;
  std::string text;
  bool enabled = false;
};

struct Prompt {
  std::string name;
  std::string title;
  std::string description;
  std::vector<PromptArgument> arguments;
  std::vector<std::string> tools;   // every tool the text names; all must be enabled
  std::string text;                 // with {argument} placeholders
  std::vector<PromptExtra> extras;  // after the text, when enabled
  std::string closing;              // after the extras (the shape of the answer)
  bool offered = true;              // false when one of its tools is disabled on this server
  std::string disabled_tool;        // the first such tool

  PromptArgument const* Argument(std::string_view arg) const;
};

/**
 * The prompts of schemas/prompts.json. Start-up fails on any inconsistency: a tool that does
 * not exist, a tool named in a text but not listed beside it, a placeholder without an argument
 * (or the reverse), an unknown completion kind. A prompt whose tools are not all enabled
 * (read-only mode, toolset filters) is not offered; its extras are left out the same way.
 */
class PromptCatalog {
 public:
  static halo::StatusOr<PromptCatalog> FromJson(nlohmann::json const& doc,
                                                ToolRegistry const& registry,
                                                std::string const& file = "prompts.json");
  /// <dir>/prompts.json; a missing file is an empty catalogue.
  static halo::StatusOr<PromptCatalog> Load(std::filesystem::path const& dir,
                                            ToolRegistry const& registry);

  std::vector<Prompt> const& prompts() const { return prompts_; }
  /// Any prompt of the file, offered or not; null when unknown.
  Prompt const* Find(std::string_view name) const;
  /// The prompts/list entries of the offered prompts.
  nlohmann::json List() const;
  /// prompts/get's result for `arguments` (string values). kInvalidArgument names what is wrong
  /// (unknown or disabled prompt, missing or unknown argument, a value that is not a string).
  halo::StatusOr<nlohmann::json> Get(std::string const& name,
                                     nlohmann::json const& arguments) const;

 private:
  std::vector<Prompt> prompts_;
};

/// The longest argument value accepted (a name, an id, a date or a sentence).
inline constexpr std::size_t kMaxPromptArgumentChars = 500;

/// Registers prompts/list and prompts/get, and declares the prompts capability.
void RegisterPrompts(McpServer& server, std::shared_ptr<PromptCatalog const> catalog);

}  // namespace mcp
