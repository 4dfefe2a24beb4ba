// Fuzz target: tool arguments -> ValidateJson with the input and output schemas of schemas/.
// Input: one byte picks the tool, one byte the schema and the error cap; the rest is JSON text.
// Invariants: no crash; at most max_errors errors, the same ones on a second run; every error
// can be described; an instance that passes an object schema is an object.
#include "halo/bounded_json.h"
#include "server/json_rpc.h"
#include "server/json_schema.h"
#include "tests/fuzz/canned_halo.h"
#include "tests/fuzz/fuzz_fail.h"

#include <cstdint>
#include <string_view>

namespace {

using halo_fuzz::Fail;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  halo_fuzz::SilenceLogs();
  halo_fuzz::SharedRegistry();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
  if (size < 2) return 0;
  auto const& tools = halo_fuzz::SharedRegistry()->tools();
  auto const& tool = tools[data[0] % tools.size()];
  bool const output = (data[1] & 0x80) != 0 && !tool.output_schema.is_null();
  std::size_t const max_errors = data[1] & 0x1f;
  auto const& schema = output ? tool.output_schema : tool.input_schema;

  std::string_view text(reinterpret_cast<char const*>(data + 2), size - 2);
  auto parsed = halo::ParseBoundedJson(text, mcp::kMessageLimits);
  if (!parsed.ok()) return 0;

  auto errors = mcp::ValidateJson(schema, parsed.value, max_errors);
  if (errors.size() > std::max<std::size_t>(1, max_errors)) Fail("more errors than max_errors");
  auto again = mcp::ValidateJson(schema, parsed.value, max_errors);
  if (again.size() != errors.size()) Fail("a second run gave a different number of errors");
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (errors[i].path != again[i].path || errors[i].message != again[i].message) {
      Fail("a second run gave different errors");
    }
    if (errors[i].message.empty()) Fail("an error without a message");
    if (mcp::DescribeArgumentError(errors[i]).empty()) Fail("an error without a description");
  }
  if (errors.empty() && schema.contains("type") && schema["type"] == "object" &&
      !parsed.value.is_object()) {
    Fail("a non-object passed an object schema");
  }
  return 0;
}
