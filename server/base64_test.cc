#include "server/base64.h"

#include <catch2/catch.hpp>

TEST_CASE("DecodeBase64: padded standard base64 only", "[base64]") {
  CHECK(*mcp::DecodeBase64("aGVsbG8=") == "hello");
  CHECK(*mcp::DecodeBase64("aGk=") == "hi");
  CHECK(*mcp::DecodeBase64("YWJj") == "abc");
  CHECK(*mcp::DecodeBase64("") == "");
  CHECK(mcp::DecodeBase64("AAEC/w==")->size() == 4);
  CHECK_FALSE(mcp::DecodeBase64("aGVsbG8"));    // not a multiple of four
  CHECK_FALSE(mcp::DecodeBase64("aGV sbG8="));  // whitespace
  CHECK_FALSE(mcp::DecodeBase64("aG=sbG8="));   // padding in the middle
  CHECK_FALSE(mcp::DecodeBase64("aGVs-G8="));   // URL alphabet
  CHECK(mcp::DecodedBase64Size("aGVsbG8=") == 5);
  CHECK(mcp::DecodedBase64Size("aGk=") == 2);
  CHECK(mcp::DecodedBase64Size("YWJj") == 3);
}

TEST_CASE("base64url: unpadded URL alphabet only") {
  CHECK(mcp::DecodeBase64Url("aGVsbG8") == "hello");
  CHECK(mcp::DecodeBase64Url("") == "");
  CHECK(mcp::DecodeBase64Url("-_8") == std::string("\xfb\xff", 2));
  CHECK_FALSE(mcp::DecodeBase64Url("aGVsbG8="));  // padding
  CHECK_FALSE(mcp::DecodeBase64Url("+/8"));       // the standard alphabet
  CHECK_FALSE(mcp::DecodeBase64Url("aGVsb"));     // a length no encoding has
  CHECK_FALSE(mcp::DecodeBase64Url("aGV sbG8"));
}
