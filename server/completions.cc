#include "server/completions.h"

#include "server/failure_text.h"

namespace mcp {

using nlohmann::json;

namespace {

ErrorObject Invalid(std::string message) {
  return ErrorObject{kInvalidParams, "Invalid params: " + std::move(message), nullptr};
}

json Values(std::vector<std::string> const& values, bool more) {
  json completion{{"values", values}, {"hasMore", more}};
  if (!more) completion["total"] = values.size();
  return json{{"completion", std::move(completion)}};
}

/// The lookup kind completing `argument` of the prompt named by `ref`; "" for none.
std::string PromptKind(PromptCatalog const& prompts, json const& ref, std::string const& argument,
                       std::optional<ErrorObject>& error) {
  std::string const name = ref.value("name", "");
  Prompt const* p = prompts.Find(name);
  if (p == nullptr || !p->offered) {
    error = Invalid("unknown prompt \"" + name + "\" in ref; prompts/list has the prompts");
    return "";
  }
  PromptArgument const* a = p->Argument(argument);
  if (a == nullptr) {
    error = Invalid("prompt " + name + " has no argument \"" + argument + "\"");
    return "";
  }
  return a->complete;
}

}  // namespace

void RegisterCompletions(McpServer& server, std::shared_ptr<PromptCatalog const> prompts,
                         std::shared_ptr<ResourceCatalog const> resources, NameSource names) {
  server.SetCapabilities(json{{"completions", json::object()}});
  server.RegisterMethod(
      "completion/complete",
      [prompts, resources, names](json const& params, CallScope& scope,
                                  std::optional<ErrorObject>& error) -> json {
        json const ref = params.value("ref", json());
        json const argument = params.value("argument", json());
        if (!ref.is_object() || !ref.value("type", json()).is_string()) {
          error = Invalid(
              "\"ref\" must be {type: \"ref/prompt\", name} or {type: \"ref/resource\", uri}");
          return nullptr;
        }
        if (!argument.is_object() || !argument.value("name", json()).is_string() ||
            !argument.value("value", json()).is_string()) {
          error = Invalid("\"argument\" must be {name, value} with string values");
          return nullptr;
        }
        std::string const arg = argument["name"];
        std::string const value = argument["value"];
        if (value.size() > kMaxCompletionPrefix) {
          error = Invalid("\"argument.value\" is longer than " +
                          std::to_string(kMaxCompletionPrefix) + " characters");
          return nullptr;
        }
        std::string kind;
        std::string const type = ref["type"];
        if (type == "ref/prompt") {
          kind = PromptKind(*prompts, ref, arg, error);
          if (error) return nullptr;
        } else if (type == "ref/resource") {
          std::string const uri = ref.value("uri", "");
          bool known = false;
          for (auto const* t : resources->templates()) known = known || t->uri_template() == uri;
          if (!known) {
            error = Invalid("unknown resource template \"" + uri +
                            "\" in ref; resources/templates/list has the templates");
            return nullptr;
          }
          // Template arguments are record ids, not names: nothing to offer.
        } else {
          error = Invalid("unknown ref type \"" + type + "\"; use ref/prompt or ref/resource");
          return nullptr;
        }
        if (kind.empty()) return Values({}, false);
        bool more = false;
        auto found = names(kind, value, scope.halo_context(), kMaxCompletionValues, &more);
        if (!found.ok()) {
          error = ErrorObject{kInternalError, DescribeFailure(found.status(), "completing " + arg),
                              nullptr};
          return nullptr;
        }
        return Values(*found, more);
      });
}

}  // namespace mcp
