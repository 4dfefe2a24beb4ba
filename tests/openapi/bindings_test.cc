// Every tool binding in schemas/ names an operation (method + path), parameters and body fields
// that exist in Halo's OpenAPI document (schemas/openapi-index.json, generated from it by
// scripts/openapi_index.py); records.json and lookups.json name fields of the records' schemas.
// A name the document lacks is either fixed or listed below with its reason.
#include "server/tool_registry.h"
#include "sim/store.h"

#include <catch2/catch.hpp>

#include <cctype>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

namespace {

using json = nlohmann::json;

std::filesystem::path const kSchemas = HALO_MCP_SOURCE_DIR "/schemas";

/// Names the document lacks that the live API needs or returns, with the reason. Keyed by
/// (tool or "records.<profile>" or "lookups.<kind>", "query|body|field:<name>").
std::map<std::pair<std::string, std::string>, std::string> const kExceptions = {
    {{"halopsa_delete_action", "query:ticket_id"},
     "DELETE /Actions/{id} documents no parameters, yet HaloPSA refuses it without ticket_id "
     "(\"ticket_id must be included when deleting an Action\", halo-api.md section 9, "
     "confirmed live)"},
    {{"halopsa_get_timesheet", "query:agents"},
     "GET /Timesheet documents no parameters; HaloPSA's own clients send agents, start_date and "
     "end_date (the timesheet kind adds the dates), sim/README.md Timesheet [L]"},
    {{"records.action", "field:who"},
     "live action rows carry the display name of who did it (halo-api.md sections 14 and 23); "
     "the Actions schema has only who_agentid"},
};

json const& Index() {
  static json const index = [] {
    std::ifstream in(kSchemas / "openapi-index.json");
    return json::parse(in);
  }();
  return index;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// "/Tickets/{id}" and "/tickets/{x}" name the same operation: HaloPSA matches paths
/// case-insensitively and placeholders by position.
std::string Normalized(std::string const& method, std::string const& path) {
  static std::regex const placeholder("\\{[^}]*\\}");
  return method + " " + Lower(std::regex_replace(path, placeholder, "{}"));
}

/// The document's operation for a binding, or nullptr.
json const* Operation(std::string const& method, std::string const& path) {
  static std::map<std::string, std::string> const by_normalized = [] {
    std::map<std::string, std::string> out;
    for (auto const& [key, op] : Index()["operations"].items()) {
      auto space = key.find(' ');
      out[Normalized(key.substr(0, space), key.substr(space + 1))] = key;
    }
    return out;
  }();
  auto it = by_normalized.find(Normalized(method, path));
  return it == by_normalized.end() ? nullptr : &Index()["operations"][it->second];
}

std::set<std::string> Params(json const& op, std::string const& in) {
  std::set<std::string> out;
  for (auto const& p : op.value("params", json::array())) {
    if (p[1] == in) out.insert(p[0].get<std::string>());
  }
  return out;
}

/// Field names of a schema ("" for none).
std::set<std::string> Fields(std::string const& schema) {
  std::set<std::string> out;
  if (schema.empty() || !Index()["schemas"].contains(schema)) return out;
  for (auto const& [name, type] : Index()["schemas"][schema].items()) out.insert(name);
  return out;
}

/// The schema a POST body carries: "[Faults]" -> "Faults".
std::string BodySchema(json const& op) {
  auto body = op.value("body", json());
  if (!body.is_string()) return "";
  auto s = body.get<std::string>();
  return s.size() > 2 && s.front() == '[' ? s.substr(1, s.size() - 2) : s;
}

/// A resource's record schema: the body of POST /{first path segment}.
std::string RecordSchema(std::string const& path) {
  auto const segment = path.substr(1, path.find('/', 1) - 1);
  auto const* post = Operation("POST", "/" + segment);
  return post ? BodySchema(*post) : "";
}

class Findings {
 public:
  void Check(bool ok, std::string const& owner, std::string const& what,
             std::string const& detail) {
    if (ok) return;
    auto it = kExceptions.find({owner, what});
    if (it != kExceptions.end()) {
      used_.insert(it->first);
      return;
    }
    problems_.insert(owner + ": " + what + " " + detail);
  }
  std::set<std::string> const& problems() const { return problems_; }
  std::set<std::pair<std::string, std::string>> const& used() const { return used_; }

 private:
  std::set<std::string> problems_;
  std::set<std::pair<std::string, std::string>> used_;
};

std::string Joined(std::set<std::string> const& lines) {
  std::string out;
  for (auto const& l : lines) out += l + "\n";
  return out;
}

mcp::ToolRegistry LoadAll() {
  mcp::ToolFilter filter;
  filter.toolsets = {"all"};
  auto registry = mcp::ToolRegistry::Load(kSchemas, filter);
  REQUIRE(registry.ok());
  return *std::move(registry);
}

void CheckTool(mcp::ToolSpec const& tool, Findings& f) {
  auto const& b = tool.halo;
  // The api tools bind no one operation: they check each call against the index themselves
  // (server/openapi_index_test.cc).
  if (b.kind == "api_operations" || b.kind == "api_call") return;
  auto const* op = Operation(b.method, b.path);
  f.Check(op != nullptr, tool.name, "operation",
          b.method + " " + b.path + " is not in the document");
  if (op == nullptr) return;
  auto const query = Params(*op, "query");
  auto const body = Fields(BodySchema(*op));
  auto const where = " of " + b.method + " " + b.path;
  for (auto const& p : b.params) {
    if (p.in == "query") {
      f.Check(query.count(p.name) > 0, tool.name, "query:" + p.name, "is not a parameter" + where);
    } else if (p.in == "body") {
      f.Check(body.count(p.name) > 0, tool.name, "body:" + p.name,
              "is not a field of " + BodySchema(*op));
    }
    if (!p.also.is_object()) continue;
    for (auto const& [name, value] : p.also.items()) {
      bool const known = p.in == "body" ? body.count(name) > 0 : query.count(name) > 0;
      f.Check(known, tool.name, (p.in == "body" ? "body:" : "query:") + name,
              "(sent with " + p.arg + ") is not known" + where);
    }
  }
  auto const path_params = Params(*op, "path").size();
  std::size_t placeholders = 0;
  for (auto const& p : b.params) placeholders += p.in == "path" ? 1 : 0;
  f.Check(placeholders == path_params, tool.name, "path",
          "has " + std::to_string(placeholders) + " placeholders, the document " +
              std::to_string(path_params));
  for (auto const& [name, value] : b.fixed_query.items()) {
    f.Check(query.count(name) > 0, tool.name, "query:" + name, "is not a parameter" + where);
  }
  for (auto const& [name, value] : b.fixed_body.items()) {
    f.Check(body.count(name) > 0, tool.name, "body:" + name,
            "is not a field of " + BodySchema(*op));
  }
  for (auto const& d : b.defaults) {
    f.Check(body.count(d.field) > 0, tool.name, "body:" + d.field,
            "is not a field of " + BodySchema(*op));
  }
  if (!b.acting_agent_field.empty()) {
    f.Check(body.count(b.acting_agent_field) > 0, tool.name, "body:" + b.acting_agent_field,
            "is not a field of " + BodySchema(*op));
  }
  if (b.kind == "update" || b.kind == "bulk_update") {
    f.Check(body.count(b.id_field) > 0, tool.name, "body:" + b.id_field,
            "is not a field of " + BodySchema(*op));
  }
  if (!b.get_path.empty()) {
    auto const* get_op = Operation("GET", b.get_path);
    f.Check(get_op != nullptr, tool.name, "get_path",
            "GET " + b.get_path + " is not in the document");
    for (auto const& q : b.get_query) {
      f.Check(get_op && Params(*get_op, "query").count(q) > 0, tool.name, "query:" + q,
              "is not a parameter of GET " + b.get_path);
    }
  }
  if (!b.exists.path.empty()) {
    auto const* list_op = Operation("GET", b.exists.path);
    f.Check(list_op != nullptr, tool.name, "exists",
            "GET " + b.exists.path + " is not in the document");
    f.Check(list_op && Params(*list_op, "query").count(b.exists.param) > 0, tool.name,
            "query:" + b.exists.param, "is not a parameter of GET " + b.exists.path);
  }
  if (!b.side_effect.path.empty()) {
    f.Check(Operation("GET", b.side_effect.path) != nullptr, tool.name, "side_effect",
            "GET " + b.side_effect.path + " is not in the document");
  }
  // The document has no response schemas; the list key is checked against the simulator,
  // which follows halo-api.md section 7.
  if (b.kind == "list") {
    auto const segment = b.path.substr(1, b.path.find('/', 1) - 1);
    auto const* entity = halo_sim::FindEntity(segment);
    f.Check(entity != nullptr && entity->list_key == b.list_key, tool.name, "list_key",
            "\"" + b.list_key + "\" is not the key the simulator answers /" + segment + " with");
  }
}

void CheckProfile(std::string const& profile, json const& def, std::string const& schema,
                  Findings& f) {
  auto const fields = Fields(schema);
  std::set<std::string> names;
  for (auto const* key : {"list", "get", "text"}) {
    for (auto const& n : def.value(key, json::array())) names.insert(n.get<std::string>());
  }
  auto const html_twins = def.value("html", json::object());
  for (auto const& [plain, html] : html_twins.items()) {
    names.insert(plain);
    names.insert(html.get<std::string>());
  }
  auto const computed = def.value("computed", json::object());
  for (auto const& [name, c] : computed.items()) {
    names.erase(name);  // the server's own name for a looked-up value
    names.insert(c.value("from", ""));
    names.insert(c.value("fallback", ""));
  }
  names.erase("");
  for (auto const& n : names) {
    f.Check(fields.count(n) > 0, "records." + profile, "field:" + n, "is not a field of " + schema);
  }
}

/// Checks every tool, record profile and lookup of a registry against the document.
Findings Audit(mcp::ToolRegistry const& registry) {
  Findings f;
  std::map<std::string, std::string> profile_paths;  // record profile -> a path that serves it
  for (auto const& tool : registry.tools()) {
    CheckTool(tool, f);
    if (!tool.halo.record.empty()) profile_paths.emplace(tool.halo.record, tool.halo.path);
  }
  for (auto const& [profile, def] : registry.records().items()) {
    auto const path = profile_paths.find(profile);
    f.Check(path != profile_paths.end(), "records." + profile, "tool", "no tool uses the profile");
    if (path != profile_paths.end()) CheckProfile(profile, def, RecordSchema(path->second), f);
  }
  for (auto const& [kind, def] : registry.lookups().items()) {
    auto const path = def.value("path", "");
    auto const* op = Operation("GET", path);
    f.Check(op != nullptr, "lookups." + kind, "operation",
            "GET " + path + " is not in the document");
    if (op == nullptr) continue;
    if (auto search = def.value("search", ""); !search.empty()) {
      f.Check(Params(*op, "query").count(search) > 0, "lookups." + kind, "query:" + search,
              "is not a parameter of GET " + path);
    }
    auto const fields = Fields(RecordSchema(path));
    std::set<std::string> names{def.value("id", "id")};
    for (auto const* key : {"name", "context"}) {
      for (auto const& n : def.value(key, json::array())) names.insert(n.get<std::string>());
    }
    for (auto const& n : names) {
      f.Check(fields.count(n) > 0, "lookups." + kind, "field:" + n,
              "is not a field of " + RecordSchema(path));
    }
  }
  return f;
}

json ReadJson(std::filesystem::path const& file) {
  std::ifstream in(file);
  return json::parse(in);
}

}  // namespace

TEST_CASE("Every tool binding names operations, parameters and fields of the document",
          "[openapi][bindings]") {
  auto const registry = LoadAll();
  REQUIRE(registry.tools().size() >= 38);
  auto const f = Audit(registry);
  INFO(Joined(f.problems()));
  CHECK(f.problems().empty());
  // Every exception is still needed: a fixed name must leave the list.
  for (auto const& [key, reason] : kExceptions) {
    INFO(key.first + " " + key.second);
    CHECK(f.used().count(key) == 1);
  }
}

TEST_CASE("The audit catches misnamed operations, filters, fields and record names",
          "[openapi][bindings]") {
  auto list = ReadJson(kSchemas / "tickets" / "halopsa_list_tickets.json");
  list["halo"]["params"]["ticket_type"]["name"] = "tickettype_id";  // the field, not the filter
  auto get = ReadJson(kSchemas / "tickets" / "halopsa_get_ticket.json");
  get["halo"]["path"] = "/Ticket/{id}";
  auto create = ReadJson(kSchemas / "customers" / "halopsa_create_user.json");
  create["halo"]["params"]["email"]["name"] = "email";
  auto records = ReadJson(kSchemas / "records.json");
  records["user"]["get"].push_back("jobtitle");
  auto registry = mcp::ToolRegistry::FromJson(
      ReadJson(kSchemas / "toolsets.json"), {list, get, create},
      mcp::ToolFilter{{"all"}, {}, {}, false}, ReadJson(kSchemas / "lookups.json"), records);
  REQUIRE(registry.ok());
  auto const problems = Joined(Audit(*registry).problems());
  CHECK_THAT(problems, Catch::Contains("halopsa_list_tickets: query:tickettype_id is not a "
                                       "parameter of GET /Tickets"));
  CHECK_THAT(problems, Catch::Contains("halopsa_get_ticket: operation GET /Ticket/{id} is not in "
                                       "the document"));
  CHECK_THAT(problems, Catch::Contains("halopsa_create_user: body:email is not a field of Users"));
  CHECK_THAT(problems, Catch::Contains("records.user: field:jobtitle is not a field of Users"));
}

TEST_CASE("The OpenAPI index covers the whole document", "[openapi][index]") {
  CHECK(Index()["counts"]["operations"] == 1216);
  CHECK(Index()["counts"]["paths"] == 808);
  CHECK(Index()["operations"].size() == 1216);
  auto const& tickets = Index()["operations"]["GET /Tickets"];
  CHECK(tickets["tag"] == "Faults");
  bool status_is_a_list = false;
  for (auto const& p : tickets["params"]) status_is_a_list |= p[0] == "status" && p.size() > 3;
  CHECK(status_is_a_list);  // "(array of int)" as the document describes it
  CHECK(Index()["operations"]["POST /Tickets"]["body"] == "[Faults]");
  CHECK(Index()["schemas"]["Users"].contains("title"));
  CHECK_FALSE(Index()["schemas"]["Users"].contains("jobtitle"));
}
