#pragma once

// The HTTP request and reply as the MCP endpoint sees them, independent of the socket library,
// and the few bytes of HTTP/1.1 framing the transport writes itself.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcp {

std::string AsciiLower(std::string_view s);

/// The request headers the endpoint reads, by lower-case name. Others are counted against the
/// limits and dropped, so that what a connection holds before authentication stays small.
class HttpHeaders {
 public:
  /// Whether the endpoint reads this header (lower-case name).
  static bool Wanted(std::string_view lower_name);

  /// Adds a header. Accept values are joined; a second value for any other name is remembered
  /// as a duplicate.
  void Add(std::string_view lower_name, std::string_view value);
  std::optional<std::string_view> Find(std::string_view lower_name) const;
  std::string Get(std::string_view lower_name) const;  // "" when absent
  /// The first header sent twice, when any: ambiguous, refused with 400.
  std::optional<std::string> const& duplicate() const { return duplicate_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
  std::optional<std::string> duplicate_;
};

/// One request line and its headers, known before any of the body is read.
struct HttpRequestHead {
  std::string method;  // "POST"
  std::string target;  // "/mcp?x=1"
  int version = 11;    // 10 or 11
  HttpHeaders headers;
  std::optional<std::uint64_t> content_length;  // nullopt: chunked, or no body
  bool keep_alive = true;
  std::string remote;  // peer address, for the access log

  std::string_view path() const;  // the target without its query
};

/// A complete reply: status, headers and a body written with Content-Length.
struct HttpReply {
  int status = 200;
  std::string content_type;  // "" with an empty body
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// An error reply with a JSON-RPC error body (id null), as every refusal of this server has.
HttpReply JsonErrorReply(int status, int code, std::string message);

/// Decodes the `=?base64?...?=` form of an MCP header value; other values come back as they are.
std::string DecodeHeaderValue(std::string_view value);

/// Keeps a value safe to echo into a response header: control characters are dropped.
std::string HeaderSafe(std::string_view value);

std::string_view ReasonPhrase(int status);

/// The status line and headers of a response. `content_length` nullopt means a streamed body:
/// chunked on HTTP/1.1, delimited by closing the connection on HTTP/1.0.
std::string FormatHead(int status, std::string_view content_type,
                       std::optional<std::size_t> content_length,
                       std::vector<std::pair<std::string, std::string>> const& headers,
                       bool keep_alive, int version);

/// One chunk of a chunked body ("" for the last chunk, which ends the body).
std::string Chunk(std::string_view data);

}  // namespace mcp
