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
