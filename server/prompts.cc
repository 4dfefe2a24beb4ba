#include "server/prompts.h"

#include "server/list_results.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

namespace mcp {

using halo::InvalidArgumentError;
using halo::Status;
using halo::StatusOr;
using nlohmann::json;

namespace {

constexpr std::chrono::minutes kListTtl{5};

std::string Str(json const& obj, char const* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

/// The {placeholders} of a template, in order of appearance.
std::vector<std::string> Placeholders(std::string const& text) {
  static std::regex const kPlaceholder(R"(\{([a-z_]+)\})");
  std::vector<std::string> out;
  for (std::sregex_iterator it(text.begin(), text.end(), kPlaceholder), end; it != end; ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

/// Every {key} in `text` replaced by values[key]; other braces are left alone.
std::string Fill(std::string const& text, std::map<std::string, std::string> const& values) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '{') {
      auto close = text.find('}', i);
      if (close != std::string::npos) {
        auto v = values.find(text.substr(i + 1, close - i - 1));
        if (v != values.end()) {
          out += v->second;
          i = close + 1;
          continue;
        }
      }
    }
    out += text[i++];
  }
  return out;
}

StatusOr<PromptArgument> ParseArgument(json const& def, std::string const& where) {
  auto bad = [&](std::string const& problem) { return InvalidArgumentError(where + problem); };
  if (!def.is_object()) return bad("each argument must be an object");
  PromptArgument a;
  a.name = Str(def, "name");
  a.description = Str(def, "description");
  a.required = def.value("required", false);
  a.complete = Str(def, "complete");
  a.given = Str(def, "given");
  a.missing = Str(def, "missing");
  for (auto const& [key, value] : def.items()) {
    static std::set<std::string> const kKeys = {"name",     "description", "required",
                                                "complete", "given",       "missing"};
    if (!kKeys.count(key)) return bad("unknown argument key \"" + key + "\"");
  }
  if (!std::regex_match(a.name, std::regex("[a-z][a-z_]*"))) {
    return bad("argument names are lower_snake_case, got \"" + a.name + "\"");
  }
  if (a.description.empty()) return bad("argument " + a.name + " needs a description");
  if (a.given.find("{value}") == std::string::npos) {
    return bad("argument " + a.name + ": \"given\" must contain {value}");
  }
  if (!a.required && a.missing.empty()) {
    return bad("optional argument " + a.name + " needs \"missing\" (the text when omitted)");
  }
  if (a.required && !a.missing.empty()) {
    return bad("required argument " + a.name + " cannot have \"missing\"");
  }
  return a;
}

StatusOr<Prompt> ParsePrompt(json const& def, ToolRegistry const& registry,
                             std::string const& file) {
  if (!def.is_object()) return InvalidArgumentError(file + ": each prompt must be an object");
  Prompt p;
  p.name = Str(def, "name");
  std::string const where = file + ": prompt " + (p.name.empty() ? "(unnamed)" : p.name) + ": ";
  auto bad = [&](std::string const& problem) { return InvalidArgumentError(where + problem); };
  for (auto const& [key, value] : def.items()) {
    static std::set<std::string> const kKeys = {"name",  "title", "description", "arguments",
                                                "tools", "text",  "extras",      "closing"};
    if (!kKeys.count(key)) return bad("unknown key \"" + key + "\"");
  }
  if (!std::regex_match(p.name, std::regex("[a-z][a-z_]*"))) {
    return bad("names are lower_snake_case");
  }
  p.title = Str(def, "title");
  p.description = Str(def, "description");
  p.text = Str(def, "text");
  if (p.description.empty() || p.text.empty()) return bad("needs a description and a text");

  for (auto const& a : def.value("arguments", json::array())) {
    auto arg = ParseArgument(a, where);
    if (!arg.ok()) return arg.status();
    if (p.Argument(arg->name)) return bad("argument " + arg->name + " is declared twice");
    if (!arg->complete.empty() && !registry.lookups().contains(arg->complete)) {
      return bad("argument " + arg->name + " completes from \"" + arg->complete +
                 "\", which schemas/lookups.json does not define");
    }
    p.arguments.push_back(*std::move(arg));
  }
  p.closing = Str(def, "closing");

  auto tool_list = [&](json const& tools, std::vector<std::string>& out,
                       std::string* disabled) -> Status {
    if (!tools.is_array() || tools.empty()) return bad("\"tools\" must list the tools it uses");
    for (auto const& t : tools) {
      if (!t.is_string()) return bad("\"tools\" must be an array of tool names");
      std::string name = t.get<std::string>();
      if (registry.Find(name) == nullptr && registry.FindHidden(name) == nullptr) {
        return bad("uses tool " + name + ", which no schema defines");
      }
      if (disabled->empty() && registry.Find(name) == nullptr) *disabled = name;
      out.push_back(std::move(name));
    }
    return Status();
  };
  // Tool names in a text must be listed beside it, so the check above sees them.
  auto names_listed = [&](std::string const& text, std::vector<std::string> const& tools) {
    static std::regex const kToolName(R"(halopsa_[a-z_]+)");
    for (std::sregex_iterator it(text.begin(), text.end(), kToolName), end; it != end; ++it) {
      if (std::find(tools.begin(), tools.end(), it->str()) == tools.end()) {
        return bad("the text names " + it->str() + ", which \"tools\" does not list");
      }
    }
    return Status();
  };

  if (auto s = tool_list(def.value("tools", json()), p.tools, &p.disabled_tool); !s.ok()) return s;
  p.offered = p.disabled_tool.empty();
  std::string core = p.text + " " + p.closing;
  for (auto const& a : p.arguments) core += " " + a.given + " " + a.missing;
  if (auto s = names_listed(core, p.tools); !s.ok()) return s;
  std::string all = p.text + " " + p.closing;
  json const extras = def.value("extras", json::array());
  if (!extras.is_array()) return bad("\"extras\" must be an array");
  for (auto const& e : extras) {
    if (!e.is_object() || Str(e, "text").empty()) return bad("each extra needs a text and tools");
    PromptExtra extra;
    extra.text = Str(e, "text");
    std::string disabled;
    if (auto s = tool_list(e.value("tools", json()), extra.tools, &disabled); !s.ok()) return s;
    extra.enabled = disabled.empty();
    std::vector<std::string> visible = p.tools;
    visible.insert(visible.end(), extra.tools.begin(), extra.tools.end());
    if (auto s = names_listed(extra.text, visible); !s.ok()) return s;
    all += " " + extra.text;
    p.extras.push_back(std::move(extra));
  }

  std::set<std::string> used;
  for (auto const& name : Placeholders(all)) {
    if (!p.Argument(name)) return bad("the text uses {" + name + "}, which is no argument");
    used.insert(name);
  }
  for (auto const& a : p.arguments) {
    if (!used.count(a.name)) return bad("argument " + a.name + " is not used in the text");
  }
  return p;
}

}  // namespace

PromptArgument const* Prompt::Argument(std::string_view arg) const {
  for (auto const& a : arguments) {
    if (a.name == arg) return &a;
  }
  return nullptr;
}

StatusOr<PromptCatalog> PromptCatalog::FromJson(json const& doc, ToolRegistry const& registry,
                                                std::string const& file) {
  if (!doc.is_object() || !doc.contains("prompts") || !doc["prompts"].is_array()) {
    return InvalidArgumentError(file + ": expected {\"prompts\": [...]}");
  }
  PromptCatalog catalog;
  for (auto const& def : doc["prompts"]) {
    auto p = ParsePrompt(def, registry, file);
    if (!p.ok()) return p.status();
    if (catalog.Find(p->name)) {
      return InvalidArgumentError(file + ": prompt " + p->name + " is defined twice");
    }
    catalog.prompts_.push_back(*std::move(p));
  }
  return catalog;
}

StatusOr<PromptCatalog> PromptCatalog::Load(std::filesystem::path const& dir,
                                            ToolRegistry const& registry) {
  auto const path = dir / "prompts.json";
  if (!std::filesystem::exists(path)) return PromptCatalog();
  auto doc = ReadJsonFile(path);
  if (!doc.ok()) return doc.status();
  return FromJson(*doc, registry, path.string());
}

Prompt const* PromptCatalog::Find(std::string_view name) const {
  for (auto const& p : prompts_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

json PromptCatalog::List() const {
  json list = json::array();
  for (auto const& p : prompts_) {
    if (!p.offered) continue;
    json entry{{"name", p.name}, {"description", p.description}};
    if (!p.title.empty()) entry["title"] = p.title;
    json args = json::array();
    for (auto const& a : p.arguments) {
      args.push_back({{"name", a.name}, {"description", a.description}, {"required", a.required}});
    }
    if (!args.empty()) entry["arguments"] = std::move(args);
    list.push_back(std::move(entry));
  }
  return json{{"prompts", std::move(list)}};
}

StatusOr<json> PromptCatalog::Get(std::string const& name, json const& arguments) const {
  Prompt const* p = Find(name);
  if (p == nullptr) {
    std::string known;
    for (auto const& q : prompts_) {
      if (q.offered) known += (known.empty() ? "" : ", ") + q.name;
    }
    return InvalidArgumentError("unknown prompt \"" + name + "\"; prompts/list has " + known);
  }
  if (!p->offered) {
    return InvalidArgumentError("prompt " + name + " needs tool " + p->disabled_tool +
                                ", which is disabled on this server");
  }
  if (!arguments.is_null() && !arguments.is_object()) {
    return InvalidArgumentError("\"arguments\" must be an object of strings");
  }
  std::map<std::string, std::string> values;
  if (arguments.is_object()) {
    for (auto const& [key, value] : arguments.items()) {
      PromptArgument const* a = p->Argument(key);
      if (a == nullptr) {
        std::string known;
        for (auto const& b : p->arguments) known += (known.empty() ? "" : ", ") + b.name;
        return InvalidArgumentError("prompt " + name + " has no argument \"" + key + "\"" +
                                    (known.empty() ? " (it takes none)" : "; it takes " + known));
      }
      if (!value.is_string()) {
        return InvalidArgumentError("argument " + key + " must be a string");
      }
      std::string v = value.get<std::string>();
      if (v.size() > kMaxPromptArgumentChars) {
        return InvalidArgumentError("argument " + key + " is longer than " +
                                    std::to_string(kMaxPromptArgumentChars) + " characters");
      }
      if (!v.empty()) values[key] = std::move(v);
    }
  }
  std::map<std::string, std::string> parts;
  for (auto const& a : p->arguments) {
    auto v = values.find(a.name);
    if (v == values.end()) {
      if (a.required) {
        return InvalidArgumentError("prompt " + name + " needs argument \"" + a.name +
                                    "\": " + a.description);
      }
      parts[a.name] = a.missing;
    } else {
      parts[a.name] = Fill(a.given, {{"value", v->second}});
    }
  }
  std::string body = p->text;
  for (auto const& e : p->extras) {
    if (e.enabled) body += " " + e.text;
  }
  if (!p->closing.empty()) body += " " + p->closing;
  json text{{"type", "text"}, {"text", Fill(body, parts)}};
  return json{{"description", p->description},
              {"messages", json::array({{{"role", "user"}, {"content", std::move(text)}}})}};
}

void RegisterPrompts(McpServer& server, std::shared_ptr<PromptCatalog const> catalog) {
  server.SetCapabilities(json{{"prompts", {{"listChanged", false}}}});
  server.RegisterMethod(
      "prompts/list",
      [catalog](json const& params, CallScope& scope, std::optional<ErrorObject>& error) -> json {
        if ((error = RefuseCursor(params))) return nullptr;
        json result = catalog->List();
        AddCacheHints(result, scope, kListTtl);
        return result;
      });
  server.RegisterMethod(
      "prompts/get",
      [catalog](json const& params, CallScope&, std::optional<ErrorObject>& error) -> json {
        auto name = params.find("name");
        if (name == params.end() || !name->is_string()) {
          error = ErrorObject{kInvalidParams,
                              "Invalid params: prompts/get needs \"name\" (a string)", nullptr};
          return nullptr;
        }
        auto result = catalog->Get(*name, params.value("arguments", json()));
        if (!result.ok()) {
          error = ErrorObject{kInvalidParams, "Invalid params: " + result.status().message(),
                              json{{"name", *name}}};
          return nullptr;
        }
        return *std::move(result);
      });
}

}  // namespace mcp
