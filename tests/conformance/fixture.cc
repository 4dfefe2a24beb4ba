// mcp-conformance-fixture: the halo-mcp server core (McpServer + HttpTransport) serving the
// fixed test_* tools, test:// resources and test_* prompts that the official MCP conformance
// suite expects. Test-only: it is never built into halo-mcp and never touches HaloPSA.
#include "server/http_transport.h"
#include "server/mcp_server.h"
#include "server/tool_registry.h"

#include <CLI/CLI.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>
#include <pthread.h>
#include <signal.h>
#include <thread>

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// A 1x1 PNG and a silent WAV header: enough for clients to decode.
constexpr char kPng[] =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
constexpr char kWav[] = "UklGRiQAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAZGF0YQAAAAA=";

json Text(std::string const& text) { return json{{"type", "text"}, {"text", text}}; }
json Image() { return json{{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}}; }
json Result(json content) { return json{{"content", std::move(content)}}; }

/// Tool definitions in the registry's format. The "halo" binding is a placeholder the registry
/// requires; the fixture's caller never calls HaloPSA.
json ToolDef(std::string const& name, std::string const& description, json properties = {},
             json required = json::array()) {
  json unbound = json::array();
  if (properties.is_null()) properties = json::object();
  for (auto const& [k, v] : properties.items()) unbound.push_back(k);
  json schema{{"type", "object"}, {"additionalProperties", false}, {"properties", properties}};
  if (!required.empty()) schema["required"] = required;
  return json{
      {"name", name},
      {"title", name},
      {"description", description},
      {"toolset", "conformance"},
      {"annotations",
       {{"readOnlyHint", true},
        {"destructiveHint", false},
        {"idempotentHint", true},
        {"openWorldHint", false}}},
      {"inputSchema", schema},
      {"halo", {{"method", "GET"}, {"path", "/none"}, {"kind", "get"}, {"unbound", unbound}}}};
}

json StringProp(std::string const& description) {
  return json{{"type", "string"}, {"description", description}};
}

std::vector<json> ToolDefs() {
  return {
      ToolDef("test_simple_text", "Returns a simple text response"),
      ToolDef("test_image_content", "Returns an image"),
      ToolDef("test_audio_content", "Returns audio"),
      ToolDef("test_embedded_resource", "Returns an embedded resource"),
      ToolDef("test_multiple_content_types", "Returns text, an image and a resource"),
      ToolDef("test_tool_with_logging", "Sends log messages while it runs"),
      ToolDef("test_error_handling", "Always fails with a tool error"),
      ToolDef("test_tool_with_progress", "Reports progress while it runs"),
      ToolDef("test_sampling", "Asks the client's LLM through sampling",
              {{"prompt", StringProp("The prompt to send to the LLM")}}, {"prompt"}),
      ToolDef("test_elicitation", "Asks the user through elicitation",
              {{"message", StringProp("The message to show the user")}}, {"message"}),
      ToolDef("test_elicitation_sep1034_defaults", "Elicitation with default values"),
      ToolDef("test_elicitation_sep1330_enums", "Elicitation with the enum variants"),
      ToolDef("test_missing_capability", "Needs the client's sampling capability"),
      ToolDef("test_input_required_result_elicitation", "MRTR: asks for elicitation input"),
      ToolDef("test_input_required_result_sampling", "MRTR: asks for sampling input"),
      ToolDef("test_input_required_result_list_roots", "MRTR: asks for the client's roots"),
      ToolDef("test_input_required_result_request_state", "MRTR: round-trips request state"),
      ToolDef("test_input_required_result_multiple_inputs", "MRTR: asks for several inputs"),
      ToolDef("test_input_required_result_multi_round", "MRTR: asks in two rounds"),
      ToolDef("test_input_required_result_tampered_state", "MRTR: rejects tampered state"),
      ToolDef("test_input_required_result_capabilities", "MRTR: asks only what is declared"),
      ToolDef("test_streaming_elicitation", "Asks for input without server-to-client requests"),
      ToolDef("test_logging_tool", "Logs only when the request asked for a log level"),
  };
}

// ---- request state for MRTR: HMAC-protected so a tampered state is refused ----
class StateSigner {
 public:
  StateSigner() { RAND_bytes(key_, sizeof key_); }
  std::string Sign(json const& state) const {
    std::string body = state.dump();
    return Hex(body) + "." + Mac(body);
  }
  std::optional<json> Verify(std::string const& token) const {
    auto dot = token.find('.');
    if (dot == std::string::npos) return std::nullopt;
    auto body = Unhex(token.substr(0, dot));
    if (!body || Mac(*body) != token.substr(dot + 1)) return std::nullopt;
    return json::parse(*body, nullptr, false);
  }

 private:
  static std::string Hex(std::string const& s) {
    static constexpr char k[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
      out.push_back(k[c >> 4]);
      out.push_back(k[c & 15]);
    }
    return out;
  }
  static std::optional<std::string> Unhex(std::string const& s) {
    if (s.size() % 2) return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < s.size(); i += 2) {
      auto v = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
      };
      int hi = v(s[i]), lo = v(s[i + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
  }
  std::string Mac(std::string const& body) const {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key_, sizeof key_, reinterpret_cast<unsigned char const*>(body.data()),
         body.size(), out, &len);
    return Hex(std::string(reinterpret_cast<char*>(out), len));
  }
  unsigned char key_[32];
};

json ElicitForm(std::string const& message) {
  return json{{"message", message},
              {"requestedSchema",
               {{"type", "object"},
                {"properties",
                 {{"username", {{"type", "string"}, {"description", "User's response"}}},
                  {"email", {{"type", "string"}, {"description", "User's email address"}}}}},
                {"required", {"username", "email"}}}}};
}

/// The MRTR elicitation the 2026-07-28 scenarios expect.
json AskName(std::string const& message = "What is your name?", std::string const& field = "name") {
  return json{{"method", "elicitation/create"},
              {"params",
               {{"message", message},
                {"requestedSchema",
                 {{"type", "object"},
                  {"properties", {{field, {{"type", "string"}}}}},
                  {"required", {field}}}}}}};
}

json SamplingParams(std::string const& prompt) {
  return json{{"messages", json::array({{{"role", "user"}, {"content", Text(prompt)}}})},
              {"maxTokens", 100}};
}

class FixtureCaller : public mcp::ToolCaller {
 public:
  json Call(mcp::ToolSpec const& tool, json const& args, mcp::CallScope& scope) override {
    std::string const& name = tool.name;
    if (name == "test_simple_text") {
      return Result({Text("This is a simple text response for testing.")});
    }
    if (name == "test_image_content") return Result({Image()});
    if (name == "test_audio_content") {
      return Result({{{"type", "audio"}, {"data", kWav}, {"mimeType", "audio/wav"}}});
    }
    if (name == "test_embedded_resource") {
      return Result({{{"type", "resource"},
                      {"resource",
                       {{"uri", "test://embedded-resource"},
                        {"mimeType", "text/plain"},
                        {"text", "This is an embedded resource content."}}}}});
    }
    if (name == "test_multiple_content_types") {
      return Result({Text("Multiple content types test:"),
                     Image(),
                     {{"type", "resource"},
                      {"resource",
                       {{"uri", "test://mixed-content-resource"},
                        {"mimeType", "application/json"},
                        {"text", R"({"test":"data","value":123})"}}}}});
    }
    if (name == "test_tool_with_logging") {
      scope.Log("info", "Tool execution started");
      std::this_thread::sleep_for(50ms);
      scope.Log("info", "Tool processing data");
      std::this_thread::sleep_for(50ms);
      scope.Log("info", "Tool execution completed");
      return Result({Text("Tool with logging executed successfully")});
    }
    if (name == "test_error_handling") {
      return mcp::ToolErrorResult("This tool intentionally returns an error for testing");
    }
    if (name == "test_tool_with_progress") {
      scope.Progress(0, 100, "");
      std::this_thread::sleep_for(50ms);
      scope.Progress(50, 100, "");
      std::this_thread::sleep_for(50ms);
      scope.Progress(100, 100, "");
      return Result({Text("Tool with progress executed successfully")});
    }
    if (name == "test_sampling") {
      json answer = Ask(scope, "sampling/createMessage", SamplingParams(args.value("prompt", "")));
      if (answer.contains("error") || answer.is_null()) return Failed("sampling", answer);
      return Result(
          {Text("LLM response: " + answer["result"]["content"].value("text", std::string()))});
    }
    if (name == "test_elicitation") {
      return Elicit(scope, ElicitForm(args.value("message", "")), "User response: ");
    }
    if (name == "test_elicitation_sep1034_defaults") {
      json schema{
          {"type", "object"},
          {"properties",
           {{"name", {{"type", "string"}, {"description", "Your name"}, {"default", "John Doe"}}},
            {"age", {{"type", "integer"}, {"description", "Your age"}, {"default", 30}}},
            {"score", {{"type", "number"}, {"description", "Your score"}, {"default", 95.5}}},
            {"status",
             {{"type", "string"},
              {"description", "Your status"},
              {"enum", {"active", "inactive", "pending"}},
              {"default", "active"}}},
            {"verified", {{"type", "boolean"}, {"description", "Verified?"}, {"default", true}}}}}};
      return Elicit(
          scope,
          {{"message", "Please review and update the form fields"}, {"requestedSchema", schema}},
          "Elicitation completed: ");
    }
    if (name == "test_elicitation_sep1330_enums") {
      auto titled = [](char const* prefix, std::vector<std::string> titles) {
        json out = json::array();
        for (std::size_t i = 0; i < titles.size(); ++i) {
          out.push_back({{"const", prefix + std::to_string(i + 1)}, {"title", titles[i]}});
        }
        return out;
      };
      json schema{
          {"type", "object"},
          {"properties",
           {{"untitledSingle",
             {{"type", "string"},
              {"description", "Untitled single"},
              {"enum", {"option1", "option2", "option3"}}}},
            {"titledSingle",
             {{"type", "string"},
              {"description", "Titled single"},
              {"oneOf", titled("value", {"First Option", "Second Option", "Third Option"})}}},
            {"legacyEnum",
             {{"type", "string"},
              {"description", "Legacy titled"},
              {"enum", {"opt1", "opt2", "opt3"}},
              {"enumNames", {"Option One", "Option Two", "Option Three"}}}},
            {"untitledMulti",
             {{"type", "array"},
              {"description", "Untitled multi"},
              {"items", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}}}},
            {"titledMulti",
             {{"type", "array"},
              {"description", "Titled multi"},
              {"items",
               {{"anyOf",
                 titled("value", {"First Choice", "Second Choice", "Third Choice"})}}}}}}}};
      return Elicit(scope, {{"message", "Please choose"}, {"requestedSchema", schema}},
                    "Elicitation completed: ");
    }
    if (name == "test_missing_capability") {
      if (!scope.client_capabilities().contains("sampling")) {
        throw mcp::ProtocolError(mcp::ErrorObject{
            mcp::kMissingRequiredClientCapability, "Missing required client capability: sampling",
            json{{"requiredCapabilities", {{"sampling", json::object()}}}}});
      }
      return Result({Text("The client declared sampling")});
    }
    if (name.rfind("test_input_required_result_", 0) == 0) return Mrtr(name, scope);
    if (name == "test_streaming_elicitation") {
      if (scope.modern()) return Mrtr("test_input_required_result_elicitation", scope);
      return Elicit(scope, ElicitForm("Please provide your details"), "User response: ");
    }
    if (name == "test_logging_tool") {
      scope.Log("info", "test_logging_tool ran");  // dropped unless a level was requested
      return Result({Text("Logged (if a log level was requested)")});
    }
    return mcp::ToolErrorResult("Unknown fixture tool " + name);
  }

 private:
  static json Failed(std::string const& what, json const& answer) {
    return mcp::ToolErrorResult(what +
                                " failed: " + (answer.is_null() ? "no answer" : answer.dump()));
  }
  json Ask(mcp::CallScope& scope, std::string const& method, json params) {
    if (!scope.can_request_client()) return nullptr;
    return scope.RequestClient(method, std::move(params));
  }
  json Elicit(mcp::CallScope& scope, json params, std::string const& prefix) {
    json answer = Ask(scope, "elicitation/create", std::move(params));
    if (answer.is_null() || answer.contains("error")) return Failed("elicitation", answer);
    json const& r = answer["result"];
    return Result({Text(prefix + "action=" + r.value("action", "") +
                        ", content=" + r.value("content", json::object()).dump())});
  }

  /// 2026-07-28 multi round-trip requests: answer input_required until the retry carries the
  /// inputs, then complete.
  json Mrtr(std::string const& name, mcp::CallScope& scope) {
    json const& params = scope.request_params();
    json responses = params.value("inputResponses", json::object());
    if (!responses.is_object()) {
      throw mcp::ProtocolError(mcp::ErrorObject{
          mcp::kInvalidParams, "Invalid params: \"inputResponses\" must be an object", nullptr});
    }
    // An answer that is not a result object is treated as missing, so it is asked again.
    for (auto it = responses.begin(); it != responses.end();) {
      it = it->is_object() ? std::next(it) : responses.erase(it);
    }
    json const& caps = scope.client_capabilities();
    auto input_required = [](json requests, std::optional<std::string> state = std::nullopt) {
      json r{{"resultType", "input_required"}};
      if (!requests.empty()) r["inputRequests"] = std::move(requests);
      if (state) r["requestState"] = *state;
      return r;
    };
    auto elicit = AskName();
    json greeting{
        {"method", "sampling/createMessage"},
        {"params",
         {{"messages", json::array({{{"role", "user"}, {"content", Text("Generate a greeting")}}})},
          {"maxTokens", 50}}}};
    auto sample =
        json{{"method", "sampling/createMessage"}, {"params", SamplingParams("Say hello")}};
    auto roots = json{{"method", "roots/list"}, {"params", json::object()}};
    auto text_of = [](json const& v) { return v.dump(); };

    if (name == "test_input_required_result_elicitation") {
      if (!responses.contains("user_name")) return input_required({{"user_name", elicit}});
      json const& r = responses["user_name"];
      std::string who;
      if (r.is_object() && r.contains("content") && r["content"].is_object()) {
        who = r["content"].value("name", "");
      }
      return Result({Text("Hello, " + who + "!")});
    }
    if (name == "test_input_required_result_sampling") {
      if (!responses.contains("llm")) return input_required({{"llm", sample}});
      return Result({Text("Received: " + text_of(responses["llm"]))});
    }
    if (name == "test_input_required_result_list_roots") {
      if (!responses.contains("roots")) return input_required({{"roots", roots}});
      return Result({Text("Received: " + text_of(responses["roots"]))});
    }
    if (name == "test_input_required_result_multiple_inputs") {
      json missing = json::object();
      if (!responses.contains("user_name")) missing["user_name"] = elicit;
      if (!responses.contains("greeting")) missing["greeting"] = greeting;
      if (!responses.contains("client_roots")) missing["client_roots"] = roots;
      if (!missing.empty()) return input_required(missing, signer_.Sign(json{{"round", 1}}));
      return Result({Text("Received: " + text_of(responses))});
    }
    if (name == "test_input_required_result_request_state" ||
        name == "test_input_required_result_tampered_state" ||
        name == "test_input_required_result_multi_round") {
      std::optional<json> state;
      if (auto s = params.find("requestState"); s != params.end() && s->is_string()) {
        state = signer_.Verify(s->get<std::string>());
        if (!state) {
          throw mcp::ProtocolError(
              mcp::ErrorObject{mcp::kInvalidParams,
                               "Invalid params: requestState failed its integrity check", nullptr});
        }
      }
      int round = state ? state->value("round", 0) : 0;
      int rounds = name == "test_input_required_result_multi_round" ? 2 : 1;
      if (round < rounds) {
        std::string key = "input_" + std::to_string(round + 1);
        if (round > 0 && !responses.contains("input_" + std::to_string(round))) {
          // Missing the answer to the previous round: ask again with the same state.
          return input_required({{"input_" + std::to_string(round), elicit}},
                                signer_.Sign(json{{"round", round}}));
        }
        return input_required({{key, elicit}}, signer_.Sign(json{{"round", round + 1}}));
      }
      if (!responses.contains("input_" + std::to_string(rounds))) {
        return input_required({{"input_" + std::to_string(rounds), elicit}},
                              signer_.Sign(json{{"round", rounds}}));
      }
      return Result({Text("Completed after " + std::to_string(rounds) + " round(s)")});
    }
    if (name == "test_input_required_result_capabilities") {
      json requests = json::object();
      if (caps.contains("elicitation")) requests["user_input"] = elicit;
      if (caps.contains("sampling")) requests["llm"] = sample;
      if (caps.contains("roots")) requests["roots"] = roots;
      bool answered = true;
      for (auto const& [k, v] : requests.items()) answered = answered && responses.contains(k);
      if (!requests.empty() && !answered) return input_required(requests);
      return Result({Text("Completed with the declared capabilities")});
    }
    return mcp::ToolErrorResult("Unknown MRTR tool " + name);
  }

  StateSigner signer_;
};

// ---- resources, prompts, completion ----
json Page(json result, mcp::CallScope const& scope) {
  if (scope.modern()) {
    result["ttlMs"] = 60000;
    result["cacheScope"] = "public";
  }
  return result;
}

void RegisterResources(mcp::McpServer& server) {
  server.RegisterMethod("resources/list", [](json const&, mcp::CallScope& scope, auto&) {
    return Page(json{{"resources", json::array({{{"uri", "test://static-text"},
                                                 {"name", "static-text"},
                                                 {"description", "A static text resource"},
                                                 {"mimeType", "text/plain"}},
                                                {{"uri", "test://static-binary"},
                                                 {"name", "static-binary"},
                                                 {"description", "A static binary resource (PNG)"},
                                                 {"mimeType", "image/png"}},
                                                {{"uri", "test://watched-resource"},
                                                 {"name", "watched-resource"},
                                                 {"description", "A resource to subscribe to"},
                                                 {"mimeType", "text/plain"}}})}},
                scope);
  });
  server.RegisterMethod("resources/templates/list", [](json const&, mcp::CallScope& scope, auto&) {
    return Page(
        json{{"resourceTemplates", json::array({{{"uriTemplate", "test://template/{id}/data"},
                                                 {"name", "template"},
                                                 {"description", "A resource template with an id"},
                                                 {"mimeType", "application/json"}}})}},
        scope);
  });
  server.RegisterMethod(
      "resources/read",
      [](json const& params, mcp::CallScope& scope,
         std::optional<mcp::ErrorObject>& error) -> json {
        std::string uri = params.value("uri", "");
        json content;
        if (uri == "test://static-text") {
          content = {{"uri", uri},
                     {"mimeType", "text/plain"},
                     {"text", "This is the content of the static text resource."}};
        } else if (uri == "test://static-binary") {
          content = {{"uri", uri}, {"mimeType", "image/png"}, {"blob", kPng}};
        } else if (uri == "test://watched-resource") {
          content = {
              {"uri", uri}, {"mimeType", "text/plain"}, {"text", "Watched resource content"}};
        } else if (uri.rfind("test://template/", 0) == 0 && uri.size() > 21 &&
                   uri.compare(uri.size() - 5, 5, "/data") == 0) {
          std::string id = uri.substr(16, uri.size() - 21);
          content = {
              {"uri", uri},
              {"mimeType", "application/json"},
              {"text",
               json{{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}}.dump()}};
        } else {
          // 2026-07-28 uses -32602 for an unknown resource; earlier revisions -32002.
          error = mcp::ErrorObject{scope.modern() ? mcp::kInvalidParams : -32002,
                                   "Resource not found: " + uri, json{{"uri", uri}}};
          return nullptr;
        }
        return Page(json{{"contents", json::array({content})}}, scope);
      });
  auto subscription = [](json const& params, mcp::CallScope& scope,
                         std::optional<mcp::ErrorObject>& error) -> json {
    if (scope.modern()) {
      error = mcp::ErrorObject{mcp::kMethodNotFound,
                               "Method not found: use subscriptions/listen in 2026-07-28", nullptr};
      return nullptr;
    }
    if (!params.contains("uri")) {
      error = mcp::ErrorObject{mcp::kInvalidParams, "Invalid params: \"uri\" is required", nullptr};
      return nullptr;
    }
    return json::object();
  };
  server.RegisterMethod("resources/subscribe", subscription);
  server.RegisterMethod("resources/unsubscribe", subscription);
}

void RegisterPrompts(mcp::McpServer& server) {
  server.RegisterMethod("prompts/list", [](json const&, mcp::CallScope& scope, auto&) {
    auto arg = [](char const* name, char const* description) {
      return json{{"name", name}, {"description", description}, {"required", true}};
    };
    return Page(
        json{{"prompts",
              json::array(
                  {{{"name", "test_simple_prompt"}, {"description", "A simple prompt"}},
                   {{"name", "test_prompt_with_arguments"},
                    {"description", "A prompt with arguments"},
                    {"arguments", json::array({arg("arg1", "First test argument"),
                                               arg("arg2", "Second test argument")})}},
                   {{"name", "test_prompt_with_embedded_resource"},
                    {"description", "A prompt with an embedded resource"},
                    {"arguments", json::array({arg("resourceUri", "URI of the resource")})}},
                   {{"name", "test_prompt_with_image"}, {"description", "A prompt with an image"}},
                   {{"name", "test_input_required_result_prompt"},
                    {"description", "A prompt that first asks for context (2026-07-28 MRTR)"}}})}},
        scope);
  });
  server.RegisterMethod(
      "prompts/get",
      [](json const& params, mcp::CallScope& scope,
         std::optional<mcp::ErrorObject>& error) -> json {
        std::string name = params.value("name", "");
        json args = params.value("arguments", json::object());
        auto user = [](json content) {
          return json{{"role", "user"}, {"content", std::move(content)}};
        };
        if (name == "test_simple_prompt") {
          return json{{"messages", {user(Text("This is a simple prompt for testing."))}}};
        }
        if (name == "test_prompt_with_arguments") {
          return json{{"messages",
                       {user(Text("Prompt with arguments: arg1='" + args.value("arg1", "") +
                                  "', arg2='" + args.value("arg2", "") + "'"))}}};
        }
        if (name == "test_prompt_with_embedded_resource") {
          return json{{"messages",
                       {user({{"type", "resource"},
                              {"resource",
                               {{"uri", args.value("resourceUri", "test://example-resource")},
                                {"mimeType", "text/plain"},
                                {"text", "Embedded resource content for testing."}}}}),
                        user(Text("Please process the embedded resource above."))}}};
        }
        if (name == "test_input_required_result_prompt") {
          json responses = params.value("inputResponses", json::object());
          if (scope.modern() && (!responses.is_object() || !responses.contains("user_context"))) {
            return json{
                {"resultType", "input_required"},
                {"inputRequests",
                 {{"user_context", AskName("What context should the prompt use?", "context")}}}};
          }
          std::string context = "none";
          if (responses.is_object() && responses.contains("user_context") &&
              responses["user_context"].value("content", json::object()).is_object()) {
            context = responses["user_context"]["content"].value("context", "");
          }
          return json{{"messages", {user(Text("Prompt using context: " + context))}}};
        }
        if (name == "test_prompt_with_image") {
          return json{{"messages", {user(Image()), user(Text("Please analyze the image above."))}}};
        }
        error = mcp::ErrorObject{mcp::kInvalidParams, "Unknown prompt: " + name, nullptr};
        return nullptr;
      });
  server.RegisterMethod("completion/complete", [](json const& params, mcp::CallScope&, auto&) {
    std::string value = params.value("argument", json::object()).value("value", "");
    json values = json::array();
    for (char const* v : {"paris", "park", "party"}) {
      if (std::string(v).rfind(value, 0) == 0) values.push_back(v);
    }
    return json{{"completion", {{"values", values}, {"total", values.size()}, {"hasMore", false}}}};
  });
}

}  // namespace

int main(int argc, char** argv) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  CLI::App app{
      "mcp-conformance-fixture: test_* tools, resources and prompts for the MCP "
      "conformance suite (test-only)"};
  std::string addr = "127.0.0.1:0", port_file, log_level = "warn";
  app.add_option("--http", addr, "HOST:PORT to serve on (port 0 = any)");
  app.add_option("--http-port-file", port_file, "Write the bound port here");
  app.add_option("--log-level", log_level, "spdlog level");
  CLI11_PARSE(app, argc, argv);

  auto logger = std::make_shared<spdlog::logger>("fixture",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(log_level));

  auto registry = mcp::ToolRegistry::FromJson(
      json::array({{{"id", "conformance"}, {"description", "Conformance"}, {"default", true}}}),
      ToolDefs(), {});
  if (!registry.ok()) {
    std::cerr << "fixture: " << registry.status().message() << "\n";
    return 2;
  }
  mcp::ServerInfo info;
  info.name = "mcp-conformance-fixture";
  info.title = "halo-mcp conformance fixture";
  info.version = "0.1.0";
  mcp::McpServer server(info, std::make_shared<mcp::ToolRegistry const>(*std::move(registry)),
                        std::make_shared<FixtureCaller>());
  server.SetCapabilities(json{{"resources", {{"subscribe", true}, {"listChanged", false}}},
                              {"prompts", {{"listChanged", false}}},
                              {"completions", json::object()}});
  RegisterResources(server);
  RegisterPrompts(server);

  mcp::HttpOptions options;
  auto colon = addr.rfind(':');
  options.host = addr.substr(0, colon);
  options.port = std::stoi(addr.substr(colon + 1));
  mcp::HttpTransport transport(server, options);
  if (auto error = transport.Bind()) {
    std::cerr << "fixture: " << *error << "\n";
    return 2;
  }
  if (!port_file.empty()) {
    std::ofstream(port_file + ".tmp") << transport.port() << "\n";
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  std::cerr << "listening on " << transport.url() << std::endl;
  std::thread([&transport, signals] {
    int sig = 0;
    if (sigwait(&signals, &sig) == 0) transport.Stop();
  }).detach();
  transport.Run();
  return 0;
}
