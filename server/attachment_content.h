// How a file attached in HaloPSA reaches a model: text as text, images as MCP image content,
// anything else as an embedded resource, each only within a size limit.
#pragma once

#include <cstddef>
#include <string>

namespace mcp {

enum class AttachmentForm { kText, kImage, kResource, kTooLarge };

/// Files larger than this are described, not returned (base64 grows them by a third, and a
/// response must stay under the transports' 2 MiB).
inline constexpr std::size_t kMaxAttachmentBytes = 1024 * 1024;
/// Uploads larger than this are refused before anything is sent (a request is at most 4 MiB).
inline constexpr std::size_t kMaxUploadBytes = 2 * 1024 * 1024;

/// The form for a file of `bytes` bytes with HaloPSA's `content_type` and its `filename`.
AttachmentForm ClassifyAttachment(std::string const& content_type, std::string const& filename,
                                  std::size_t bytes, std::size_t limit = kMaxAttachmentBytes);

/// A MIME type from the file name's extension, for records that carry none.
std::string MimeTypeOf(std::string const& filename);

/// "12.3 KB", "1.5 MB", "512 bytes".
std::string FormatBytes(std::size_t bytes);

}  // namespace mcp
