#include "server/http_message.h"

#include "server/base64.h"
#include "server/json_rpc.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace mcp {

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool HttpHeaders::Wanted(std::string_view lower_name) {
  static constexpr std::array<std::string_view, 11> kWanted = {
      "accept",         "authorization",        "content-type", "expect",
      "host",           "last-event-id",        "mcp-method",   "mcp-name",
      "mcp-session-id", "mcp-protocol-version", "origin"};
  return std::find(kWanted.begin(), kWanted.end(), lower_name) != kWanted.end();
}

void HttpHeaders::Add(std::string_view lower_name, std::string_view value) {
  for (auto& [name, existing] : fields_) {
    if (name != lower_name) continue;
    if (name == "accept") {  // a list: repeating it is the same as joining it
      existing += ", ";
      existing += value;
    } else if (!duplicate_) {
      duplicate_ = std::string(lower_name);
    }
    return;
  }
  fields_.emplace_back(lower_name, value);
}

std::optional<std::string_view> HttpHeaders::Find(std::string_view lower_name) const {
  for (auto const& [name, value] : fields_) {
    if (name == lower_name) return value;
  }
  return std::nullopt;
}

std::string HttpHeaders::Get(std::string_view lower_name) const {
  return std::string(Find(lower_name).value_or(""));
}

std::string_view HttpRequestHead::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

HttpReply JsonErrorReply(int status, int code, std::string message) {
  HttpReply r;
  r.status = status;
  r.content_type = "application/json";
  r.body = Serialize(MakeError(nullptr, ErrorObject{code, std::move(message), nullptr}));
  return r;
}

std::string DecodeHeaderValue(std::string_view value) {
  constexpr std::string_view prefix = "=?base64?";
  constexpr std::string_view suffix = "?=";
  if (value.size() < prefix.size() + suffix.size() || value.substr(0, prefix.size()) != prefix ||
      value.substr(value.size() - suffix.size()) != suffix) {
    return std::string(value);
  }
  auto decoded = DecodeBase64(value.substr(prefix.size(), value.size() - prefix.size() - 2));
  return decoded ? *std::move(decoded) : std::string(value);
}

std::string HeaderSafe(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) out.push_back(c);
  }
  return out;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string FormatHead(int status, std::string_view content_type,
                       std::optional<std::size_t> content_length,
                       std::vector<std::pair<std::string, std::string>> const& headers,
                       bool keep_alive, int version) {
  bool const streamed = !content_length.has_value();
  // HTTP/1.0 has no chunked encoding: a streamed body ends when the connection closes.
  if (streamed && version < 11) keep_alive = false;
  std::string head = version < 11 ? "HTTP/1.0 " : "HTTP/1.1 ";
  head += std::to_string(status);
  head += ' ';
  head += ReasonPhrase(status);
  head += "\r\n";
  if (!content_type.empty()) {
    head += "Content-Type: ";
    head += content_type;
    head += "\r\n";
  }
  if (!streamed) {
    head += "Content-Length: " + std::to_string(*content_length) + "\r\n";
  } else if (version >= 11) {
    head += "Transfer-Encoding: chunked\r\n";
  }
  for (auto const& [name, value] : headers) {
    head += name;
    head += ": ";
    head += HeaderSafe(value);
    head += "\r\n";
  }
  if (!keep_alive) {
    head += "Connection: close\r\n";
  } else if (version < 11) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
  return head;
}

std::string Chunk(std::string_view data) {
  char size[24];
  int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out(size, static_cast<std::size_t>(n));
  out += data;
  out += "\r\n";
  return out;
}

}  // namespace mcp
