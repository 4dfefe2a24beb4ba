// Fuzz target: what HaloPSA (or a proxy in front of it) may answer, through the functions that
// read it: ParseListPage (list bodies), StatusFromHttpResponse and ParseRetryAfter (errors), and
// HtmlToText / TrimText (HTML notes shown to the model).
// Input: a selector byte ('l' list, 'k' list with kept fields, 'e' error, anything else HTML),
// then per selector:
//   l KEY '\n' BODY | k FIELDS(comma-separated) '\n' BODY | e STATUS(3 digits) RETRY-AFTER '\n'
//   BODY | h MAXCHARS(1 byte) HTML
// Invariants: no crash; an error status is never OK and keeps the HTTP status; messages are
// non-empty and capped; a parsed list has an array of rows; trimmed text keeps its prefix; a
// parse keeping some record fields succeeds exactly when the whole parse does, and equals it with
// the other members of its records removed.
#include "halo/bounded_json.h"
#include "halo/error_mapping.h"
#include "halo/pagination.h"
#include "server/output_format.h"
#include "tests/fuzz/fuzz_fail.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// Splits "head\nrest": returns head and leaves rest in `in` (all of it is head without '\n').
std::string_view Line(std::string_view& in) {
  auto nl = in.find('\n');
  std::string_view head = in.substr(0, nl);
  in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
  return head;
}

using halo_fuzz::Fail;

void ListPage(std::string_view in) {
  std::string const key(Line(in));
  auto parsed = halo::ParseBoundedJson(in);
  if (!parsed.ok()) return;
  bool const was_array = parsed.value.is_array();
  auto page = halo::ParseListPage(std::move(parsed.value), key);
  if (!page.ok()) {
    if (page.status().message().empty()) Fail("list error without a message");
    return;
  }
  if (!page->rows.is_array()) Fail("rows is not an array");
  if (page->bare != was_array) Fail("bare does not match the body's shape");
  if (page->record_count && *page->record_count < 0) Fail("negative record_count");
}

/// `whole` with the members outside `keep` removed from its records (see ParseBoundedJson).
nlohmann::json KeepFields(nlohmann::json whole, std::vector<std::string> const& keep) {
  auto filter_records = [&](nlohmann::json& list) {
    for (auto& record : list) {
      if (!record.is_object()) continue;
      for (auto it = record.begin(); it != record.end();) {
        it = std::binary_search(keep.begin(), keep.end(), it.key()) ? std::next(it)
                                                                    : record.erase(it);
      }
    }
  };
  if (whole.is_array()) filter_records(whole);
  if (whole.is_object()) {
    for (auto& member : whole) {
      if (member.is_array()) filter_records(member);
    }
  }
  return whole;
}

void KeptFields(std::string_view in) {
  std::vector<std::string> keep;
  std::string_view fields = Line(in);
  while (!fields.empty()) {
    auto comma = fields.find(',');
    keep.emplace_back(fields.substr(0, comma));
    fields.remove_prefix(comma == std::string_view::npos ? fields.size() : comma + 1);
  }
  std::sort(keep.begin(), keep.end());
  keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
  halo::JsonLimits limits;
  limits.max_depth = 16;
  limits.max_values = 4096;
  auto whole = halo::ParseBoundedJson(in, limits);
  auto kept = halo::ParseBoundedJson(in, limits, keep);
  if (whole.ok() != kept.ok()) Fail("keeping fields changed whether the document parses");
  if (!whole.ok()) {
    if (whole.error != kept.error) Fail("keeping fields changed the error");
    return;
  }
  if (keep.empty()) {
    if (kept.value != whole.value) Fail("no kept fields must keep everything");
    return;
  }
  if (kept.value != KeepFields(std::move(whole.value), keep)) Fail("kept fields differ");
}

void ErrorResponse(std::string_view in) {
  int status = 0;
  for (int i = 0; i < 3 && !in.empty(); ++i, in.remove_prefix(1)) {
    status = status * 10 + (static_cast<unsigned char>(in[0]) % 10);
  }
  std::string_view const retry_after = Line(in);
  std::string_view const body = in;
  halo::Status s = halo::StatusFromHttpResponse(status, body, retry_after);
  bool const success = status >= 200 && status < 300;
  if (s.ok() != success) Fail("ok() does not match the HTTP status");
  if (success) return;
  if (s.info().http_status != status) Fail("http_status lost");
  if (s.message().empty()) Fail("error without a message");
  // 400 characters plus "..." and, for unexpected statuses, a short prefix.
  if (s.message().size() > 480) Fail("message not capped");
  if (auto wait = s.info().retry_after; wait && wait->count() < 0) Fail("negative retry_after");
  auto direct = halo::ParseRetryAfter(retry_after);
  if (direct && (direct->count() < 0 || direct->count() > 24LL * 3600 * 1000)) {
    Fail("Retry-After outside [0, 24 h]");
  }
}

void Html(std::string_view in) {
  if (in.empty()) return;
  std::size_t const max_chars = static_cast<unsigned char>(in[0]);
  std::string const text = mcp::HtmlToText(in.substr(1));
  if (text.find("\n\n\n") != std::string::npos) Fail("blank lines not collapsed");
  std::string const trimmed = mcp::TrimText(text, max_chars);
  if (trimmed == text) return;
  if (max_chars == 0) Fail("max_chars 0 must keep the text");
  auto marker = trimmed.rfind(" [... ");
  if (marker == std::string::npos) Fail("cut text without a marker");
  if (text.compare(0, marker, trimmed, 0, marker) != 0) Fail("cut text is not a prefix");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<char const*>(data) + 1, size - 1);
  switch (data[0]) {
    case 'l':
      ListPage(in);
      break;
    case 'k':
      KeptFields(in);
      break;
    case 'e':
      ErrorResponse(in);
      break;
    default:
      Html(in);
      break;
  }
  return 0;
}
