#include "server/tool_executor.h"

#include "halo/text.h"
#include "server/json_util.h"
#include "server/output_format.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

namespace mcp {

using halo::Status;
using halo::StatusCode;
using halo::StatusOr;
using nlohmann::json;

std::string ToolExecutor::DateBasis() const {
  auto now = std::chrono::floor<std::chrono::seconds>(options_.wall_clock());
  auto const& tz = *options_.time_zone;
  return "Dates in " + tz.name() + " (UTC" + FormatOffset(tz.OffsetAt(now)) + "); today is " +
         TenantDate(now, tz) + ".";
}

Status RenameFields(Status status, ToolSpec const& tool) {
  if (status.ok() || !status.info().fields.is_object() || status.info().fields.empty()) {
    return status;
  }
  auto arg_for = [&tool](std::string const& field) -> std::string {
    for (auto const& p : tool.halo.params) {
      if (p.in == "body" && p.name == field) return p.arg;
    }
    return field;
  };
  halo::ErrorInfo info = status.info();
  std::string message = status.message();
  json renamed = json::object();
  for (auto const& [field, why] : info.fields.items()) {
    std::string const arg = arg_for(field);
    renamed[arg] = why;
    if (arg == field) continue;
    for (auto pos = message.find(field); pos != std::string::npos;
         pos = message.find(field, pos + arg.size())) {
      message.replace(pos, field.size(), arg);
    }
  }
  info.fields = std::move(renamed);
  return Status(status.code(), std::move(message), std::move(info));
}

ToolExecutor::ToolExecutor(std::shared_ptr<halo::HaloClient> client, Status unavailable,
                           json lookups, json records, ExecutorOptions options,
                           std::shared_ptr<halo::Clock const> clock)
    : client_(std::move(client)),
      unavailable_(std::move(unavailable)),
      records_(std::move(records)),
      options_(options) {
  if (!clock) clock = std::make_shared<halo::SystemClock>();
  resolver_ =
      std::make_unique<LookupResolver>(client_, std::move(lookups), std::move(clock),
                                       std::chrono::seconds(300), 256, options_.shared_lookups);
}

std::string ToolExecutor::Noun(ToolSpec const& tool) const {
  json const& profile = Member(records_, tool.halo.record);
  if (profile.is_object() && profile.contains("noun")) return profile["noun"].get<std::string>();
  return tool.halo.record.empty() ? std::string("record") : tool.halo.record;
}

json ToolExecutor::Call(ToolSpec const& tool, json const& args, CallScope& scope) {
  if (!client_) {
    return ToolErrorResult("No HaloPSA tenant is configured: " + unavailable_.message() +
                           ". Set HALOPSA_BASE_URL, HALOPSA_CLIENT_ID and HALOPSA_CLIENT_SECRET "
                           "(see halo-mcp --help), or start with --demo.");
  }
  for (auto const& group : tool.halo.exclusive) {
    std::vector<std::string> given;
    for (auto const& a : group) {
      if (args.contains(a)) given.push_back(a);
    }
    if (given.size() > 1) {
      return ToolErrorResult("Give only one of " + given[0] + " and " + given[1] +
                             "; nothing was sent to HaloPSA.");
    }
  }
  json result = Dispatch(tool, args, scope);
  // Tell the model which records its partial names matched, so a wrong guess is visible.
  auto notes = scope.TakeNotes();
  if (!notes.empty() && result.contains("content") && !result["content"].empty() &&
      result["content"][0].contains("text")) {
    std::string prefix;
    for (auto const& n : notes) prefix += "Note: " + n + "\n";
    result["content"][0]["text"] = prefix + result["content"][0]["text"].get<std::string>();
  }
  return result;
}

json ToolExecutor::Dispatch(ToolSpec const& tool, json const& args, CallScope& scope) {
  std::string const& kind = tool.halo.kind;
  if (kind == "list") return List(tool, args, scope);
  if (kind == "get" || kind == "whoami") return Get(tool, args, scope);
  if (kind == "create") return Create(tool, args, scope);
  if (kind == "action") return AddAction(tool, args, scope);
  if (kind == "update") return Update(tool, args, scope);
  if (kind == "bulk_update") return BulkUpdate(tool, args, scope);
  if (kind == "delete") return Delete(tool, args, scope);
  if (kind == "time_entries") return TimeEntries(tool, args, scope);
  if (kind == "timesheet") return Timesheet(tool, args, scope);
  if (kind == "attachment") return GetAttachment(tool, args, scope);
  if (kind == "attachment_upload") return AddAttachment(tool, args, scope);
  if (kind == "search") return Search(tool, args, scope);
  if (kind == "merge") return MergeTickets(tool, args, scope);
  if (kind == "prepay") return ListPrepay(tool, args, scope);
  if (kind == "report") return RunReport(tool, args, scope);
  if (kind == "respond") return RespondToApproval(tool, args, scope);
  if (kind == "api_operations") return ApiOperations(tool, args, scope);
  if (kind == "api_call") return ApiCall(tool, args, scope);
  return ToolErrorResult("Tool kind " + kind + " is not implemented");
}

StatusOr<ToolExecutor::Built> ToolExecutor::Build(ToolSpec const& tool, json const& args,
                                                  CallScope& scope, bool include_body) {
  auto const ctx = scope.halo_context();
  Built b;
  json path_values = json::object();
  std::map<std::string, std::string> query_seen;
  auto add_query = [&](std::string const& name, std::string const& value) -> Status {
    auto it = query_seen.find(name);
    if (it != query_seen.end()) {
      if (it->second == value) return Status();
      return halo::InvalidArgumentError("conflicting filters: both set HaloPSA's " + name +
                                        " (to " + it->second + " and " + value +
                                        "); use one of them per call");
    }
    query_seen[name] = value;
    b.query.emplace_back(name, value);
    return Status();
  };

  // Records others are looked for within (the client) are resolved first.
  LookupResolver::Context context;
  std::map<std::string, json> resolved_first;
  for (auto const& p : tool.halo.params) {
    auto it = args.find(p.arg);
    if (it == args.end() || it->is_null() || it->is_array() || p.resolve.empty() ||
        !resolver_->IsContext(p.resolve) || (p.in == "body" && !include_body)) {
      continue;
    }
    auto resolved = ResolveArgument(tool, p, *it, scope);
    if (!resolved.ok()) return resolved.status();
    context[p.resolve] = *resolved;
    resolved_first[p.arg] = *std::move(resolved);
  }

  for (auto const& p : tool.halo.params) {
    auto it = args.find(p.arg);
    if (it == args.end()) continue;
    // null means "none" only where it can: clearing the agent of a ticket.
    if (it->is_null() && !(p.resolve == "agent" && !tool.read_only())) continue;
    if (p.in == "body" && !include_body) continue;
    json value = *it;
    if (p.values.is_object() && value.is_string()) {
      if (auto v = p.values.find(value.get<std::string>()); v != p.values.end()) value = *v;
    }
    if (auto first = resolved_first.find(p.arg); first != resolved_first.end()) {
      value = first->second;
    } else if (!p.resolve.empty()) {
      auto resolved = ResolveArgument(tool, p, value, scope, context);
      if (!resolved.ok()) return resolved.status();
      value = *std::move(resolved);
    }
    switch (p.transform) {
      case Transform::kNone:
        break;
      case Transform::kMinutesToHours:
        if (value.is_number()) value = std::round(value.get<double>() / 60.0 * 10000.0) / 10000.0;
        break;
      case Transform::kNot:
        if (value.is_boolean()) value = !value.get<bool>();
        break;
      case Transform::kBoolToInt:
        if (value.is_boolean()) value = value.get<bool>() ? 1 : 0;
        break;
      case Transform::kIdList:
        value = json::array({json{{"id", std::move(value)}}});
        break;
      case Transform::kDateStart:
      case Transform::kDateEnd:
        if (value.is_string()) {
          auto now = std::chrono::floor<std::chrono::seconds>(options_.wall_clock());
          auto range = ParseDate(value.get<std::string>(), now, *options_.time_zone);
          if (!range.ok()) {
            return halo::InvalidArgumentError("argument '" + p.arg +
                                              "': " + range.status().message());
          }
          value = FormatHaloTime(p.transform == Transform::kDateStart ? range->start : range->end);
          b.dated = true;
        }
        break;
    }
    if (p.in == "path") {
      path_values[p.arg] = value;
    } else if (p.in == "query") {
      std::string rendered;
      if (value.is_array()) {
        for (auto const& v : value) rendered += (rendered.empty() ? "" : ",") + Render(v);
      } else {
        rendered = Render(value);
      }
      if (auto s = add_query(p.name, rendered); !s.ok()) return s;
    } else {
      b.body[p.name] = value;
    }
    if (p.also.is_object()) {
      for (auto const& [k, v] : p.also.items()) {
        if (p.in == "body") {
          b.body[k] = v;
        } else if (auto s = add_query(k, Render(v)); !s.ok()) {
          return s;
        }
      }
    }
  }
  for (auto const& [k, v] : tool.halo.fixed_query.items()) {
    if (!query_seen.count(k)) b.query.emplace_back(k, Render(v));
  }
  if (include_body) {
    for (auto const& [k, v] : tool.halo.fixed_body.items()) {
      if (!b.body.contains(k)) b.body[k] = v;
    }
  }
  b.path = Substitute(tool.halo.path, path_values);
  if (include_body) {
    if (auto s = FillImplied(tool, args, b, scope); !s.ok()) return s;
  }
  return b;
}

Status ToolExecutor::FillImplied(ToolSpec const& tool, json const& args, Built& built,
                                 CallScope& scope) {
  json const& lookups = resolver_->lookups();
  for (auto const& p : tool.halo.params) {
    if (p.in != "body" || p.resolve.empty()) continue;
    json const& implies = Member(Member(lookups, p.resolve), "implies");
    auto id = built.body.find(p.name);
    if (!implies.is_object() || id == built.body.end() || !id->is_number_integer() ||
        id->get<std::int64_t>() <= 0) {
      continue;
    }
    std::optional<json> record;
    for (auto const& item : implies.items()) {
      // Named copies, not structured bindings: clang 14 cannot capture those in a lambda.
      std::string const kind = item.key();
      json const& field = item.value();
      auto q =
          std::find_if(tool.halo.params.begin(), tool.halo.params.end(),
                       [&](ParamBinding const& b) { return b.in == "body" && b.resolve == kind; });
      if (q == tool.halo.params.end() || args.contains(q->arg) || built.body.contains(q->name)) {
        continue;
      }
      if (!record) {
        auto r = resolver_->Record(p.resolve, *id, scope.halo_context());
        if (!r.ok()) {
          return Status(r.status().code(), "argument '" + p.arg + "': " + r.status().message(),
                        r.status().info());
        }
        record = *std::move(r);
      }
      json const value = record->value(field.get<std::string>(), json());
      if (!value.is_number_integer() || value.get<std::int64_t>() <= 0) continue;
      built.body[q->name] = value;
      std::string name = resolver_->NameOf(kind, value, scope.halo_context());
      if (name.empty()) name = record->value(kind + "_name", std::string());
      scope.Note(q->arg + " " + (name.empty() ? "" : name + " ") + "(" + Render(value) +
                 ") taken from the " + p.arg + "'s record, since none was given");
    }
  }
  return Status();
}

Status ToolExecutor::CheckActingAgent(std::shared_ptr<Principal const> principal) {
  if (!client_ || !principal || principal->agent.empty()) return Status();
  CallScope scope(nullptr, -1, false, nullptr, nullptr, std::move(principal));
  auto id = ActingAgent(scope);
  return id.ok() ? Status() : id.status();
}

StatusOr<json> ToolExecutor::ActingAgent(CallScope& scope) {
  std::string const& agent = scope.principal().agent;
  if (agent.empty()) {
    return halo::InvalidArgumentError(
        "\"me\" stands for the acting agent, and none is set: start halo-mcp with --agent "
        "(or HALOPSA_AGENT) naming your HaloPSA agent by name, email or id");
  }
  std::string matched;
  auto id = resolver_->Resolve("agent", agent, scope.halo_context(), &matched);
  if (!id.ok()) {
    return halo::FailedPreconditionError("the acting agent (--agent / HALOPSA_AGENT) \"" + agent +
                                         "\" is not a HaloPSA agent: " + id.status().message());
  }
  if (!matched.empty()) {
    return halo::FailedPreconditionError(
        "the acting agent (--agent / HALOPSA_AGENT) must name an agent exactly: " + matched);
  }
  return id;
}

StatusOr<json> ToolExecutor::ResolveArgument(ToolSpec const& tool, ParamBinding const& p,
                                             json const& value, CallScope& scope,
                                             LookupResolver::Context const& context) {
  if (value.is_array()) {
    json ids = json::array();
    for (auto const& v : value) {
      auto id = ResolveArgument(tool, p, v, scope, context);
      if (!id.ok()) return id;
      ids.push_back(*std::move(id));
    }
    return ids;
  }
  bool const write = !tool.read_only();
  if (p.resolve == "agent") {
    if (value.is_string() && halo::EqualsIgnoreCase(value.get<std::string>(), "me")) {
      return ActingAgent(scope);
    }
    // HaloPSA's "no agent" is agent 0.
    if (value.is_null() ||
        (value.is_string() && halo::EqualsIgnoreCase(value.get<std::string>(), "unassigned"))) {
      return json(0);
    }
  }
  std::string matched;
  auto id = resolver_->Resolve(p.resolve, value, scope.halo_context(), &matched, context);
  if (!id.ok())
    return halo::Status(id.status().code(), "argument '" + p.arg + "': " + id.status().message(),
                        id.status().info());
  if (write) {
    // Departed agents are found (they own old tickets) but get no new work.
    if (std::string flag = resolver_->Flag(p.resolve, *id, scope.halo_context()); !flag.empty()) {
      std::string name = resolver_->NameOf(p.resolve, *id, scope.halo_context());
      return halo::InvalidArgumentError(
          "argument '" + p.arg + "': " + (name.empty() ? "" : name + " ") + "(" + Render(*id) +
          ") is " + flag + " in HaloPSA; name an active one");
    }
  }
  if (!matched.empty()) {
    // Reading with a partial name is fine (and reported); changing data on a guess is not.
    if (write) {
      return halo::InvalidArgumentError(
          "argument '" + p.arg + "': " + matched +
          " only partly; a change acts only on exact names or ids, so repeat with the exact "
          "name or the id if that is the one you mean");
    }
    scope.Note(matched);
  }
  if (p.send_name) {
    std::string name = resolver_->NameOf(p.resolve, *id, scope.halo_context());
    if (name.empty()) {
      return halo::InternalError("argument '" + p.arg + "': the name of " + p.resolve + " " +
                                 id->dump() + " could not be read back from HaloPSA");
    }
    return json(name);
  }
  return id;
}

std::vector<std::string> ToolExecutor::Columns(ToolSpec const& tool, json const& args,
                                               bool in_list) {
  if (auto f = args.find("fields"); f != args.end() && f->is_array() && !f->empty()) {
    std::vector<std::string> out;
    for (auto const& v : *f) out.push_back(v.get<std::string>());
    if (std::find(out.begin(), out.end(), "id") == out.end()) out.insert(out.begin(), "id");
    return out;
  }
  if (!tool.halo.fields.empty()) return tool.halo.fields;
  json const& fields = Member(Member(records_, tool.halo.record), in_list ? "list" : "get");
  std::vector<std::string> out;
  if (fields.is_array()) {
    for (auto const& v : fields) out.push_back(v.get<std::string>());
  }
  return out;
}

std::vector<std::string> ToolExecutor::ReadFields(ToolSpec const& tool, json const& args) {
  if (args.value("detail", "") == "full" || args.contains("fields")) return {};
  std::vector<std::string> out = Columns(tool, args, true);
  if (out.empty()) return out;
  // Keep this in step with Project(): every record member it may read for these columns.
  json const& profile = Member(records_, tool.halo.record);
  json const& computed = Member(profile, "computed");
  json const& html = Member(profile, "html");
  std::size_t const shown = out.size();
  for (std::size_t i = 0; i < shown; ++i) {
    std::string const f = out[i];
    if (auto c = computed.find(f); c != computed.end()) {
      for (char const* source : {"from", "fallback"}) {
        if (auto s = c->find(source); s != c->end() && s->is_string()) out.push_back(*s);
      }
    }
    if (auto h = html.find(f); h != html.end() && h->is_string()) out.push_back(*h);
  }
  out.push_back("id");
  return out;
}

Status ToolExecutor::CheckFields(ToolSpec const& tool, json const& args,
                                 json const& records) const {
  auto f = args.find("fields");
  if (f == args.end() || !f->is_array() || !records.is_array() || records.empty()) return Status();
  std::set<std::string> valid{"id"};
  for (auto const& r : records) {
    if (!r.is_object()) continue;
    for (auto const& [k, v] : r.items()) valid.insert(k);
  }
  for (auto const& [k, v] : Member(Member(records_, tool.halo.record), "computed").items()) {
    valid.insert(k);
  }
  std::vector<std::string> unknown;
  for (auto const& name : *f) {
    if (name.is_string() && !valid.count(name.get<std::string>())) {
      unknown.push_back(name.get<std::string>());
    }
  }
  if (unknown.empty()) return Status();
  std::string message = "unknown field";
  message += unknown.size() == 1 ? " " : "s ";
  for (std::size_t i = 0; i < unknown.size(); ++i) message += (i ? ", " : "") + unknown[i];
  message += " for " + Plural(Noun(tool)) + "; valid: ";
  std::string list;
  for (auto const& v : valid) list += (list.empty() ? "" : ", ") + v;
  return halo::InvalidArgumentError(message + list);
}

json ToolExecutor::Project(json const& record, ToolSpec const& tool, json const& args, bool in_list,
                           halo::CallContext const& ctx) {
  if (!record.is_object()) return record;
  json const& profile = Member(records_, tool.halo.record);
  json const& computed = Member(profile, "computed");
  json const& html = Member(profile, "html");
  json const& text_fields = Member(profile, "text");
  json const& words = Member(profile, "words");
  bool const full = args.value("detail", "") == "full";
  bool const full_text = args.value("full_text", false);
  std::vector<std::string> columns = Columns(tool, args, in_list);
  if (full || columns.empty()) {
    columns.clear();
    for (auto const& [k, v] : record.items()) columns.push_back(k);
    for (auto const& [k, v] : computed.items()) {
      if (!record.contains(k)) columns.push_back(k);
    }
  }
  json out = json::object();
  for (auto const& f : columns) {
    json value;
    if (auto c = computed.find(f); c != computed.end()) {
      json const id = record.value(c->value("from", ""), json());
      std::string name = resolver_->NameOf(c->value("lookup", ""), id, ctx);
      if (name.empty() && c->contains("fallback")) {
        auto fb = record.find(c->value("fallback", ""));
        if (fb != record.end() && fb->is_string()) name = fb->get<std::string>();
      }
      if (!name.empty()) {
        value = name;
      } else if (!id.is_null() && !(id.is_number() && id.get<double>() <= 0)) {
        value = id;
      }
    } else if (auto it = record.find(f); it != record.end()) {
      value = *it;
    }
    if (auto h = html.find(f); h != html.end() && (value.is_null() || value == "")) {
      auto src = record.find(h->get<std::string>());
      if (src != record.end() && src->is_string()) value = src->get<std::string>();
    }
    if (value.is_null() || value == "") continue;
    // Codes become words ("type": 1 -> "closed"); a code without a word stays as it is.
    if (auto w = words.find(f);
        w != words.end() && w->is_object() && !value.is_object() && !value.is_array()) {
      if (auto word = w->find(Render(value)); word != w->end()) value = *word;
    }
    bool is_text = std::find(text_fields.begin(), text_fields.end(), json(f)) != text_fields.end();
    if (is_text && value.is_string()) {
      std::string s = value.get<std::string>();
      if (s.find('<') != std::string::npos || s.find('&') != std::string::npos) s = HtmlToText(s);
      value =
          full_text ? s : TrimText(s, in_list ? options_.list_text_chars : options_.get_text_chars);
    }
    out[f] = std::move(value);
  }
  return out;
}

}  // namespace mcp
