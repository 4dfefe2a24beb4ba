#include "server/attachment_content.h"

#include "halo/text.h"

#include <cstdio>
#include <map>

namespace mcp {

namespace {

std::string Extension(std::string const& filename) {
  auto dot = filename.rfind('.');
  return dot == std::string::npos ? std::string() : halo::AsciiLower(filename.substr(dot + 1));
}

std::map<std::string, std::string> const& Types() {
  static std::map<std::string, std::string> const types{
      {"txt", "text/plain"},
      {"log", "text/plain"},
      {"csv", "text/csv"},
      {"md", "text/markdown"},
      {"ini", "text/plain"},
      {"cfg", "text/plain"},
      {"conf", "text/plain"},
      {"ps1", "text/plain"},
      {"sh", "text/plain"},
      {"bat", "text/plain"},
      {"yml", "text/yaml"},
      {"yaml", "text/yaml"},
      {"html", "text/html"},
      {"htm", "text/html"},
      {"json", "application/json"},
      {"xml", "application/xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"pdf", "application/pdf"},
      {"zip", "application/zip"},
      {"eml", "message/rfc822"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}};
  return types;
}

}  // namespace

std::string MimeTypeOf(std::string const& filename) {
  auto it = Types().find(Extension(filename));
  return it == Types().end() ? "application/octet-stream" : it->second;
}

AttachmentForm ClassifyAttachment(std::string const& content_type, std::string const& filename,
                                  std::size_t bytes, std::size_t limit) {
  if (bytes > limit) return AttachmentForm::kTooLarge;
  std::string type = halo::AsciiLower(content_type.substr(0, content_type.find(';')));
  if (type.empty() || type == "application/octet-stream") type = MimeTypeOf(filename);
  if (type.rfind("text/", 0) == 0 || type == "application/json" || type == "application/xml") {
    return AttachmentForm::kText;
  }
  // The image types MCP clients render; others (TIFF, BMP) go as resources.
  if (type == "image/png" || type == "image/jpeg" || type == "image/gif" || type == "image/webp") {
    return AttachmentForm::kImage;
  }
  return AttachmentForm::kResource;
}

std::string FormatBytes(std::size_t bytes) {
  char buf[32];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof buf, "%zu bytes", bytes);
  } else if (bytes < 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(bytes) / 1024.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  }
  return buf;
}

}  // namespace mcp
