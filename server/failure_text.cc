#include "server/failure_text.h"

#include "server/json_util.h"

namespace mcp {

using halo::Status;
using halo::StatusCode;

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

}  // namespace mcp
