#include "server/resources.h"

#include "halo/safe_int.h"
#include "server/failure_text.h"
#include "server/list_results.h"
#include "server/output_format.h"

namespace mcp {

using nlohmann::json;

namespace {

/// The initialize-era code for an unknown resource; 2026-07-28 uses -32602 instead.
constexpr int kLegacyResourceNotFound = -32002;
constexpr std::chrono::minutes kTemplatesTtl{5};
constexpr std::chrono::seconds kRecordTtl{30};
constexpr char kScheme[] = "halopsa://";
constexpr char kListTool[] = "halopsa_list_tickets";

ErrorObject NotFound(CallScope const& scope, std::string const& uri, std::string message) {
  return ErrorObject{scope.modern() ? kInvalidParams : kLegacyResourceNotFound,
                     "Resource not found: " + std::move(message), json{{"uri", uri}}};
}

}  // namespace

std::vector<ResourceTemplate> const& KnownResourceTemplates() {
  static std::vector<ResourceTemplate> const kTemplates = {
      {"tickets", "ticket", "halopsa_get_ticket", "A ticket: summary, client, status, SLA"},
      {"clients", "client", "halopsa_get_client", "A client (customer organisation)"},
      {"users", "user", "halopsa_get_user", "An end user (a client's contact)"},
      {"kb", "KB article", "halopsa_get_kb_article", "A knowledge-base article"},
  };
  return kTemplates;
}

ResourceCatalog::ResourceCatalog(std::shared_ptr<ToolRegistry const> registry, Reader reader,
                                 std::shared_ptr<ToolCaller> caller)
    : registry_(std::move(registry)), reader_(std::move(reader)), caller_(std::move(caller)) {
  for (auto const& t : KnownResourceTemplates()) {
    if (registry_->Find(t.tool) != nullptr) templates_.push_back(&t);
  }
}

std::optional<ResourceRef> ResourceCatalog::Parse(std::string_view uri) const {
  if (uri.substr(0, sizeof(kScheme) - 1) != kScheme) return std::nullopt;
  uri.remove_prefix(sizeof(kScheme) - 1);
  auto slash = uri.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view const collection = uri.substr(0, slash);
  auto id = halo::ParseInt64(uri.substr(slash + 1), 1);
  if (!id) return std::nullopt;
  for (auto const* t : templates_) {
    if (t->collection == collection) return ResourceRef{t, *id};
  }
  return std::nullopt;
}

json ResourceCatalog::TemplatesList() const {
  json list = json::array();
  for (auto const* t : templates_) {
    list.push_back({{"uriTemplate", t->uri_template()},
                    {"name", t->collection},
                    {"description", t->description},
                    {"mimeType", "text/plain"}});
  }
  return json{{"resourceTemplates", std::move(list)}};
}

json ResourceCatalog::List(CallScope& scope, std::optional<ErrorObject>& error) const {
  json resources = json::array();
  ToolSpec const* list = registry_->Find(kListTool);
  bool const tickets = Parse("halopsa://tickets/1").has_value();
  if (scope.principal().agent.empty() || list == nullptr || !tickets) {
    return json{{"resources", std::move(resources)}};
  }
  json const args{{"agent", "me"},
                  {"open_only", true},
                  {"order", "priority"},
                  {"limit", kListedTickets},
                  {"fields", {"id", "summary", "client_name", "priority"}}};
  json r = caller_->Call(*list, args, scope);
  if (r.value("isError", false) || !r.contains("structuredContent")) {
    std::string text = r.value("content", json::array()).empty()
                           ? "no result"
                           : r["content"][0].value("text", "no result");
    error = ErrorObject{kInternalError, "Could not list my open tickets: " + text, nullptr};
    return nullptr;
  }
  for (auto const& row : r["structuredContent"].value("items", json::array())) {
    json id = row.value("id", json());
    if (!id.is_number_integer()) continue;
    std::string const n = std::to_string(id.get<std::int64_t>());
    json entry{{"uri", std::string(kScheme) + "tickets/" + n},
               {"name", "ticket " + n},
               {"title", TrimText(row.value("summary", "ticket " + n), 80)},
               {"mimeType", "text/plain"}};
    std::string about = row.value("client_name", "");
    if (auto p = row.value("priority", ""); !p.empty()) about += (about.empty() ? "" : ", ") + p;
    if (!about.empty()) entry["description"] = about;
    resources.push_back(std::move(entry));
  }
  return json{{"resources", std::move(resources)}};
}

json ResourceCatalog::Read(std::string const& uri, CallScope& scope,
                           std::optional<ErrorObject>& error) const {
  auto ref = Parse(uri);
  if (!ref) {
    std::string served;
    for (auto const* t : templates_) served += (served.empty() ? "" : ", ") + t->uri_template();
    error = NotFound(scope, uri,
                     uri + " is not a resource of this server; it serves " +
                         (served.empty() ? "none (their tools are disabled)" : served));
    return nullptr;
  }
  ToolSpec const* tool = registry_->Find(ref->templ->tool);
  auto record = reader_(*tool, json{{"id", ref->id}}, scope);
  if (!record.ok()) {
    if (record.status().code() == halo::StatusCode::kNotFound) {
      error = NotFound(scope, uri,
                       "HaloPSA has no " + ref->templ->noun + " " + std::to_string(ref->id));
    } else {
      error = ErrorObject{kInternalError, DescribeFailure(record.status(), "reading " + uri),
                          json{{"uri", uri}}};
    }
    return nullptr;
  }
  json result{
      {"contents",
       json::array({{{"uri", uri}, {"mimeType", "text/plain"}, {"text", RenderRecord(*record)}}})}};
  AddCacheHints(result, scope, kRecordTtl);
  return result;
}

void RegisterResources(McpServer& server, std::shared_ptr<ResourceCatalog const> catalog) {
  server.SetCapabilities(json{{"resources", {{"subscribe", false}, {"listChanged", false}}}});
  server.RegisterMethod(
      "resources/templates/list",
      [catalog](json const& params, CallScope& scope, std::optional<ErrorObject>& error) -> json {
        if ((error = RefuseCursor(params))) return nullptr;
        json result = catalog->TemplatesList();
        AddCacheHints(result, scope, kTemplatesTtl);
        return result;
      });
  server.RegisterMethod(
      "resources/list",
      [catalog](json const& params, CallScope& scope, std::optional<ErrorObject>& error) -> json {
        if ((error = RefuseCursor(params))) return nullptr;
        json result = catalog->List(scope, error);
        if (error) return nullptr;
        AddCacheHints(result, scope, kRecordTtl);
        return result;
      });
  server.RegisterMethod(
      "resources/read",
      [catalog](json const& params, CallScope& scope, std::optional<ErrorObject>& error) -> json {
        auto uri = params.find("uri");
        if (uri == params.end() || !uri->is_string()) {
          error = ErrorObject{kInvalidParams,
                              "Invalid params: resources/read needs \"uri\" (a string)", nullptr};
          return nullptr;
        }
        return catalog->Read(*uri, scope, error);
      });
}

}  // namespace mcp
