// Runs the official JSON Schema Test Suite (draft 7, Debian package json-schema-test-suite)
// against mcp::ValidateJson for every keyword the validator supports.
#include "server/json_schema.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#ifndef HALO_MCP_JSON_SCHEMA_TEST_SUITE_DIR
#define HALO_MCP_JSON_SCHEMA_TEST_SUITE_DIR "/usr/share/json-schema-test-suite/tests/draft7"
#endif

namespace {

using nlohmann::json;

// Files (relative to the draft 7 directory) whose keywords the validator supports; every case
// in them is run.
constexpr std::string_view kSupportedFiles[] = {
    "additionalItems.json",
    "additionalProperties.json",
    "boolean_schema.json",
    "const.json",
    "default.json",
    "enum.json",
    "exclusiveMaximum.json",
    "exclusiveMinimum.json",
    "items.json",
    "maxItems.json",
    "maxLength.json",
    "maxProperties.json",
    "maximum.json",
    "minItems.json",
    "minLength.json",
    "minProperties.json",
    "minimum.json",
    "multipleOf.json",
    "pattern.json",
    "properties.json",
    "required.json",
    "type.json",
    "uniqueItems.json",
    "optional/bignum.json",
    "optional/zeroTerminatedFloats.json",
    "optional/format/date-time.json",
    "optional/format/date.json",
};

struct NotSupportedFile {
  std::string_view file;
  std::string_view reason;
};

// Files for keywords the validator does not support (UnsupportedKeywords() rejects schemas that
// use them). They are not run.
constexpr NotSupportedFile kNotSupportedFiles[] = {
    {"allOf.json", "allOf not supported"},
    {"anyOf.json", "anyOf not supported"},
    {"contains.json", "contains not supported"},
    {"definitions.json", "definitions / $ref not supported"},
    {"dependencies.json", "dependencies not supported"},
    {"if-then-else.json", "if / then / else not supported"},
    {"not.json", "not not supported"},
    {"oneOf.json", "oneOf not supported"},
    {"patternProperties.json", "patternProperties not supported"},
    {"propertyNames.json", "propertyNames not supported"},
    {"ref.json", "$ref not supported"},
    {"refRemote.json", "$ref not supported"},
    {"optional/content.json", "contentMediaType / contentEncoding not supported"},
    {"optional/ecmascript-regex.json", "format \"regex\" not supported"},
    {"optional/format/email.json", "format \"email\" not supported"},
    {"optional/format/hostname.json", "format \"hostname\" not supported"},
    {"optional/format/idn-email.json", "format \"idn-email\" not supported"},
    {"optional/format/idn-hostname.json", "format \"idn-hostname\" not supported"},
    {"optional/format/ipv4.json", "format \"ipv4\" not supported"},
    {"optional/format/ipv6.json", "format \"ipv6\" not supported"},
    {"optional/format/iri-reference.json", "format \"iri-reference\" not supported"},
    {"optional/format/iri.json", "format \"iri\" not supported"},
    {"optional/format/json-pointer.json", "format \"json-pointer\" not supported"},
    {"optional/format/regex.json", "format \"regex\" not supported"},
    {"optional/format/relative-json-pointer.json",
     "format \"relative-json-pointer\" not supported"},
    {"optional/format/time.json", "format \"time\" not supported"},
    {"optional/format/uri-reference.json", "format \"uri-reference\" not supported"},
    {"optional/format/uri-template.json", "format \"uri-template\" not supported"},
    {"optional/format/uri.json", "format \"uri\" not supported"},
};

struct ListedCase {
  std::string_view file;
  std::string_view group;  // the case's "description"
  std::string_view test;   // the test's "description"
  std::string_view reason;
};

// Individual tests in supported files that need an unsupported keyword and fail because of it.
// Only these may disagree with the suite; each must actually disagree, so the list stays honest.
constexpr ListedCase kListedUnsupported[] = {
    {"additionalProperties.json",
     "additionalProperties being false does not allow other properties",
     "patternProperties are not additional properties",
     "patternProperties not supported: \"vroom\" counts as an additional property"},
    {"additionalProperties.json", "non-ASCII pattern with additionalProperties",
     "matching the pattern is valid",
     "patternProperties not supported: the non-ASCII key counts as an additional property"},
    {"properties.json", "properties, patternProperties, additionalProperties interaction",
     "patternProperty invalidates property",
     "patternProperties not supported: its minItems is not applied to \"foo\""},
    {"properties.json", "properties, patternProperties, additionalProperties interaction",
     "patternProperty validates nonproperty",
     "patternProperties not supported: \"fxo\" falls to additionalProperties"},
};

std::string CaseName(std::string_view file, std::string_view group, std::string_view test) {
  std::string name(file);
  name += " | ";
  name += group;
  name += " | ";
  name += test;
  return name;
}

}  // namespace

TEST_CASE("JSON Schema Test Suite draft 7, supported keywords", "[json_schema][suite]") {
  namespace fs = std::filesystem;
  fs::path const dir(HALO_MCP_JSON_SCHEMA_TEST_SUITE_DIR);
  if (!fs::is_directory(dir)) {
    FAIL("JSON Schema Test Suite not found at " << dir.string()
                                                << "; run scripts/install-deps.sh (Debian "
                                                   "package json-schema-test-suite)");
  }

  // Every file of the suite is either run or explicitly listed as not supported.
  std::vector<std::string> unclassified;
  for (auto const& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    std::string rel = entry.path().lexically_relative(dir).generic_string();
    bool known = std::find(std::begin(kSupportedFiles), std::end(kSupportedFiles), rel) !=
                     std::end(kSupportedFiles) ||
                 std::any_of(std::begin(kNotSupportedFiles), std::end(kNotSupportedFiles),
                             [&](NotSupportedFile const& f) { return f.file == rel; });
    if (!known) unclassified.push_back(rel);
  }
  std::sort(unclassified.begin(), unclassified.end());
  for (auto const& rel : unclassified) {
    FAIL_CHECK("suite file " << rel << " is neither in kSupportedFiles nor kNotSupportedFiles");
  }

  std::size_t run = 0;
  std::size_t passed = 0;
  std::size_t listed = 0;
  std::set<std::string> listed_seen;
  for (auto file : kSupportedFiles) {
    fs::path path = dir / fs::path(std::string(file));
    std::ifstream in(path);
    if (!in) {
      FAIL_CHECK("cannot open " << path.string());
      continue;
    }
    json const groups = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!groups.is_array()) {
      FAIL_CHECK("cannot parse " << path.string());
      continue;
    }
    for (auto const& group : groups) {
      std::string const group_name = group.at("description").get<std::string>();
      for (auto const& test : group.at("tests")) {
        std::string const test_name = test.at("description").get<std::string>();
        bool const expected = test.at("valid").get<bool>();
        auto const errors = mcp::ValidateJson(group.at("schema"), test.at("data"));
        bool const actual = errors.empty();
        ++run;
        auto const* listing = std::find_if(
            std::begin(kListedUnsupported), std::end(kListedUnsupported), [&](ListedCase const& c) {
              return c.file == file && c.group == group_name && c.test == test_name;
            });
        bool const is_listed = listing != std::end(kListedUnsupported);
        std::string const name = CaseName(file, group_name, test_name);
        if (is_listed) {
          listed_seen.insert(name);
          if (actual == expected) {
            FAIL_CHECK(
                "listed as unsupported but passes; remove it from kListedUnsupported: " << name);
          } else {
            ++listed;
          }
          continue;
        }
        if (actual == expected) {
          ++passed;
        } else {
          std::ostringstream detail;
          for (auto const& e : errors) detail << "\n  " << e.path << ": " << e.message;
          FAIL_CHECK("suite case failed: " << name << "\n  schema: " << group.at("schema").dump()
                                           << "\n  data: " << test.at("data").dump()
                                           << "\n  expected valid=" << expected << detail.str());
        }
      }
    }
  }
  for (auto const& c : kListedUnsupported) {
    if (listed_seen.count(CaseName(c.file, c.group, c.test)) == 0) {
      FAIL_CHECK("listed case not found in the suite: " << CaseName(c.file, c.group, c.test));
    }
  }

  std::cout << "JSON Schema Test Suite draft 7: " << run << " cases run, " << passed << " passed, "
            << listed << " listed unsupported (" << std::size(kSupportedFiles) << " files run, "
            << std::size(kNotSupportedFiles) << " files not supported)\n";
  CHECK(run == passed + listed);
  CHECK(run > 0);
}
