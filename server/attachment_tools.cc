// Attachment kinds: reading a file in the form a model can use, and uploading one within a
// size limit. The bytes travel as base64 inside HaloPSA's JSON (data_base64), through the
// shared client like every other call.
#include "server/attachment_content.h"
#include "server/base64.h"
#include "server/json_util.h"
#include "server/output_format.h"
#include "server/tool_executor.h"

namespace mcp {

using nlohmann::json;

namespace {

/// Text files can be long logs: more than a note, still bounded.
constexpr std::size_t kAttachmentTextChars = 20000;

}  // namespace

json ToolExecutor::GetAttachment(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  auto built = Build(tool, args, scope, /*include_body=*/false);
  if (!built.ok())
    return ToolErrorResult(DescribeFailure(built.status(), "getting the attachment"));
  auto body = client_->Get(built->path, built->query, ctx);
  if (!body.ok()) return ToolErrorResult(DescribeFailure(body.status(), "getting the attachment"));
  json const record = FirstRecord(*body);
  json meta = Project(record, tool, args, false, ctx);
  std::string const filename = record.value("filename", "");
  std::string type = record.value("content_type", "");
  if (type.empty()) type = MimeTypeOf(filename);
  std::string const data = record.value("data_base64", "");
  std::size_t const bytes = record.contains("filesize") && record["filesize"].is_number_unsigned()
                                ? record["filesize"].get<std::size_t>()
                                : DecodedBase64Size(data);
  std::string text = "Attachment " + Render(RecordId(record)) + ": " + filename + " (" + type +
                     ", " + FormatBytes(bytes) + ")";
  if (auto t = Member(record, "ticket_id"); t.is_number() && t.get<double>() > 0) {
    text += " on ticket " + Render(t);
  }
  if (auto a = Member(record, "action_id"); a.is_number() && a.get<double>() > 0) {
    text += ", action " + Render(a);
  }
  text += ".";
  json extra;  // the file itself, as MCP content
  std::string form;
  if (data.empty()) {
    form = "none";
    text += " HaloPSA returned no content for it.";
  } else {
    switch (ClassifyAttachment(type, filename, bytes)) {
      case AttachmentForm::kText: {
        auto decoded = DecodeBase64(data);
        if (!decoded) {
          return ToolErrorResult("HaloPSA returned attachment data that is not valid base64.");
        }
        form = "text";
        bool const full = args.value("full_text", false);
        text += "\n" + (full ? *decoded : TrimText(*decoded, kAttachmentTextChars));
        break;
      }
      case AttachmentForm::kImage:
        form = "image";
        extra = {{"type", "image"}, {"data", data}, {"mimeType", type}};
        text += " The image follows.";
        break;
      case AttachmentForm::kResource:
        form = "resource";
        extra = {{"type", "resource"},
                 {"resource",
                  {{"uri", "halopsa://attachment/" + Render(RecordId(record))},
                   {"mimeType", type},
                   {"blob", data}}}};
        text += " The file follows as an embedded resource.";
        break;
      case AttachmentForm::kTooLarge:
        form = "none";
        text += " Too large to return here (the limit is " + FormatBytes(kMaxAttachmentBytes) +
                "); open it in HaloPSA.";
        break;
    }
  }
  json structured{{"record", meta}, {"returned_as", form}};
  json result = ToolTextResult(text, structured);
  if (!extra.is_null()) result["content"].push_back(std::move(extra));
  return result;
}

json ToolExecutor::AddAttachment(ToolSpec const& tool, json const& args, CallScope& scope) {
  std::string const data = args.value("data_base64", "");
  std::size_t const bytes = DecodedBase64Size(data);
  if (bytes > kMaxUploadBytes) {
    return ToolErrorResult("The file is " + FormatBytes(bytes) + "; uploads through this tool " +
                           "are limited to " + FormatBytes(kMaxUploadBytes) +
                           ". Attach larger files in HaloPSA itself. Nothing was sent.");
  }
  if (data.empty() || !DecodeBase64(data)) {
    return ToolErrorResult(
        "data_base64 is not valid base64 (standard alphabet, padded with =, no line breaks). "
        "Nothing was sent.");
  }
  return Create(tool, args, scope);
}

}  // namespace mcp
