#include "halo/bounded_json.h"

#include <string>

namespace halo {
namespace {

using nlohmann::json;
using DomParser = nlohmann::detail::json_sax_dom_parser<json>;

/// nlohmann's own DOM builder (iterative, like its parser), with the limits checked at each
/// event. Returning false from an event stops the parse at once.
class LimitedSax {
 public:
  LimitedSax(json& result, JsonLimits const& limits, JsonParseResult& out)
      : dom_(result, /*allow_exceptions=*/false), limits_(limits), out_(out) {}

  bool null() { return Count() && dom_.null(); }
  bool boolean(bool v) { return Count() && dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return Count() && dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return Count() && dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, json::string_t const& s) {
    return Count() && dom_.number_float(v, s);
  }
  bool string(json::string_t& v) { return Count() && dom_.string(v); }
  bool binary(json::binary_t& v) { return Count() && dom_.binary(v); }
  bool start_object(std::size_t n) { return Enter() && dom_.start_object(n); }
  bool key(json::string_t& k) { return dom_.key(k); }
  bool end_object() {
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t n) { return Enter() && dom_.start_array(n); }
  bool end_array() {
    --depth_;
    return dom_.end_array();
  }
  template <typename Exception>
  bool parse_error(std::size_t position, std::string const&, Exception const& e) {
    out_.error = JsonError::kSyntax;
    out_.message = e.what();
    // nlohmann's messages start with "[json.exception.parse_error.101] parse error at ...".
    if (auto p = out_.message.find("] "); p != std::string::npos) out_.message.erase(0, p + 2);
    if (out_.message.empty()) out_.message = "syntax error at byte " + std::to_string(position);
    return false;
  }

 private:
  bool Count() {
    if (++values_ <= limits_.max_values) return true;
    out_.error = JsonError::kTooLarge;
    out_.message = "more than " + std::to_string(limits_.max_values) + " JSON values";
    return false;
  }
  bool Enter() {
    if (!Count()) return false;
    if (++depth_ <= limits_.max_depth) return true;
    out_.error = JsonError::kTooDeep;
    out_.message = "JSON nested deeper than " + std::to_string(limits_.max_depth) + " levels";
    return false;
  }

  DomParser dom_;
  JsonLimits const& limits_;
  JsonParseResult& out_;
  std::size_t depth_ = 0;
  std::size_t values_ = 0;
};

}  // namespace

JsonParseResult ParseBoundedJson(std::string_view text, JsonLimits const& limits) {
  JsonParseResult out;
  json value;
  LimitedSax sax(value, limits, out);
  bool ok = json::sax_parse(text.begin(), text.end(), &sax, nlohmann::detail::input_format_t::json,
                            /*strict=*/true, /*ignore_comments=*/false);
  if (!ok || !out.message.empty()) {
    if (out.message.empty()) out.message = "unreadable JSON";
    // A partly built value may be deeper than the caller can safely walk; nlohmann destroys
    // values iteratively, so dropping it here is safe.
    out.value = json(json::value_t::discarded);
    return out;
  }
  out.value = std::move(value);
  return out;
}

}  // namespace halo
