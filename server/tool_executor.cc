#include "server/tool_executor.h"

#include "halo/query.h"
#include "server/output_format.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace mcp {

using halo::Status;
using halo::StatusCode;
using halo::StatusOr;
using nlohmann::json;

namespace {

// A member of a JSON object by reference (no copy), or a shared null when absent.
json const& Member(json const& object, std::string const& key) {
  static json const kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string Render(json const& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  }
  return v.dump();
}

std::string Substitute(std::string path, json const& values) {
  for (auto const& [k, v] : values.items()) {
    std::string token = "{" + k + "}";
    for (auto pos = path.find(token); pos != std::string::npos; pos = path.find(token)) {
      path.replace(pos, token.size(), halo::PercentEncode(Render(v)));
    }
  }
  return path;
}

json FirstRecord(json const& body) {
  if (body.is_array()) return body.empty() ? json::object() : body[0];
  return body;
}

json RecordId(json const& record) {
  return record.is_object() ? record.value("id", json()) : json();
}

}  // namespace

std::string DescribeFailure(Status const& status, std::string const& doing) {
  std::string text = "Failed " + doing + ": ";
  auto const& info = status.info();
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      // http_status 0: refused here (an unknown name, conflicting filters) before HaloPSA.
      text += (info.http_status != 0 ? "HaloPSA rejected the request: " : "") + status.message();
      break;
    case StatusCode::kUnauthenticated:
      text += "HaloPSA did not accept our credentials: " + status.message();
      break;
    case StatusCode::kPermissionDenied:
      text += "not permitted: " + status.message() +
              ". The HaloPSA API application needs the matching permission or scope.";
      break;
    case StatusCode::kNotFound:
      text += "not found: " + status.message() + ". Check the id; the list tools find ids.";
      break;
    case StatusCode::kResourceExhausted:
      text += "HaloPSA's rate limit was reached: " + status.message();
      if (info.retry_after) {
        text += ". Retry in " + std::to_string((info.retry_after->count() + 999) / 1000) + " s";
      }
      text += ".";
      break;
    case StatusCode::kUnavailable:
      text += "HaloPSA is unavailable: " + status.message() + ". Retry later.";
      break;
    case StatusCode::kUnknownOutcome:
      text += "OUTCOME UNKNOWN: " + status.message() +
              ". The change may or may not have been saved. Do not repeat it blindly: check first "
              "(e.g. list or get the record).";
      break;
    case StatusCode::kDeadlineExceeded:
      text += "timed out: " + status.message();
      break;
    case StatusCode::kCancelled:
      text += "cancelled.";
      break;
    default:
      text += status.message();
  }
  if (info.fields.is_object() && !info.fields.empty()) {
    text += "\nField errors:";
    for (auto const& [k, v] : info.fields.items()) text += "\n- " + k + ": " + Render(v);
  }
  if (!info.hint.empty()) text += "\nHint: " + info.hint;
  return text;
}

ToolExecutor::ToolExecutor(std::shared_ptr<halo::HaloClient> client, Status unavailable,
                           json lookups, json records, ExecutorOptions options,
                           std::shared_ptr<halo::Clock const> clock)
    : client_(std::move(client)),
      unavailable_(std::move(unavailable)),
      records_(std::move(records)),
      options_(options) {
  if (!clock) clock = std::make_shared<halo::SystemClock>();
  resolver_ = std::make_unique<LookupResolver>(client_, std::move(lookups), std::move(clock));
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
  if (kind == "create" || kind == "action") return Create(tool, args, scope);
  if (kind == "update") return Update(tool, args, scope);
  if (kind == "bulk_update") return BulkUpdate(tool, args, scope);
  if (kind == "delete") return Delete(tool, args, scope);
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

  for (auto const& p : tool.halo.params) {
    auto it = args.find(p.arg);
    if (it == args.end() || it->is_null()) continue;
    if (p.in == "body" && !include_body) continue;
    json value = *it;
    if (!p.resolve.empty()) {
      if (value.is_array()) {
        json ids = json::array();
        for (auto const& v : value) {
          std::string matched;
          auto id = resolver_->Resolve(p.resolve, v, ctx, &matched);
          if (id.ok() && !matched.empty()) scope.Note(matched);
          if (!id.ok()) return id.status();
          ids.push_back(*id);
        }
        value = ids;
      } else {
        std::string matched;
        auto id = resolver_->Resolve(p.resolve, value, ctx, &matched);
        if (id.ok() && !matched.empty()) scope.Note(matched);
        if (!id.ok()) return id.status();
        value = *id;
      }
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
      case Transform::kDateStart:
        if (value.is_string() && value.get<std::string>().size() == 10) {
          value = value.get<std::string>() + "T00:00:00";
        }
        break;
      case Transform::kDateEnd:
        if (value.is_string() && value.get<std::string>().size() == 10) {
          value = value.get<std::string>() + "T23:59:59";
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
  return b;
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

json ToolExecutor::Project(json const& record, ToolSpec const& tool, json const& args, bool in_list,
                           halo::CallContext const& ctx) {
  if (!record.is_object()) return record;
  json const& profile = Member(records_, tool.halo.record);
  json const& computed = Member(profile, "computed");
  json const& html = Member(profile, "html");
  json const& text_fields = Member(profile, "text");
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

json ToolExecutor::List(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  auto built = Build(tool, args, scope, /*include_body=*/false);
  std::string const noun = Noun(tool);
  if (!built.ok()) return ToolErrorResult(DescribeFailure(built.status(), "listing " + noun + "s"));
  halo::ListRequest req;
  req.path = built->path;
  req.query = built->query;
  req.list_key = tool.halo.list_key;
  req.paginate = tool.halo.paginate;
  json const& limit_schema = Member(Member(tool.input_schema, "properties"), "limit");
  std::int64_t const default_limit = limit_schema.is_object()
                                         ? limit_schema.value("default", options_.default_limit)
                                         : options_.default_limit;
  req.limit = args.value("limit", default_limit);
  if (auto c = args.find("cursor"); c != args.end()) {
    std::string const cursor = c->get<std::string>();
    char* end = nullptr;
    long long offset = std::strtoll(cursor.c_str(), &end, 10);
    if (cursor.empty() || *end != '\0' || offset < 0) {
      return ToolErrorResult("Invalid cursor \"" + cursor +
                             "\": pass the next_cursor value from the previous result as it is.");
    }
    req.offset = offset;
  }
  auto result = client_->List(req, ctx);
  if (!result.ok())
    return ToolErrorResult(DescribeFailure(result.status(), "listing " + noun + "s"));
  json items = json::array();
  for (auto const& r : result->records) items.push_back(Project(r, tool, args, true, ctx));
  if (!tool.halo.paginate && req.limit > 0 && static_cast<std::int64_t>(items.size()) > req.limit) {
    // Unpaged lookups come back whole; apply the limit here so the output stays bounded.
    json cut = json::array();
    for (std::int64_t i = 0; i < req.limit; ++i) cut.push_back(items[i]);
    result->next_offset = req.offset + req.limit;
    items = std::move(cut);
  }
  json structured{
      {"items", items}, {"returned", items.size()}, {"has_more", result->next_offset.has_value()}};
  if (result->record_count) structured["record_count"] = *result->record_count;
  if (result->next_offset) structured["next_cursor"] = std::to_string(*result->next_offset);

  std::string text = std::to_string(items.size()) + " " + noun + (items.size() == 1 ? "" : "s");
  if (result->record_count) text += " of " + std::to_string(*result->record_count);
  if (result->next_offset) {
    text += "; more: call again with cursor \"" + std::to_string(*result->next_offset) + "\"";
  }
  text += "\n";
  if (!items.empty()) {
    std::vector<std::string> columns = Columns(tool, args, true);
    if (columns.empty() || args.value("detail", "") == "full") {
      for (auto const& item : items) text += Serialize(item) + "\n";
    } else {
      TableOptions table;
      table.separator = "|";  // 2 bytes a cell less than " | ": 900 bytes on 50 tickets
      text += RenderTable(items, columns, table);
    }
  }
  return ToolTextResult(text, structured);
}

json ToolExecutor::Get(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  std::string const noun = Noun(tool);
  auto built = Build(tool, args, scope, false);
  if (!built.ok()) return ToolErrorResult(DescribeFailure(built.status(), "getting the " + noun));
  auto body = client_->Get(built->path, built->query, ctx);
  if (!body.ok()) return ToolErrorResult(DescribeFailure(body.status(), "getting the " + noun));
  json record = Project(FirstRecord(*body), tool, args, false, ctx);
  return ToolTextResult(RenderRecord(record), record);
}

json ToolExecutor::Create(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  std::string const noun = Noun(tool);
  std::string const doing = "creating the " + noun;
  auto built = Build(tool, args, scope);
  if (!built.ok())
    return ToolErrorResult(DescribeFailure(built.status(), doing) +
                           "\nNothing was sent to HaloPSA.");
  // Defaults resolved from the tenant (e.g. its private-note outcome), never hard-coded ids.
  for (auto const& d : tool.halo.defaults) {
    if (args.contains(d.arg)) continue;
    auto id = resolver_->ResolveFirst(d.resolve, d.names, ctx);
    if (!id.ok()) {
      return ToolErrorResult(DescribeFailure(id.status(), doing) + "\nPass " + d.arg +
                             " explicitly. Nothing was sent to HaloPSA.");
    }
    built->body[d.field] = *id;
  }
  auto saved = client_->Post(built->path, json::array({built->body}), ctx);
  if (!saved.ok()) return ToolErrorResult(DescribeFailure(saved.status(), doing));
  json record = FirstRecord(*saved);
  json projected = Project(record, tool, args, false, ctx);
  json structured{{"record", projected}};
  if (!RecordId(record).is_null()) structured["id"] = RecordId(record);
  std::string text =
      "Created " + noun + " " + Render(RecordId(record)) + ".\n" + RenderRecord(projected);
  return ToolTextResult(text, structured);
}

json ToolExecutor::Update(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  std::string const noun = Noun(tool);
  std::string const doing = "updating the " + noun;
  auto built = Build(tool, args, scope);
  if (!built.ok())
    return ToolErrorResult(DescribeFailure(built.status(), doing) + "\nNothing was changed.");
  std::string const& id_field = tool.halo.id_field;
  if (!built->body.contains(id_field)) {
    return ToolErrorResult("An update needs the " + noun + "'s id; nothing was changed.");
  }
  if (built->body.size() < 2) {
    return ToolErrorResult("Nothing to change: give at least one field to update.");
  }
  // HaloPSA creates a new record when a POST's id does not exist, so confirm it first.
  std::string const get_path = Substitute(tool.halo.get_path, args);
  halo::Query get_query;
  for (auto const& a : tool.halo.get_query) {
    if (args.contains(a)) get_query.emplace_back(a, Render(built->body.value(a, args[a])));
  }
  auto existing = client_->Get(get_path, get_query, ctx);
  if (!existing.ok()) {
    return ToolErrorResult(DescribeFailure(existing.status(), doing) + "\nNothing was changed.");
  }
  auto saved = client_->Post(built->path, json::array({built->body}), ctx);
  if (!saved.ok()) return ToolErrorResult(DescribeFailure(saved.status(), doing));
  json projected = Project(FirstRecord(*saved), tool, args, false, ctx);
  json structured{{"id", built->body[id_field]}, {"record", projected}};
  return ToolTextResult(
      "Updated " + noun + " " + Render(built->body[id_field]) + ".\n" + RenderRecord(projected),
      structured);
}

json ToolExecutor::BulkUpdate(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  std::string const noun = Noun(tool);
  auto built = Build(tool, args, scope);
  if (!built.ok()) {
    return ToolErrorResult(DescribeFailure(built.status(), "updating " + noun + "s") +
                           "\nNothing was changed.");
  }
  if (built->body.empty()) {
    return ToolErrorResult("Nothing to change: give at least one field to update.");
  }
  std::vector<json> ids;
  std::set<std::string> seen;
  for (auto const& id : args.value("ids", json::array())) {
    if (seen.insert(id.dump()).second) ids.push_back(id);
  }
  // Only ids that exist are posted: a POST with an unknown id would create a new record.
  std::vector<std::string> paths;
  for (auto const& id : ids) paths.push_back(Substitute(tool.halo.get_path, {{"id", id}}));
  auto found = client_->GetMany(paths, {}, ctx);
  json results = json::array();
  std::vector<json> items;
  std::vector<json> posted_ids;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!found[i].ok()) {
      results.push_back({{"id", ids[i]},
                         {"ok", false},
                         {"error", DescribeFailure(found[i].status(), "checking it")}});
      continue;
    }
    json item = built->body;
    item["id"] = ids[i];
    items.push_back(std::move(item));
    posted_ids.push_back(ids[i]);
  }
  auto outcomes = client_->PostBatch(built->path, items, options_.bulk_chunk, ctx);
  for (auto const& o : outcomes) {
    json r{{"id", posted_ids[o.index]}, {"ok", o.status.ok()}};
    if (!o.status.ok()) r["error"] = DescribeFailure(o.status, "updating it");
    results.push_back(std::move(r));
  }
  std::sort(results.begin(), results.end(), [&](json const& a, json const& b) {
    auto pos = [&](json const& id) { return std::find(ids.begin(), ids.end(), id) - ids.begin(); };
    return pos(a["id"]) < pos(b["id"]);
  });
  int ok = 0, failed = 0;
  std::string failures;
  for (auto const& r : results) {
    if (r["ok"].get<bool>()) {
      ++ok;
    } else {
      ++failed;
      failures += "\n- " + Render(r["id"]) + ": " + r["error"].get<std::string>();
    }
  }
  json structured{{"succeeded", ok}, {"failed", failed}, {"results", results}};
  std::string text = "Updated " + std::to_string(ok) + " of " + std::to_string(ids.size()) + " " +
                     noun + "s." + (failed ? "\nFailed:" + failures : "");
  json result = ToolTextResult(text, structured);
  if (ok == 0 && failed > 0) result["isError"] = true;
  return result;
}

json ToolExecutor::Delete(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  std::string const noun = Noun(tool);
  auto built = Build(tool, args, scope, false);
  if (!built.ok()) return ToolErrorResult(DescribeFailure(built.status(), "deleting the " + noun));
  auto existing = client_->Get(built->path, built->query, ctx);
  if (!existing.ok()) {
    return ToolErrorResult(DescribeFailure(existing.status(), "finding the " + noun) +
                           "\nNothing was deleted.");
  }
  json preview = Project(FirstRecord(*existing), tool, json::object(), true, ctx);
  if (!args.value("confirm", false)) {
    json structured{{"deleted", false}, {"record", preview}};
    return ToolTextResult("Would delete this " + noun +
                              " (nothing changed yet; call again with "
                              "confirm: true to delete it):\n" +
                              RenderRecord(preview),
                          structured);
  }
  auto deleted = client_->Delete(built->path, built->query, ctx);
  if (!deleted.ok())
    return ToolErrorResult(DescribeFailure(deleted.status(), "deleting the " + noun));
  json structured{{"deleted", true}, {"record", preview}};
  return ToolTextResult("Deleted " + noun + ":\n" + RenderRecord(preview), structured);
}

}  // namespace mcp
