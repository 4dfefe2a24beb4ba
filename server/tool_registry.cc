#include "server/tool_registry.h"

#include "server/json_rpc.h"
#include "server/json_schema.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <utility>

namespace mcp {

using halo::InvalidArgumentError;
using halo::Status;
using halo::StatusOr;
using nlohmann::json;

namespace {

constexpr std::string_view kControlArgs[] = {"limit",  "cursor",    "fields",
                                             "detail", "full_text", "confirm"};

// Compact, shared result shapes. Tool files name one of these instead of repeating it, which
// keeps tools/list small (every byte of it lands in a model's context).
json NamedOutputSchema(std::string const& name) {
  if (name == "list") {
    // Only what a client needs to rely on: the default toolsets' tools/list is held to 40 KB,
    // and this shape is repeated on every list tool.
    return json::parse(R"({"type":"object","properties":{"items":{"type":"array"}},
      "required":["items","returned","has_more"]})");
  }
  if (name == "record") return json{{"type", "object"}};
  if (name == "write") {
    return json::parse(
        R"({"type":"object","properties":{"record":{"type":"object"}},"required":["record"]})");
  }
  if (name == "delete") {
    return json::parse(
        R"({"type":"object","properties":{"deleted":{"type":"boolean"}},"required":["deleted"]})");
  }
  if (name == "bulk") {
    return json::parse(R"({"type":"object","properties":{"results":{"type":"array"}},
      "required":["succeeded","failed","results"]})");
  }
  return nullptr;
}

Status Bad(std::string const& file, std::string const& problem) {
  return InvalidArgumentError("schema file " + file + ": " + problem);
}

std::string StringOr(json const& obj, char const* key, std::string fallback = "") {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// "{name}" segments of a path template. Hand-written: std::regex costs milliseconds of start-up.
std::vector<std::string> PathPlaceholders(std::string const& path) {
  std::vector<std::string> out;
  for (auto open = path.find('{'); open != std::string::npos; open = path.find('{', open + 1)) {
    auto close = path.find('}', open);
    if (close == std::string::npos) break;
    std::string name = path.substr(open + 1, close - open - 1);
    if (!name.empty() && std::all_of(name.begin(), name.end(), IsWordChar)) out.push_back(name);
  }
  return out;
}

// ^[a-z][a-z0-9_]{0,63}$
bool ValidToolName(std::string const& name) {
  if (name.empty() || name.size() > 64 || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

StatusOr<std::vector<std::string>> StringList(json const& v, std::string const& file,
                                              std::string const& what) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (!v.is_array()) return Bad(file, what + " must be an array of strings");
  for (auto const& item : v) {
    if (!item.is_string()) return Bad(file, what + " must be an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

StatusOr<Transform> ParseTransform(std::string const& name, std::string const& file,
                                   std::string const& arg) {
  if (name.empty()) return Transform::kNone;
  if (name == "minutes_to_hours") return Transform::kMinutesToHours;
  if (name == "not") return Transform::kNot;
  if (name == "date_start") return Transform::kDateStart;
  if (name == "date_end") return Transform::kDateEnd;
  if (name == "bool_to_int") return Transform::kBoolToInt;
  if (name == "id_list") return Transform::kIdList;
  return Bad(file, "halo.params." + arg + ".transform \"" + name +
                       "\" is not known (minutes_to_hours, not, date_start, date_end, "
                       "bool_to_int, id_list)");
}

/// Every key a binding may use; anything else is a typo that would silently do nothing.
bool KnownBindingKey(std::string const& key) {
  static std::set<std::string> const keys{"method",       "path",      "kind",        "list_key",
                                          "paginate",     "record",    "params",      "fixed_query",
                                          "fixed_body",   "exclusive", "defaults",    "id_field",
                                          "get_path",     "get_query", "fields",      "unbound",
                                          "acting_agent", "exists",    "side_effect", "source"};
  return keys.count(key) > 0;
}

Status ParseBinding(json const& halo, ToolSpec& spec, json const& properties,
                    std::set<std::string> const& required, std::string const& file) {
  HaloBinding& b = spec.halo;
  for (auto const& [key, value] : halo.items()) {
    if (!KnownBindingKey(key)) return Bad(file, "halo." + key + " is not a known binding key");
  }
  b.method = StringOr(halo, "method");
  b.path = StringOr(halo, "path");
  b.kind = StringOr(halo, "kind");
  b.list_key = StringOr(halo, "list_key");
  b.paginate = halo.value("paginate", b.kind == "list" && !b.list_key.empty());
  b.record = StringOr(halo, "record");
  if (b.method != "GET" && b.method != "POST" && b.method != "DELETE") {
    return Bad(file, "halo.method must be GET, POST or DELETE, got \"" + b.method + "\"");
  }
  if (b.path.empty() || b.path[0] != '/') return Bad(file, "halo.path must start with /");
  static std::set<std::string> const kinds{
      "list",     "get",           "create",       "update",    "delete",     "bulk_update",
      "action",   "whoami",        "time_entries", "timesheet", "attachment", "attachment_upload",
      "search",   "merge",         "prepay",       "report",    "respond",    "api_operations",
      "api_call", "enable_toolset"};
  if (!kinds.count(b.kind)) return Bad(file, "halo.kind \"" + b.kind + "\" is not known");
  if (spec.read_only() != (b.method == "GET")) {
    return Bad(file, "annotations.readOnlyHint must be true exactly when halo.method is GET");
  }
  if (b.method == "DELETE" && !spec.annotations["destructiveHint"].get<bool>()) {
    return Bad(file, "a DELETE tool must set destructiveHint: true");
  }
  b.idempotency = spec.annotations["idempotentHint"].get<bool>()
                      ? halo::Idempotency::kIdempotent
                      : halo::Idempotency::kNonIdempotent;
  if ((b.kind == "create" || b.kind == "action" || b.kind == "attachment_upload") &&
      b.idempotency == halo::Idempotency::kIdempotent) {
    return Bad(file,
               "a create or action tool makes a new record each time: idempotentHint must "
               "be false");
  }
  if (auto fq = halo.find("fixed_query"); fq != halo.end()) {
    if (!fq->is_object()) return Bad(file, "halo.fixed_query must be an object");
    b.fixed_query = *fq;
  }
  if (auto fb = halo.find("fixed_body"); fb != halo.end()) {
    if (!fb->is_object()) return Bad(file, "halo.fixed_body must be an object");
    b.fixed_body = *fb;
  }

  json const param_bindings = halo.value("params", json::object());
  for (auto const& [arg, pb] : param_bindings.items()) {
    if (!properties.contains(arg)) {
      return Bad(file, "halo.params binds \"" + arg + "\", which inputSchema does not define");
    }
    if (!pb.is_object()) return Bad(file, "halo.params." + arg + " must be an object");
    for (auto const& [key, value] : pb.items()) {
      if (key != "in" && key != "name" && key != "resolve" && key != "transform" && key != "also" &&
          key != "send" && key != "values") {
        return Bad(file, "halo.params." + arg + "." + key + " is not a known key");
      }
    }
    ParamBinding p;
    p.arg = arg;
    p.in = StringOr(pb, "in", "query");
    p.name = StringOr(pb, "name", arg);
    p.resolve = StringOr(pb, "resolve");
    auto transform = ParseTransform(StringOr(pb, "transform"), file, arg);
    if (!transform.ok()) return transform.status();
    p.transform = *transform;
    p.also = pb.value("also", json());
    p.values = pb.value("values", json());
    if (!p.values.is_null() && !p.values.is_object()) {
      return Bad(file, "halo.params." + arg + ".values must be an object");
    }
    std::string const send = StringOr(pb, "send", "id");
    if (send != "id" && send != "name") {
      return Bad(file, "halo.params." + arg + ".send must be id or name");
    }
    p.send_name = send == "name";
    if (p.send_name && p.resolve.empty()) {
      return Bad(file, "halo.params." + arg + ".send: name needs resolve");
    }
    if (!p.also.is_null() && !p.also.is_object()) {
      return Bad(file, "halo.params." + arg + ".also must be an object");
    }
    if (p.in != "query" && p.in != "path" && p.in != "body") {
      return Bad(file, "halo.params." + arg + ".in must be query, path or body");
    }
    b.params.push_back(std::move(p));
  }
  for (auto const& placeholder : PathPlaceholders(b.path)) {
    if (!required.count(placeholder)) {
      return Bad(file, "path placeholder {" + placeholder + "} must be a required argument");
    }
    auto const* p = spec.FindParam(placeholder);
    if (p == nullptr) {
      ParamBinding pb;
      pb.arg = placeholder;
      pb.in = "path";
      pb.name = placeholder;
      b.params.push_back(std::move(pb));
    } else if (p->in != "path") {
      return Bad(file, "path placeholder {" + placeholder + "} must be bound with in: path");
    }
  }

  auto unbound = StringList(halo.value("unbound", json()), file, "halo.unbound");
  if (!unbound.ok()) return unbound.status();
  b.unbound = *std::move(unbound);
  for (auto const& [prop, schema] : properties.items()) {
    bool listed = std::find(b.unbound.begin(), b.unbound.end(), prop) != b.unbound.end();
    if (!spec.FindParam(prop) && !IsControlArgument(prop) && !listed) {
      return Bad(file, "argument \"" + prop + "\" has no halo.params binding");
    }
  }

  for (auto const& group : halo.value("exclusive", json::array())) {
    auto names = StringList(group, file, "each halo.exclusive group");
    if (!names.ok()) return names.status();
    for (auto const& n : *names) {
      if (!properties.contains(n)) {
        return Bad(file, "halo.exclusive names \"" + n + "\", which inputSchema does not define");
      }
    }
    b.exclusive.push_back(*std::move(names));
  }
  json const defaults = halo.value("defaults", json::object());
  if (!defaults.is_object()) return Bad(file, "halo.defaults must be an object");
  for (auto const& [arg, d] : defaults.items()) {
    if (!properties.contains(arg)) {
      return Bad(file, "halo.defaults names \"" + arg + "\", which inputSchema does not define");
    }
    DefaultBinding db;
    db.arg = arg;
    db.field = StringOr(d, "name", arg);
    db.resolve = StringOr(d, "resolve");
    auto names = StringList(d.value("names", json()), file, "halo.defaults." + arg + ".names");
    if (!names.ok()) return names.status();
    db.names = *std::move(names);
    if (db.resolve.empty() || db.names.empty()) {
      return Bad(file, "halo.defaults." + arg + " needs resolve and names");
    }
    b.defaults.push_back(std::move(db));
  }
  b.id_field = StringOr(halo, "id_field", "id");
  b.get_path = StringOr(halo, "get_path");
  auto get_query = StringList(halo.value("get_query", json()), file, "halo.get_query");
  if (!get_query.ok()) return get_query.status();
  b.get_query = *std::move(get_query);
  if ((b.kind == "update" || b.kind == "bulk_update" || b.kind == "merge") && b.get_path.empty()) {
    return Bad(file, "an update needs halo.get_path to check that the record exists first");
  }
  if (auto e = halo.find("exists"); e != halo.end()) {
    if (!e->is_object()) return Bad(file, "halo.exists must be an object");
    b.exists = {StringOr(*e, "path"), StringOr(*e, "param"), StringOr(*e, "list_key")};
    if (b.exists.path.empty() || b.exists.param.empty()) {
      return Bad(file, "halo.exists needs path and param");
    }
  }
  if (auto e = halo.find("side_effect"); e != halo.end()) {
    if (!e->is_object()) return Bad(file, "halo.side_effect must be an object");
    b.side_effect = {StringOr(*e, "path"), StringOr(*e, "field"), StringOr(*e, "resolve"),
                     StringOr(*e, "label")};
    if (b.side_effect.path.empty() || b.side_effect.field.empty() || b.side_effect.label.empty()) {
      return Bad(file, "halo.side_effect needs path, field and label");
    }
    for (auto const& placeholder : PathPlaceholders(b.side_effect.path)) {
      if (!required.count(placeholder)) {
        return Bad(file, "halo.side_effect.path placeholder {" + placeholder +
                             "} must be a required argument");
      }
    }
  }
  b.acting_agent_field = StringOr(halo, "acting_agent");
  if (!b.acting_agent_field.empty() && b.method != "POST") {
    return Bad(file, "halo.acting_agent only applies to writes (POST)");
  }
  b.source_field = StringOr(halo, "source");
  if (!b.source_field.empty() && b.kind != "create") {
    return Bad(file, "halo.source only applies to creates");
  }
  auto fields = StringList(halo.value("fields", json()), file, "halo.fields");
  if (!fields.ok()) return fields.status();
  b.fields = *std::move(fields);
  return Status();
}

}  // namespace

StatusOr<json> ReadJsonFile(std::filesystem::path const& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return InvalidArgumentError("cannot read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  std::string error;
  auto value = ParseJson(ss.str(), &error);
  if (!value) return Bad(p.string(), "invalid JSON: " + error);
  return *std::move(value);
}

bool IsControlArgument(std::string_view name) {
  return std::find(std::begin(kControlArgs), std::end(kControlArgs), name) !=
         std::end(kControlArgs);
}

bool ToolSpec::read_only() const { return annotations.value("readOnlyHint", false); }

ParamBinding const* ToolSpec::FindParam(std::string_view arg) const {
  for (auto const& p : halo.params) {
    if (p.arg == arg) return &p;
  }
  return nullptr;
}

json ToolSpec::Definition() const {
  json def{{"name", name},
           {"title", title},
           {"description", description},
           {"inputSchema", input_schema},
           {"annotations", annotations}};
  // openWorldHint: true is MCP's default; every tool here reaches HaloPSA, so saying it on
  // each one only costs the model's context (the schema files still state it).
  if (annotations.value("openWorldHint", false)) def["annotations"].erase("openWorldHint");
  // MCP gives destructiveHint and idempotentHint meaning only when readOnlyHint is false; on a
  // read tool they are noise in every tools/list.
  if (read_only()) {
    def["annotations"].erase("destructiveHint");
    def["annotations"].erase("idempotentHint");
  }
  if (!output_schema.is_null()) def["outputSchema"] = output_schema;
  return def;
}

StatusOr<ToolSpec> ParseToolSpec(json const& def, std::set<std::string> const& toolsets,
                                 std::string const& file) {
  if (!def.is_object()) return Bad(file, "must hold a JSON object");
  ToolSpec spec;
  spec.file = file;
  spec.name = StringOr(def, "name");
  if (!ValidToolName(spec.name)) {
    return Bad(file, "\"name\" must match ^[a-z][a-z0-9_]{0,63}$, got \"" + spec.name + "\"");
  }
  spec.title = StringOr(def, "title");
  spec.description = StringOr(def, "description");
  if (spec.title.empty()) return Bad(file, "\"title\" must be a non-empty string");
  if (spec.description.empty()) return Bad(file, "\"description\" must be a non-empty string");
  spec.toolset = StringOr(def, "toolset");
  if (!toolsets.count(spec.toolset)) {
    return Bad(file, "\"toolset\" \"" + spec.toolset + "\" is not defined in toolsets.json");
  }

  auto ann = def.find("annotations");
  if (ann == def.end() || !ann->is_object()) return Bad(file, "\"annotations\" must be an object");
  for (char const* hint : {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"}) {
    if (!ann->contains(hint) || !(*ann)[hint].is_boolean()) {
      return Bad(file,
                 std::string("annotations.") + hint + " must be given explicitly as a boolean");
    }
  }
  spec.annotations = *ann;

  auto in = def.find("inputSchema");
  if (in == def.end() || !in->is_object()) return Bad(file, "\"inputSchema\" must be an object");
  if (in->value("type", "") != "object") return Bad(file, "inputSchema.type must be \"object\"");
  if (!in->contains("additionalProperties") || (*in)["additionalProperties"] != false) {
    return Bad(file, "inputSchema must set \"additionalProperties\": false");
  }
  for (char const* k : {"oneOf", "anyOf", "allOf"}) {
    if (in->contains(k)) return Bad(file, std::string("inputSchema must not use top-level ") + k);
  }
  if (auto unsupported = UnsupportedKeywords(*in); !unsupported.empty()) {
    std::string list;
    for (auto const& u : unsupported) list += (list.empty() ? "" : ", ") + u;
    return Bad(file, "inputSchema uses keywords the validator does not support: " + list);
  }
  spec.input_schema = *in;
  json const properties = in->value("properties", json::object());
  std::set<std::string> required;
  for (auto const& r : in->value("required", json::array())) {
    if (r.is_string()) required.insert(r.get<std::string>());
  }
  for (auto const& [prop, schema] : properties.items()) {
    if (!schema.is_object() || StringOr(schema, "description").empty()) {
      if (!IsControlArgument(prop)) {
        return Bad(file, "argument \"" + prop + "\" needs a description");
      }
    }
  }

  if (auto out = def.find("outputSchema"); out != def.end()) {
    if (out->is_string()) {
      spec.output_schema = NamedOutputSchema(out->get<std::string>());
      if (spec.output_schema.is_null()) {
        return Bad(file, "unknown outputSchema name \"" + out->get<std::string>() +
                             "\" (use list, record, write, delete, bulk or an object)");
      }
    } else if (out->is_object() && out->value("type", "") == "object") {
      spec.output_schema = *out;
    } else {
      return Bad(file, "outputSchema must be an object schema with type \"object\"");
    }
  }

  auto halo = def.find("halo");
  if (halo == def.end() || !halo->is_object()) return Bad(file, "\"halo\" binding is missing");
  if (auto status = ParseBinding(*halo, spec, properties, required, file); !status.ok()) {
    return status;
  }
  return spec;
}

StatusOr<ToolRegistry> ToolRegistry::FromJson(json const& toolsets_json, std::vector<json> tools,
                                              ToolFilter const& filter, json lookups,
                                              json records) {
  ToolRegistry reg;
  reg.lookups_ = std::move(lookups);
  reg.records_ = std::move(records);
  std::set<std::string> ids;
  if (!toolsets_json.is_array()) return InvalidArgumentError("toolsets.json must hold an array");
  for (auto const& t : toolsets_json) {
    Toolset ts{StringOr(t, "id"), StringOr(t, "description"), t.value("default", false),
               t.value("meta", false)};
    if (ts.id.empty()) return InvalidArgumentError("toolsets.json: every toolset needs an id");
    ids.insert(ts.id);
    reg.toolsets_.push_back(std::move(ts));
  }
  // A lookup searched within another, or implying another's value, must name a defined kind.
  for (auto const& [kind, spec] : reg.lookups_.items()) {
    for (char const* key : {"within", "implies"}) {
      json const& refs = spec.value(key, json::object());
      if (!refs.is_object()) {
        return InvalidArgumentError("lookups.json: " + kind + "." + key + " must be an object");
      }
      for (auto const& [other, field] : refs.items()) {
        if (!reg.lookups_.contains(other) || !field.is_string()) {
          return InvalidArgumentError("lookups.json: " + kind + "." + key + " names \"" + other +
                                      "\", which is not a lookup (or its field is not a string)");
        }
      }
    }
  }
  std::vector<ToolSpec> all;
  std::set<std::string> names;
  for (auto& def : tools) {
    std::string file = def.value("__file", std::string("<memory>"));
    // Each definition is consumed as it is parsed, so the parse-time trees and the typed specs
    // are never all held at once.
    json clean = std::exchange(def, json());
    clean.erase("__file");
    auto spec = ParseToolSpec(clean, ids, file);
    if (!spec.ok()) return spec.status();
    if (!reg.lookups_.empty()) {
      auto known = [&reg](std::string const& kind) { return reg.lookups_.contains(kind); };
      for (auto const& p : spec->halo.params) {
        if (!p.resolve.empty() && !known(p.resolve)) {
          return Bad(file, "halo.params." + p.arg + " resolves \"" + p.resolve +
                               "\", which lookups.json does not define");
        }
      }
      for (auto const& d : spec->halo.defaults) {
        if (!known(d.resolve)) {
          return Bad(file, "halo.defaults." + d.arg + " resolves \"" + d.resolve +
                               "\", which lookups.json does not define");
        }
      }
    }
    if (!names.insert(spec->name).second) {
      return Bad(file, "tool name \"" + spec->name + "\" is defined twice");
    }
    all.push_back(*std::move(spec));
  }

  // Resolve the filter. Unknown names are start-up errors: a typo must not silently hide tools.
  std::set<std::string> meta_sets;
  for (auto const& ts : reg.toolsets_) {
    if (ts.meta) meta_sets.insert(ts.id);
  }
  std::set<std::string> enabled_sets;
  std::vector<std::string> wanted = filter.toolsets;
  if (wanted.empty()) wanted.push_back("default");
  for (auto const& w : wanted) {
    if (w == "all" || w == "default") {
      for (auto const& ts : reg.toolsets_) {
        if (!ts.meta && (w == "all" || ts.default_enabled)) enabled_sets.insert(ts.id);
      }
    } else if (meta_sets.count(w)) {
      return InvalidArgumentError("toolset \"" + w +
                                  "\" is not chosen by name: --dynamic-toolsets turns it on");
    } else if (ids.count(w)) {
      enabled_sets.insert(w);
    } else {
      std::string known;
      for (auto const& id : ids) {
        if (!meta_sets.count(id)) known += (known.empty() ? "" : ", ") + id;
      }
      return InvalidArgumentError("unknown toolset \"" + w + "\"; known toolsets: all, default, " +
                                  known);
    }
  }
  for (auto const* list : {&filter.tools, &filter.exclude}) {
    for (auto const& n : *list) {
      if (!names.count(n)) {
        return InvalidArgumentError("unknown tool \"" + n +
                                    "\" in --tools/--exclude-tools (see --list-tools)");
      }
    }
  }
  auto contains = [](std::vector<std::string> const& v, std::string const& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  reg.dynamic_ = filter.dynamic_toolsets;
  for (auto& spec : all) {
    spec.meta = meta_sets.count(spec.toolset) > 0;
    bool const allowed =
        !contains(filter.exclude, spec.name) && (!filter.read_only || spec.read_only());
    bool const on = allowed && (spec.meta ? filter.dynamic_toolsets
                                          : enabled_sets.count(spec.toolset) ||
                                                contains(filter.tools, spec.name));
    if (on) {
      reg.tools_.push_back(std::move(spec));
    } else if (allowed && !spec.meta && filter.dynamic_toolsets) {
      reg.on_demand_.push_back(std::move(spec));
    } else {
      // A hidden tool is only named in refusals: its schemas and binding are not kept.
      if (contains(filter.exclude, spec.name)) {
        spec.hidden_because = "--exclude-tools names it";
      } else if (filter.read_only && !spec.read_only()) {
        spec.hidden_because = "the server is read-only (--read-only)";
      } else if (spec.meta) {
        spec.hidden_because = "it comes with --dynamic-toolsets";
      } else {
        spec.hidden_because = "its toolset \"" + spec.toolset +
                              "\" is not enabled; the server's owner can add it with --toolsets "
                              "(HALO_MCP_TOOLSETS), e.g. default," +
                              spec.toolset;
      }
      spec.description.clear();
      spec.input_schema = nullptr;
      spec.output_schema = nullptr;
      spec.halo = HaloBinding();
      reg.hidden_.push_back(std::move(spec));
    }
  }
  auto by_name = [](ToolSpec const& a, ToolSpec const& b) { return a.name < b.name; };
  for (auto* v : {&reg.tools_, &reg.hidden_, &reg.on_demand_}) {
    std::sort(v->begin(), v->end(), by_name);
  }
  reg.DescribeOnDemandToolsets();
  return reg;
}

void ToolRegistry::DescribeOnDemandToolsets() {
  // The meta tool names the toolsets it can enable, so that a model picks one (calendar for an
  // appointment) without asking for the list first.
  std::string sets;
  for (auto const& ts : toolsets_) {
    bool const offered = std::any_of(on_demand_.begin(), on_demand_.end(),
                                     [&ts](ToolSpec const& t) { return t.toolset == ts.id; });
    if (offered) sets += (sets.empty() ? "" : "; ") + ts.id + " (" + ts.description + ")";
  }
  for (auto& t : tools_) {
    if (!t.meta || t.halo.kind != "enable_toolset") continue;
    auto& prop = t.input_schema["properties"]["toolset"];
    if (!prop.is_object()) continue;
    prop["description"] = prop.value("description", std::string()) +
                          (sets.empty() ? ": none left on this server" : ": " + sets);
  }
}

StatusOr<ToolRegistry> ToolRegistry::Load(std::filesystem::path const& dir,
                                          ToolFilter const& filter) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return halo::FailedPreconditionError("schema directory " + dir.string() +
                                         " does not exist (set --schema-dir)");
  }
  auto toolsets = ReadJsonFile(dir / "toolsets.json");
  if (!toolsets.ok()) return toolsets.status();
  json extra[2] = {json::object(), json::object()};
  char const* extra_files[2] = {"lookups.json", "records.json"};
  for (int i = 0; i < 2; ++i) {
    if (!std::filesystem::exists(dir / extra_files[i])) continue;
    auto value = ReadJsonFile(dir / extra_files[i]);
    if (!value.ok()) return value.status();
    if (!value->is_object()) return Bad((dir / extra_files[i]).string(), "must hold an object");
    extra[i] = *std::move(value);
  }
  std::vector<std::filesystem::path> files;
  for (auto const& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_directory()) continue;
    for (auto const& f : std::filesystem::directory_iterator(entry.path(), ec)) {
      if (f.path().extension() == ".json") files.push_back(f.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<json> defs;
  for (auto const& f : files) {
    auto def = ReadJsonFile(f);
    if (!def.ok()) return def.status();
    if (!def->is_object()) return Bad(f.string(), "must hold a JSON object");
    if (def->value("name", "") + ".json" != f.filename().string()) {
      return Bad(f.string(), "the file name must be the tool name plus .json");
    }
    (*def)["__file"] = f.string();
    defs.push_back(*std::move(def));
  }
  return FromJson(*toolsets, std::move(defs), filter, std::move(extra[0]), std::move(extra[1]));
}

ToolSpec const* ToolRegistry::Find(std::string_view name) const {
  auto it = std::lower_bound(tools_.begin(), tools_.end(), name,
                             [](ToolSpec const& t, std::string_view n) { return t.name < n; });
  return it != tools_.end() && it->name == name ? &*it : nullptr;
}

ToolSpec const* ToolRegistry::FindHidden(std::string_view name) const {
  if (auto const* t = FindOnDemand(name)) return t;
  for (auto const& t : hidden_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

ToolSpec const* ToolRegistry::FindOnDemand(std::string_view name) const {
  auto it = std::lower_bound(on_demand_.begin(), on_demand_.end(), name,
                             [](ToolSpec const& t, std::string_view n) { return t.name < n; });
  return it != on_demand_.end() && it->name == name ? &*it : nullptr;
}

Toolset const* ToolRegistry::FindToolset(std::string_view id) const {
  for (auto const& ts : toolsets_) {
    if (ts.id == id) return &ts;
  }
  return nullptr;
}

std::optional<json> ToolRegistry::ListPage(std::string const& cursor, std::size_t page_size,
                                           std::function<bool(ToolSpec const&)> const& visible,
                                           std::set<std::string> const& enabled) const {
  // The tools this caller sees, in name order: the start set and what its session enabled.
  std::vector<ToolSpec const*> shown;
  shown.reserve(tools_.size());
  for (auto const& t : tools_) {
    if (!visible || visible(t)) shown.push_back(&t);
  }
  if (!enabled.empty()) {
    for (auto const& t : on_demand_) {
      if (enabled.count(t.toolset) && (!visible || visible(t))) shown.push_back(&t);
    }
    std::sort(shown.begin(), shown.end(),
              [](ToolSpec const* a, ToolSpec const* b) { return a->name < b->name; });
  }
  std::size_t start = 0;
  if (!cursor.empty()) {
    // The cursor names the last tool already sent: stable even if clients hold it a while.
    if (cursor.rfind("after:", 0) != 0) return std::nullopt;
    std::string last = cursor.substr(6);
    auto it = std::upper_bound(shown.begin(), shown.end(), last,
                               [](std::string const& c, ToolSpec const* t) { return c < t->name; });
    if (it == shown.begin() || (*std::prev(it))->name != last) return std::nullopt;
    start = static_cast<std::size_t>(it - shown.begin());
  }
  json page{{"tools", json::array()}};
  std::size_t const end = std::min(shown.size(), start + std::max<std::size_t>(page_size, 1));
  for (std::size_t i = start; i < end; ++i) page["tools"].push_back(shown[i]->Definition());
  if (end < shown.size()) page["nextCursor"] = "after:" + shown[end - 1]->name;
  return page;
}

std::filesystem::path FindSchemaDir(std::string const& flag, std::filesystem::path const& exe) {
  if (!flag.empty()) return flag;
  std::error_code ec;
  auto bin = std::filesystem::canonical(exe, ec).parent_path();
  for (auto const& candidate : {bin / ".." / "share" / "halo-mcp" / "schemas", bin / "schemas"}) {
    if (std::filesystem::exists(candidate / "toolsets.json", ec)) {
      return candidate.lexically_normal();
    }
  }
#ifdef HALO_MCP_SOURCE_SCHEMA_DIR
  return HALO_MCP_SOURCE_SCHEMA_DIR;
#else
  return bin / "schemas";
#endif
}

}  // namespace mcp
