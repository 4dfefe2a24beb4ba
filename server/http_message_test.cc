// HTTP message helpers: header bookkeeping and the framing the transport writes itself.
#include "server/http_message.h"

#include <catch2/catch.hpp>

TEST_CASE("headers: only wanted ones are kept, repeats are joined or flagged", "[http][message]") {
  CHECK(mcp::HttpHeaders::Wanted("mcp-session-id"));
  CHECK_FALSE(mcp::HttpHeaders::Wanted("x-flood"));
  mcp::HttpHeaders h;
  h.Add("accept", "application/json");
  h.Add("accept", "text/event-stream");
  CHECK(h.Get("accept") == "application/json, text/event-stream");
  CHECK_FALSE(h.duplicate());
  h.Add("host", "127.0.0.1");
  h.Add("host", "evil.example");
  CHECK(h.Get("host") == "127.0.0.1");
  CHECK(h.duplicate() == "host");
  CHECK_FALSE(h.Find("origin"));
  CHECK(h.Get("origin").empty());
}

TEST_CASE("framing: heads, chunks and HTTP/1.0 streams", "[http][message]") {
  std::string head =
      mcp::FormatHead(200, "application/json", 2, {{"Mcp-Session-Id", "ab\r\nX: y"}}, true, 11);
  CHECK(head ==
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
        "Mcp-Session-Id: abX: y\r\n\r\n");
  CHECK(mcp::FormatHead(200, "text/event-stream", std::nullopt, {}, true, 11)
            .find("Transfer-Encoding: chunked") != std::string::npos);
  std::string old = mcp::FormatHead(200, "text/event-stream", std::nullopt, {}, true, 10);
  CHECK(old.rfind("HTTP/1.0 200 OK\r\n", 0) == 0);
  CHECK(old.find("Transfer-Encoding") == std::string::npos);
  CHECK(old.find("Connection: close") != std::string::npos);  // the close ends the body
  CHECK(mcp::FormatHead(431, "", 0, {}, false, 11).find("Request Header Fields Too Large") !=
        std::string::npos);
  CHECK(mcp::Chunk("hello, world!!!!!") == "11\r\nhello, world!!!!!\r\n");
  CHECK(mcp::Chunk("") == "0\r\n\r\n");
}

TEST_CASE("MCP header values may be base64-encoded", "[http][message]") {
  CHECK(mcp::DecodeHeaderValue("=?base64?ZWNob190b29s?=") == "echo_tool");
  CHECK(mcp::DecodeHeaderValue("=?base64?w6k=?=") == "\xc3\xa9");
  CHECK(mcp::DecodeHeaderValue("plain") == "plain");
  CHECK(mcp::DecodeHeaderValue("=?base64?%%%?=") == "=?base64?%%%?=");
}
