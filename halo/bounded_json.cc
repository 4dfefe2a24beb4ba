#include "halo/bounded_json.h"

#include <algorithm>
#include <string>
#include <vector>

namespace halo {
namespace {

using nlohmann::json;
using DomParser = nlohmann::detail::json_sax_dom_parser<json>;

/// nlohmann's own DOM builder (iterative, like its parser), with the limits checked at each
/// event and record members outside `record_keys` skipped: read and counted, never built.
/// Returning false from an event stops the parse at once.
class LimitedSax {
 public:
  LimitedSax(json& result, JsonLimits const& limits, std::span<std::string const> record_keys,
             JsonParseResult& out)
      : dom_(result, /*allow_exceptions=*/false),
        limits_(limits),
        record_keys_(record_keys),
        out_(out) {}

  bool null() {
    return Value([&] { return dom_.null(); });
  }
  bool boolean(bool v) {
    return Value([&] { return dom_.boolean(v); });
  }
  bool number_integer(json::number_integer_t v) {
    return Value([&] { return dom_.number_integer(v); });
  }
  bool number_unsigned(json::number_unsigned_t v) {
    return Value([&] { return dom_.number_unsigned(v); });
  }
  bool number_float(json::number_float_t v, json::string_t const& s) {
    return Value([&] { return dom_.number_float(v, s); });
  }
  bool string(json::string_t& v) {
    return Value([&] { return dom_.string(v); });
  }
  bool binary(json::binary_t& v) {
    return Value([&] { return dom_.binary(v); });
  }
  bool start_object(std::size_t n) {
    if (!Enter()) return false;
    if (skipping_) return true;
    kinds_.push_back(StartsRecord() ? Kind::kRecord : Kind::kObject);
    return dom_.start_object(n);
  }
  bool key(json::string_t& k) {
    if (skipping_) return true;
    if (kinds_.back() == Kind::kRecord &&
        !std::binary_search(record_keys_.begin(), record_keys_.end(), k)) {
      skipping_ = true;  // the member's value, however large, is read and dropped
      return true;
    }
    return dom_.key(k);
  }
  bool end_object() { return LeaveSkipped() || dom_.end_object(); }
  bool start_array(std::size_t n) {
    if (!Enter()) return false;
    if (skipping_) return true;
    kinds_.push_back(Kind::kArray);
    return dom_.start_array(n);
  }
  bool end_array() { return LeaveSkipped() || dom_.end_array(); }
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
  enum class Kind : char { kArray, kObject, kRecord };

  /// A scalar: counted, then built unless it belongs to a skipped member (a scalar that is the
  /// whole skipped member ends the skip).
  template <typename Build>
  bool Value(Build build) {
    if (!Count()) return false;
    if (!skipping_) return build();
    if (skip_depth_ == 0) skipping_ = false;
    return true;
  }
  bool Count() {
    if (++values_ <= limits_.max_values) return true;
    out_.error = JsonError::kTooLarge;
    out_.message = "more than " + std::to_string(limits_.max_values) + " JSON values";
    return false;
  }
  bool Enter() {
    if (!Count()) return false;
    if (++depth_ > limits_.max_depth) {
      out_.error = JsonError::kTooDeep;
      out_.message = "JSON nested deeper than " + std::to_string(limits_.max_depth) + " levels";
      return false;
    }
    if (skipping_) ++skip_depth_;
    return true;
  }
  /// Ends an array or object; true when it was inside a skipped member (nothing to build).
  bool LeaveSkipped() {
    --depth_;
    if (skipping_) {
      if (--skip_depth_ == 0) skipping_ = false;
      return true;
    }
    kinds_.pop_back();
    return false;
  }
  /// Whether an object starting now is a record: held by an array that is the document or a
  /// member of the document.
  bool StartsRecord() const {
    if (record_keys_.empty()) return false;
    return (kinds_.size() == 1 && kinds_[0] == Kind::kArray) ||
           (kinds_.size() == 2 && kinds_[0] != Kind::kArray && kinds_[1] == Kind::kArray);
  }

  DomParser dom_;
  JsonLimits const& limits_;
  std::span<std::string const> record_keys_;
  JsonParseResult& out_;
  std::vector<Kind> kinds_;  // the open arrays and objects being built
  std::size_t depth_ = 0;    // every open array and object, skipped ones included
  std::size_t values_ = 0;
  bool skipping_ = false;       // inside a record member that is not kept
  std::size_t skip_depth_ = 0;  // arrays and objects open inside that member
};

}  // namespace

JsonParseResult ParseBoundedJson(std::string_view text, JsonLimits const& limits,
                                 std::span<std::string const> record_keys) {
  JsonParseResult out;
  json value;
  LimitedSax sax(value, limits, record_keys, out);
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
