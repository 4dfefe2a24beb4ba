#pragma once

#include "sim/api_util.h"

#include <cstdint>
#include <string>
#include <vector>

namespace halo_sim {

/// Content type from a file name's extension; application/octet-stream when unknown.
std::string ContentTypeFor(std::string const& filename);

/// An Attachment row as lists show it: without its content.
Json AttachmentListRow(Json const& row);

/// GET /Attachment/{id}: the record; `includedetails=true` adds the content as `data_base64`.
/// GET /Attachment/document/{id} (any file) and /Attachment/image/{id} (images only): the bytes
/// with their content type.
ApiResponse GetAttachment(Store const& store, ApiRequest const& req, Params const& p);

/// POST /Attachment: an upload with base64 content onto a ticket (and optionally one of its
/// actions).
void StageAttachment(WriteContext const& ctx, Json const& in, Validator& v,
                     std::vector<Staged>& staged);

/// Keeps a ticket's and its actions' attachment_count in step with the Attachment table.
void RecountAttachments(Store& store, std::int64_t ticket_id);

}  // namespace halo_sim
