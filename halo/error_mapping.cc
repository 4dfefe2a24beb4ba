#include "halo/error_mapping.h"

#include "halo/bounded_json.h"
#include "halo/safe_int.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>
#include <vector>

namespace halo {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxMessage = 400;

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string CollapseSpace(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool LooksLikeHtml(std::string_view body) {
  std::string head = Lower(body.substr(0, 512));
  return head.find("<html") != std::string::npos || head.find("<!doctype") != std::string::npos ||
         head.find("<body") != std::string::npos || head.find("<head") != std::string::npos;
}

/// Renders a JSON value that should be a message as text.
std::string AsText(json const& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string out;
    for (auto const& e : v) {
      std::string t = AsText(e);
      if (t.empty()) continue;
      if (!out.empty()) out += "; ";
      out += t;
    }
    return out;
  }
  if (v.is_object()) {
    for (char const* k : {"message", "Message", "msg", "error_description", "errorMessage"}) {
      if (auto it = v.find(k); it != v.end() && it->is_string()) return it->get<std::string>();
    }
    return {};
  }
  if (v.is_null()) return {};
  return v.dump();
}

std::string DefaultMessage(int status) {
  switch (status) {
    case 400:
      return "HaloPSA rejected the request as invalid";
    case 401:
      return "HaloPSA rejected the credentials or the access token";
    case 403:
      return "HaloPSA denied access: the API application's permissions or scope do not allow this";
    case 404:
      return "HaloPSA found no such record or path";
    case 408:
      return "HaloPSA timed out waiting for the request";
    case 409:
      return "HaloPSA reported a conflict";
    case 429:
      return "HaloPSA rate limit reached";
    case 500:
      return "HaloPSA had an internal error";
    case 502:
    case 503:
    case 504:
      return "HaloPSA is unavailable (HTTP " + std::to_string(status) + ")";
    default:
      return "HaloPSA returned HTTP " + std::to_string(status);
  }
}

/// Pulls the message and field errors out of a JSON object body.
void FromObject(json const& o, std::string& message, json& fields) {
  // OAuth: {"error": "invalid_client", "error_description": "..."}.
  if (auto e = o.find("error"); e != o.end() && e->is_string()) {
    std::string err = e->get<std::string>();
    if (auto d = o.find("error_description");
        d != o.end() && d->is_string() && !d->get<std::string>().empty()) {
      message = err + ": " + d->get<std::string>();
    } else {
      message = err;
    }
    return;
  }
  for (char const* k : {"message", "Message", "errorMessage", "error_message", "detail", "title",
                        "ExceptionMessage"}) {
    if (auto it = o.find(k); it != o.end() && it->is_string() && !it->get<std::string>().empty()) {
      message = it->get<std::string>();
      break;
    }
  }
  if (auto e = o.find("error"); message.empty() && e != o.end() && e->is_object()) {
    message = AsText(*e);
  }
  // {"errors": [...]} or ASP.NET's {"errors": {"field": ["msg"]}}.
  if (auto errs = o.find("errors"); errs != o.end()) {
    if (errs->is_object()) {
      for (auto const& [k, v] : errs->items()) fields[k] = AsText(v);
    } else if (errs->is_array()) {
      std::string joined;
      for (auto const& e : *errs) {
        if (e.is_object() && e.contains("field")) {
          fields[AsText(e["field"])] = AsText(e);
        }
        std::string t = AsText(e);
        if (t.empty()) continue;
        if (!joined.empty()) joined += "; ";
        joined += t;
      }
      if (message.empty()) message = joined;
    }
  }
  if (!message.empty() || !fields.empty()) return;
  // A field-keyed validation object: every value a string (or a list of strings).
  bool all_text = !o.empty();
  for (auto const& [k, v] : o.items()) {
    if (!(v.is_string() || (v.is_array() && std::all_of(v.begin(), v.end(), [](json const& x) {
                              return x.is_string();
                            })))) {
      all_text = false;
      break;
    }
  }
  if (!all_text) return;
  std::string joined;
  for (auto const& [k, v] : o.items()) {
    std::string t = AsText(v);
    fields[k] = t;
    if (!joined.empty()) joined += "; ";
    joined += k + ": " + t;
  }
  message = joined;
}

}  // namespace

std::string StripHtml(std::string_view html) {
  std::string lower = Lower(html);
  std::string text;
  std::size_t i = 0;
  while (i < html.size()) {
    if (html[i] == '<') {
      // Drop script and style bodies entirely.
      for (std::string_view tag : {"script", "style"}) {
        if (lower.compare(i + 1, tag.size(), tag) == 0) {
          auto end = lower.find("</" + std::string(tag), i);
          if (end != std::string::npos) i = end;
          break;
        }
      }
      auto close = html.find('>', i);
      if (close == std::string_view::npos) break;
      text += ' ';
      i = close + 1;
      continue;
    }
    if (html[i] == '&') {
      static constexpr std::pair<std::string_view, char> kEntities[] = {
          {"&amp;", '&'},  {"&lt;", '<'},   {"&gt;", '>'},
          {"&quot;", '"'}, {"&#39;", '\''}, {"&nbsp;", ' '}};
      bool matched = false;
      for (auto const& [ent, ch] : kEntities) {
        if (lower.compare(i, ent.size(), ent) == 0) {
          text += ch;
          i += ent.size();
          matched = true;
          break;
        }
      }
      if (matched) continue;
    }
    text += html[i++];
  }
  return CollapseSpace(text);
}

std::string CapLength(std::string text, std::size_t max_chars) {
  if (text.size() <= max_chars) return text;
  std::size_t cut = max_chars;
  // Do not split a UTF-8 sequence: back up over continuation bytes.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  text += "...";
  return text;
}

std::optional<Status> FinalTransportStatus(TransportFailure failure, std::string const& origin,
                                           std::string const& check) {
  if (failure == TransportFailure::kCancelled) return CancelledError("the call was cancelled");
  if (failure == TransportFailure::kTls) {
    return FailedPreconditionError("TLS certificate verification failed for " + origin +
                                   ": check " + check +
                                   " (the certificate must be valid for that host and trusted "
                                   "by the system CA store)");
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view header, std::chrono::system_clock::time_point now) {
  std::string v = Trim(header);
  if (v.empty()) return std::nullopt;
  constexpr std::int64_t kDay = 24 * 3600;
  if (auto secs = ParseInt64(v, 0)) {
    // Anything longer than a day is taken as a day: the caller decides whether to wait that long.
    return std::chrono::milliseconds(std::min(*secs, kDay) * 1000);
  }
  // Fractional seconds are not in the RFC but some proxies send them.
  double fsecs = 0;
  auto rf = std::from_chars(v.data(), v.data() + v.size(), fsecs);
  if (rf.ec == std::errc() && rf.ptr == v.data() + v.size() && std::isfinite(fsecs) && fsecs >= 0) {
    return std::chrono::milliseconds(
        static_cast<std::int64_t>(std::min(fsecs, static_cast<double>(kDay)) * 1000));
  }
  std::tm tm{};
  char const* end = strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  // Compared in seconds: a date in year 9999 would overflow a nanosecond time_point.
  std::time_t const t = timegm(&tm);
  std::time_t const now_t = std::chrono::system_clock::to_time_t(now);
  if (t == static_cast<std::time_t>(-1) || t <= now_t) return std::chrono::milliseconds(0);
  std::int64_t const ahead = SaturatingSub(static_cast<std::int64_t>(t), now_t);
  return std::chrono::milliseconds(std::min(ahead, kDay) * 1000);
}

Status StatusFromHttpResponse(int http_status, std::string_view body,
                              std::string_view retry_after_header) {
  if (http_status >= 200 && http_status < 300) return OkStatus();

  ErrorInfo info;
  info.http_status = http_status;
  std::string message;
  json fields = json::object();

  std::string trimmed = Trim(body);
  if (!trimmed.empty()) {
    auto bounded = ParseBoundedJson(trimmed);
    json const& parsed = bounded.value;
    if (!bounded.ok()) {
      message = LooksLikeHtml(trimmed) ? StripHtml(trimmed) : CollapseSpace(trimmed);
      if (LooksLikeHtml(trimmed)) {
        // Prefer the <title> of an error page; bodies are mostly boilerplate.
        std::string lower = Lower(trimmed);
        auto t0 = lower.find("<title");
        auto t1 = lower.find("</title>");
        if (t0 != std::string::npos && t1 != std::string::npos && t1 > t0) {
          auto gt = trimmed.find('>', t0);
          if (gt != std::string::npos && gt < t1) {
            std::string title = StripHtml(std::string_view(trimmed).substr(gt + 1, t1 - gt - 1));
            if (!title.empty()) message = title;
          }
        }
      }
    } else if (parsed.is_object()) {
      try {
        FromObject(parsed, message, fields);
      } catch (json::exception const&) {
        message.clear();
      }
    } else {
      message = AsText(parsed);
    }
  }
  message = CapLength(CollapseSpace(message), kMaxMessage);
  if (message.empty()) message = DefaultMessage(http_status);
  info.fields = std::move(fields);

  switch (http_status) {
    case 400:
    case 422:
      return InvalidArgumentError(std::move(message), std::move(info));
    case 401:
      return UnauthenticatedError(std::move(message), std::move(info));
    case 403:
      return PermissionDeniedError(std::move(message), std::move(info));
    case 404:
    case 410:
      return NotFoundError(std::move(message), std::move(info));
    case 408:
      return UnavailableError(std::move(message), std::move(info));
    case 409:
    case 412:
      return FailedPreconditionError(std::move(message), std::move(info));
    case 429:
      info.retry_after = ParseRetryAfter(retry_after_header);
      return ResourceExhaustedError(std::move(message), std::move(info));
    default:
      break;
  }
  if (http_status >= 500 && http_status < 600) {
    // Maintenance pages and proxies send Retry-After with 503 too.
    info.retry_after = ParseRetryAfter(retry_after_header);
    return UnavailableError(std::move(message), std::move(info));
  }
  if (http_status >= 400 && http_status < 500) {
    return InvalidArgumentError(std::move(message), std::move(info));
  }
  return InternalError(
      "unexpected HTTP " + std::to_string(http_status) + " from HaloPSA: " + message,
      std::move(info));
}

}  // namespace halo
