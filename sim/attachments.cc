#include "sim/attachments.h"

#include "sim/base64.h"

#include <map>

namespace halo_sim {
namespace {

constexpr std::size_t kMaxUploadBytes = 10 * 1024 * 1024;

std::string Extension(std::string const& filename) {
  auto dot = filename.rfind('.');
  return dot == std::string::npos ? "" : Lower(filename.substr(dot + 1));
}

}  // namespace

std::string ContentTypeFor(std::string const& filename) {
  static std::map<std::string, std::string> const kTypes = {
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"bmp", "image/bmp"},
      {"pdf", "application/pdf"},
      {"txt", "text/plain"},
      {"log", "text/plain"},
      {"csv", "text/csv"},
      {"json", "application/json"},
      {"xml", "application/xml"},
      {"html", "text/html"},
      {"eml", "message/rfc822"},
      {"zip", "application/zip"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}};
  auto it = kTypes.find(Extension(filename));
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

Json AttachmentListRow(Json const& row) {
  Json copy = row;
  copy.erase("data_base64");
  return copy;
}

ApiResponse GetAttachment(Store const& store, ApiRequest const& req, Params const& p) {
  auto id = ToInt(req.id);
  auto const* row = id ? store.Find("Attachment", *id) : nullptr;
  if (row == nullptr) return NotFound("Attachment", req.id);
  auto const sub = Lower(req.sub);
  if (sub.empty()) {
    return ApiResponse{200, p.Flag("includedetails") ? *row : AttachmentListRow(*row)};
  }
  if (sub != "document" && sub != "image") {
    return Error(404, "No HTTP resource was found that matches the request URI");
  }
  if (sub == "image" && !row->value("isimage", false)) {
    return Error(404,
                 "Attachment " + req.id + " is not an image; use /Attachment/document/" + req.id);
  }
  auto bytes = Base64Decode(FieldStr(*row, "data_base64"));
  if (!bytes) return Error(500, "Attachment " + req.id + " has no readable content");
  ApiResponse out;
  out.content_type = FieldStr(*row, "content_type");
  out.raw = std::move(*bytes);
  out.filename = FieldStr(*row, "filename");
  return out;
}

void StageAttachment(WriteContext const& ctx, Json const& in, Validator& v,
                     std::vector<Staged>& staged) {
  Store& store = ctx.store;
  auto target = LoadForWrite(store, "Attachment", in, v);
  if (!target) return;
  auto& [row, id] = *target;
  bool const create = target->create();
  MergeKnown(row, in,
             {"id", "ticket_id", "action_id", "filesize", "isimage", "unique_id", "datecreated",
              "data_base64", "content_type"});
  auto const ticket_in = InputId(in, "ticket_id", v);
  auto const action_in = InputId(in, "action_id", v);
  if (!v.ok()) return;
  std::int64_t const ticket_id = ticket_in.value_or(FieldInt(row, "ticket_id"));
  if (ticket_id <= 0 || store.Find("Tickets", ticket_id) == nullptr) {
    v.Fail("ticket_id", ticket_id <= 0 ? "An attachment must be added to a ticket (ticket_id)"
                                       : "Ticket " + std::to_string(ticket_id) + " does not exist");
    return;
  }
  std::int64_t const action_id = action_in.value_or(FieldInt(row, "action_id"));
  if (action_id > 0 && store.actions().count({ticket_id, action_id}) == 0) {
    v.Fail("action_id", "Action " + std::to_string(action_id) + " does not exist on ticket " +
                            std::to_string(ticket_id));
  }
  if (FieldStr(row, "filename").empty()) v.Fail("filename", "A filename must be entered");
  if (create || in.contains("data_base64")) {
    auto const text = FieldStr(in, "data_base64");
    auto bytes = Base64Decode(text);
    if (text.empty()) {
      v.Fail("data_base64", "The file content must be sent base64-encoded in data_base64");
    } else if (!bytes) {
      v.Fail("data_base64", "data_base64 is not valid base64");
    } else if (bytes->size() > kMaxUploadBytes) {
      v.Fail("data_base64", "The file is larger than the 10 MB the simulator accepts");
    } else {
      row["data_base64"] = text;
      row["filesize"] = static_cast<std::int64_t>(bytes->size());
    }
  }
  if (!v.ok()) return;
  auto const type = FieldStr(in, "content_type");
  row["content_type"] = type.empty() ? ContentTypeFor(FieldStr(row, "filename")) : type;
  row["isimage"] = row["content_type"].get<std::string>().rfind("image/", 0) == 0;
  row["ticket_id"] = ticket_id;
  row["action_id"] = action_id;
  if (create) {
    row["datecreated"] = FormatTime(ctx.now);
    row["agent_id"] = ApiAgentId(store);
  }
  auto& s = Stage(staged, "Attachment", id, std::move(row));
  s.commit = [](Store&, Json& r) { r["unique_id"] = r["id"]; };
  s.after = [ticket_id](Store& st, Json const&) { RecountAttachments(st, ticket_id); };
}

void RecountAttachments(Store& store, std::int64_t ticket_id) {
  std::int64_t on_ticket = 0;
  std::map<std::int64_t, std::int64_t> per_action;
  for (auto const& [id, a] : store.table("Attachment").rows) {
    if (FieldInt(a, "ticket_id") != ticket_id) continue;
    ++on_ticket;
    if (auto action = FieldInt(a, "action_id"); action > 0) ++per_action[action];
  }
  if (auto* t = store.Find("Tickets", ticket_id)) (*t)["attachment_count"] = on_ticket;
  auto first = store.actions().lower_bound({ticket_id, INT64_MIN});
  auto last = store.actions().lower_bound({ticket_id + 1, INT64_MIN});
  for (auto it = first; it != last; ++it) {
    auto found = per_action.find(it->first.second);
    it->second["attachment_count"] = found == per_action.end() ? 0 : found->second;
  }
}

}  // namespace halo_sim
