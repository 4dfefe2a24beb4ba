// Small JSON helpers shared by the executor's files.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace mcp {

/// A member of a JSON object by reference (no copy), or a shared null when absent.
nlohmann::json const& Member(nlohmann::json const& object, std::string const& key);

/// A value as HaloPSA wants it in a path or query: strings as they are, integral numbers
/// without a fraction, booleans as true/false, anything else as compact JSON.
std::string Render(nlohmann::json const& v);

/// A path template with "{arg}" placeholders filled in, each value percent-encoded.
std::string Substitute(std::string path, nlohmann::json const& values);

/// The record of a POST or GET answer: HaloPSA returns one object, or an array for several.
nlohmann::json FirstRecord(nlohmann::json const& body);

/// The record's "id", or null.
nlohmann::json RecordId(nlohmann::json const& record);

}  // namespace mcp
