// The write kinds of tools: create, action, update, bulk update, delete. Each checks what it
// can before anything is sent, and says plainly what happened when HaloPSA's answer is lost.
#include "server/json_util.h"
#include "server/output_format.h"
#include "server/tool_executor.h"

#include <algorithm>
#include <map>

namespace mcp {

using halo::Status;
using halo::StatusCode;
using halo::StatusOr;
using nlohmann::json;

namespace {

/// "Nothing to change", naming the arguments that would change something.
json NothingToChange(ToolSpec const& tool) {
  std::string args;
  for (auto const& p : tool.halo.params) {
    if (p.in == "body" && p.name != tool.halo.id_field) args += (args.empty() ? "" : ", ") + p.arg;
  }
  return ToolErrorResult("Nothing to change: give at least one of " + args +
                         ". Nothing was sent to HaloPSA.");
}

}  // namespace

json ToolExecutor::Create(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  std::string const noun = Noun(tool);
  std::string const doing = "creating the " + noun;
  auto built = Build(tool, args, scope);
  if (!built.ok())
    return ToolErrorResult(DescribeFailure(built.status(), doing) +
                           "\nNothing was sent to HaloPSA.");
  // Defaults resolved from the tenant (e.g. its private-note outcome), never hard-coded ids.
  if (!tool.halo.acting_agent_field.empty() && !scope.principal().agent.empty() &&
      !built->body.contains(tool.halo.acting_agent_field)) {
    auto me = ActingAgent(scope);
    if (!me.ok()) {
      return ToolErrorResult(DescribeFailure(me.status(), doing) +
                             "\nNothing was sent to HaloPSA.");
    }
    built->body[tool.halo.acting_agent_field] = *me;
  }
  if (!tool.halo.source_field.empty() && options_.ticket_source > 0 &&
      !built->body.contains(tool.halo.source_field)) {
    built->body[tool.halo.source_field] = options_.ticket_source;
  }
  for (auto const& d : tool.halo.defaults) {
    if (args.contains(d.arg)) continue;
    auto id = resolver_->ResolveFirst(d.resolve, d.names, ctx);
    if (!id.ok()) {
      return ToolErrorResult(DescribeFailure(id.status(), doing) + "\nPass " + d.arg +
                             " explicitly. Nothing was sent to HaloPSA.");
    }
    built->body[d.field] = *id;
  }
  // What the write may change on another record (a ticket's status), read before it is sent:
  // this also checks that the record exists, so a note never goes to a missing ticket.
  auto const& effect = tool.halo.side_effect;
  json before;
  if (!effect.path.empty()) {
    auto related = client_->Get(Substitute(effect.path, args), {}, ctx);
    if (!related.ok()) {
      return ToolErrorResult(DescribeFailure(related.status(), doing) +
                             "\nNothing was sent to HaloPSA.");
    }
    before = Member(FirstRecord(*related), effect.field);
  }
  auto saved = client_->Post(built->path, json::array({built->body}), ctx, tool.halo.idempotency);
  if (!saved.ok())
    return ToolErrorResult(DescribeFailure(RenameFields(saved.status(), tool), doing));
  json record = FirstRecord(*saved);
  json projected = Project(record, tool, args, false, ctx);
  json structured{{"record", projected}};
  if (!RecordId(record).is_null()) structured["id"] = RecordId(record);
  std::string text = "Created " + noun + " " + Render(RecordId(record)) + ".";
  if (!effect.path.empty()) {
    // Read back rather than predicted: HaloPSA's own rules may change it too.
    auto related = client_->Get(Substitute(effect.path, args), {}, ctx);
    if (related.ok()) {
      json after = Member(FirstRecord(*related), effect.field);
      auto words = [&](json const& id) {
        std::string name = effect.resolve.empty() ? "" : resolver_->NameOf(effect.resolve, id, ctx);
        return name.empty() ? Render(id) : name;
      };
      if (after != before) {
        text += " " + effect.label + ": " + words(before) + " → " + words(after) + ".";
        structured["changed"] = {{effect.label, {{"from", words(before)}, {"to", words(after)}}}};
      } else {
        text += " " + effect.label + " unchanged (" + words(after) + ").";
      }
    } else {
      text +=
          " (Could not read the " + effect.label + " back: " + related.status().message() + ".)";
    }
  }
  return ToolTextResult(text + "\n" + RenderRecord(projected), structured);
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
  if (built->body.size() < 2) return NothingToChange(tool);
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
  auto saved = client_->Post(built->path, json::array({built->body}), ctx, tool.halo.idempotency);
  if (!saved.ok())
    return ToolErrorResult(DescribeFailure(RenameFields(saved.status(), tool), doing));
  // Say what changed, in the projection's words, rather than repeating the whole record.
  json const no_args = json::object();
  json was = Project(FirstRecord(*existing), tool, no_args, false, ctx);
  json now = Project(FirstRecord(*saved), tool, no_args, false, ctx);
  json changes = json::object();
  std::string said;
  for (auto const& [field, value] : now.items()) {
    json const& old_value = Member(was, field);
    if (old_value == value) continue;
    changes[field] = {{"from", old_value}, {"to", value}};
    said += (said.empty() ? "" : "; ") + field + ": " +
            (old_value.is_null() ? "(none)" : CellText(old_value, 60)) + " → " +
            CellText(value, 60);
  }
  for (auto const& [field, value] : was.items()) {
    if (!now.contains(field)) {
      changes[field] = {{"from", value}, {"to", nullptr}};
      said += (said.empty() ? "" : "; ") + field + ": " + CellText(value, 60) + " → (none)";
    }
  }
  std::string text = "Updated " + noun + " " + Render(built->body[id_field]);
  if (auto summary = Member(now, "summary"); summary.is_string()) {
    text += " (" + CellText(summary, 60) + ")";
  }
  text += said.empty() ? ": nothing changed (it already had these values)." : ": " + said + ".";
  // Moving a ticket to another team leaves its agent; say so, since that is rarely the intent.
  if (changes.contains("team") && !changes.contains("agent") && now.contains("agent")) {
    text += " Still assigned to " + CellText(now["agent"], 60) +
            " (agent: null or \"unassigned\" clears it).";
  }
  json projected = Project(FirstRecord(*saved), tool, args, false, ctx);
  json structured{{"id", built->body[id_field]}, {"record", projected}, {"changes", changes}};
  if (args.contains("fields") || args.value("detail", "") == "full") {
    text += "\n" + RenderRecord(projected);
  }
  return ToolTextResult(text, structured);
}

json ToolExecutor::BulkUpdate(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  std::string const noun = Noun(tool);
  std::string const nouns = Plural(noun);
  auto built = Build(tool, args, scope);
  if (!built.ok()) {
    return ToolErrorResult(
        DescribeFailure(RenameFields(built.status(), tool), "updating " + nouns) +
        "\nNothing was changed.");
  }
  if (built->body.empty()) return NothingToChange(tool);
  std::vector<json> ids;
  std::map<std::string, std::size_t> position;
  for (auto const& id : args.value("ids", json::array())) {
    if (position.emplace(id.dump(), ids.size()).second) ids.push_back(id);
  }
  if (ids.size() > options_.bulk_confirm_threshold) {
    std::string change;  // in the caller's words, not HaloPSA's field names
    for (auto const& [k, v] : args.items()) {
      if (k == "ids" || k == "confirm") continue;
      change += (change.empty() ? "" : ", ") + k + ": " + (v.is_null() ? "none" : Render(v));
    }
    std::string const what = std::to_string(ids.size()) + " " + nouns + " (" + change + ")";
    json structured{{"succeeded", 0}, {"failed", 0}, {"results", json::array()}};
    Consent const consent = AskConsent(tool, args, "Update " + what + "?", scope);
    if (consent.kind == Consent::Kind::kPending) return consent.pending;
    if (consent.kind == Consent::Kind::kRefused) {
      return ToolTextResult("Not updated: " + consent.reason + ". Nothing changed.", structured);
    }
    if (consent.kind == Consent::Kind::kNotAsked && !args.value("confirm", false)) {
      return ToolTextResult("Would update " + what + ". Nothing changed yet: more than " +
                                std::to_string(options_.bulk_confirm_threshold) +
                                " need confirm: true. Call again with confirm: true to apply it.",
                            structured);
    }
  }

  // Only ids that exist are posted: a POST with an unknown id would create a new record.
  std::vector<bool> exists(ids.size(), false);
  std::vector<std::string> check_errors(ids.size());
  if (!tool.halo.exists.path.empty()) {
    for (std::size_t begin = 0; begin < ids.size(); begin += 100) {
      std::size_t const end = std::min(ids.size(), begin + 100);
      std::string list;
      for (auto i = begin; i < end; ++i) list += (list.empty() ? "" : ",") + Render(ids[i]);
      halo::ListRequest req;
      req.path = tool.halo.exists.path;
      req.query = {{tool.halo.exists.param, list}};
      req.list_key = tool.halo.exists.list_key;
      req.limit = static_cast<std::int64_t>(end - begin);
      auto found = client_->List(req, ctx);
      if (!found.ok()) {
        for (auto i = begin; i < end; ++i) {
          check_errors[i] = DescribeFailure(found.status(), "checking it");
        }
        continue;
      }
      for (auto const& r : found->records) {
        if (auto it = position.find(RecordId(r).dump()); it != position.end()) {
          exists[it->second] = true;
        }
      }
    }
  } else {
    std::vector<std::string> paths;
    for (auto const& id : ids) paths.push_back(Substitute(tool.halo.get_path, {{"id", id}}));
    auto found = client_->GetMany(paths, {}, ctx);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      exists[i] = found[i].ok();
      if (!found[i].ok()) check_errors[i] = DescribeFailure(found[i].status(), "checking it");
    }
  }
  std::vector<json> results(ids.size());
  std::vector<json> items;
  std::vector<std::size_t> posted;  // positions of the items
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!exists[i]) {
      std::string why =
          check_errors[i].empty() ? "not found: no " + noun + " has this id" : check_errors[i];
      results[i] = {{"id", ids[i]}, {"ok", false}, {"error", why}};
      continue;
    }
    json item = built->body;
    item[tool.halo.id_field] = ids[i];
    items.push_back(std::move(item));
    posted.push_back(i);
  }
  auto outcomes =
      client_->PostBatch(built->path, items, options_.bulk_chunk, ctx, tool.halo.idempotency);
  for (auto const& o : outcomes) {
    std::size_t const i = posted[o.index];
    results[i] = {{"id", ids[i]}, {"ok", o.status.ok()}};
    if (!o.status.ok()) {
      results[i]["error"] = DescribeFailure(RenameFields(o.status, tool), "updating it");
    }
  }
  int ok = 0, failed = 0;
  std::string failures;
  for (auto const& r : results) {
    if (r.value("ok", false)) {
      ++ok;
    } else {
      ++failed;
      failures += "\n- " + Render(r["id"]) + ": " + r.value("error", std::string());
    }
  }
  json structured{{"succeeded", ok}, {"failed", failed}, {"results", results}};
  std::string text = "Updated " + std::to_string(ok) + " of " + std::to_string(ids.size()) + " " +
                     nouns + "." + (failed ? "\nFailed:" + failures : "");
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
  Consent const consent =
      AskConsent(tool, args, "Delete this " + noun + "?\n" + RenderRecord(preview), scope);
  if (consent.kind == Consent::Kind::kPending) return consent.pending;
  if (consent.kind == Consent::Kind::kRefused) {
    return ToolTextResult("Not deleted: " + consent.reason + ". Nothing changed.",
                          json{{"deleted", false}, {"record", preview}});
  }
  if (consent.kind == Consent::Kind::kNotAsked && !args.value("confirm", false)) {
    json structured{{"deleted", false}, {"record", preview}};
    return ToolTextResult("Would delete this " + noun +
                              " (nothing changed yet; call again with "
                              "confirm: true to delete it):\n" +
                              RenderRecord(preview),
                          structured);
  }
  auto deleted = client_->Delete(built->path, built->query, ctx, tool.halo.idempotency);
  if (!deleted.ok())
    return ToolErrorResult(DescribeFailure(deleted.status(), "deleting the " + noun));
  json structured{{"deleted", true}, {"record", preview}};
  return ToolTextResult("Deleted " + noun + ":\n" + RenderRecord(preview), structured);
}

}  // namespace mcp
