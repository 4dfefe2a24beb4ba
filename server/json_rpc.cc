#include "server/json_rpc.h"

namespace mcp {

using nlohmann::json;

std::optional<json> ParseMessage(std::string_view text, ErrorObject* error) {
  auto parsed = halo::ParseBoundedJson(text, kMessageLimits);
  if (parsed.ok()) return std::move(parsed.value);
  if (error) {
    if (parsed.error == halo::JsonError::kSyntax) {
      *error = ErrorObject{kParseError, "Parse error: " + parsed.message, nullptr};
    } else {
      *error = ErrorObject{kInvalidRequest,
                           "Invalid request: the message holds " + parsed.message +
                               "; this server accepts at most " +
                               std::to_string(kMessageLimits.max_depth) + " levels and " +
                               std::to_string(kMessageLimits.max_values) + " values",
                           nullptr};
    }
  }
  return std::nullopt;
}

std::optional<json> ParseJson(std::string_view text, std::string* error) {
  auto parsed = halo::ParseBoundedJson(text);
  if (parsed.ok()) return std::move(parsed.value);
  if (error) *error = parsed.message;
  return std::nullopt;
}

namespace {

bool ValidId(json const& id) { return id.is_string() || id.is_number_integer(); }

Decoded Invalid(std::string message, json id = nullptr) {
  Decoded d;
  d.error = ErrorObject{kInvalidRequest, std::move(message), nullptr};
  d.error_id = ValidId(id) ? id : json(nullptr);
  return d;
}

}  // namespace

Decoded DecodeMessage(json const& value) {
  if (!value.is_object()) {
    return Invalid("Invalid request: a JSON-RPC message must be an object, got " +
                   std::string(value.type_name()));
  }
  auto jsonrpc = value.find("jsonrpc");
  json id = value.contains("id") ? value["id"] : json();
  if (jsonrpc == value.end() || *jsonrpc != "2.0") {
    return Invalid("Invalid request: \"jsonrpc\" must be \"2.0\"", id);
  }
  bool has_id = value.contains("id");
  if (has_id && !ValidId(id)) {
    return Invalid(std::string("Invalid request: \"id\" must be a string or an integer, got ") +
                   (id.is_null() ? "null" : id.type_name()));
  }
  auto method = value.find("method");
  if (method == value.end()) {
    if (has_id && (value.contains("result") || value.contains("error"))) {
      Decoded d;
      // A response keeps its outcome in params: {"result": ...} or {"error": ...}.
      json outcome = json::object();
      if (auto r = value.find("result"); r != value.end()) outcome["result"] = *r;
      if (auto e = value.find("error"); e != value.end()) outcome["error"] = *e;
      d.message = Message{Message::Kind::kResponse, id, "", std::move(outcome)};
      return d;
    }
    return Invalid("Invalid request: missing \"method\"", id);
  }
  if (!method->is_string() || method->get_ref<std::string const&>().empty()) {
    return Invalid("Invalid request: \"method\" must be a non-empty string", id);
  }
  json params;
  if (auto p = value.find("params"); p != value.end()) {
    if (!p->is_object() && !p->is_array()) {
      Decoded d;
      d.error =
          ErrorObject{kInvalidParams, "Invalid params: \"params\" must be an object", nullptr};
      d.error_id = has_id ? id : json(nullptr);
      return d;
    }
    params = *p;
  }
  Decoded d;
  d.message = Message{has_id ? Message::Kind::kRequest : Message::Kind::kNotification,
                      has_id ? id : json(), method->get<std::string>(), std::move(params)};
  return d;
}

std::string Serialize(json const& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string SerializeBounded(json const& message, std::size_t max_bytes) {
  std::string text = Serialize(message);
  if (text.size() <= max_bytes || !message.is_object() || !message.contains("id") ||
      !(message.contains("result") || message.contains("error"))) {
    return text;
  }
  return Serialize(MakeError(
      message["id"],
      ErrorObject{kInternalError,
                  "Internal error: the response would be " + std::to_string(text.size()) +
                      " bytes, over this server's limit of " + std::to_string(max_bytes) +
                      " bytes; ask for less (fewer records, fewer fields, no detail: \"full\")",
                  nullptr}));
}

json MakeResult(json const& id, json result) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json MakeError(json const& id, ErrorObject const& error) {
  json e{{"code", error.code}, {"message", error.message}};
  if (!error.data.is_null()) e["data"] = error.data;
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(e)}};
}

json MakeNotification(std::string_view method, json params) {
  json n{{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) n["params"] = std::move(params);
  return n;
}

}  // namespace mcp
