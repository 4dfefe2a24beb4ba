#pragma once

#include "halo/http_client.h"
#include "halo/status.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace halo {

/**
 * Turns one HaloPSA HTTP response into a Status. 2xx is OK; everything else becomes an error
 * whose message is the short text HaloPSA gave, found in whichever shape it used:
 *
 *  - field-keyed validation objects, `{"summary": "is required"}` or `{"[0].id": "..."}`
 *    (copied into ErrorInfo::fields, and summarised in the message);
 *  - `{"message": ...}`, `{"Message": ...}`, `{"ClassName": ..., "Message": ...}`,
 *    `{"errorMessage": ...}`, `{"errors": [...]}` / `{"errors": {"f": ["..."]}}`;
 *  - OAuth errors `{"error": "invalid_client", "error_description": "..."}`;
 *  - a JSON string, plain text, or an HTML error page (tags stripped, length capped).
 *
 * Codes: 400/422 kInvalidArgument, 401 kUnauthenticated, 403 kPermissionDenied, 404/410
 * kNotFound, 408 kUnavailable, 409/412 kFailedPrecondition, 429 kResourceExhausted (with
 * ErrorInfo::retry_after from `retry_after_header` when it parses), 5xx kUnavailable (also
 * with retry_after when the header is there), other
 * 4xx kInvalidArgument, anything else kInternal. ErrorInfo::http_status is always set.
 *
 * Never throws.
 */
Status StatusFromHttpResponse(int http_status, std::string_view body,
                              std::string_view retry_after_header);

/// The failures below HTTP that no retry mends: kCancelled (the caller gave up) and kTls (the
/// host's certificate does not verify; `check` names the setting to look at). nullopt for the
/// others, whose handling depends on whether the request may have been processed.
std::optional<Status> FinalTransportStatus(TransportFailure failure, std::string const& origin,
                                           std::string const& check);

/// Parses a Retry-After value: delta-seconds ("120") or an IMF-fixdate
/// ("Wed, 21 Oct 2015 07:28:00 GMT", relative to `now`). nullopt when absent or unreadable.
std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view header,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

/// Plain text of an HTML page (script/style dropped, tags removed, entities for the common
/// cases decoded, whitespace collapsed). Exposed for tests.
std::string StripHtml(std::string_view html);

/// Caps `text` at `max_chars` bytes on a UTF-8 boundary, appending "..." when cut.
std::string CapLength(std::string text, std::size_t max_chars);

}  // namespace halo
