#include "tests/fuzz/jsonrpc_line_check.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>

namespace halo_fuzz {
namespace {

using Json = nlohmann::json;

/// depth_ counts the open containers. A message is the document's object (message_depth_ 1) or
/// each object of a batch (2); only its own members, read while depth_ == message_depth_, matter.
class JsonRpcSax {
 public:
  bool null() { return Value(Kind::kOther); }
  bool boolean(bool) { return Value(Kind::kOther); }
  bool number_integer(Json::number_integer_t) { return Value(Kind::kOther); }
  bool number_unsigned(Json::number_unsigned_t) { return Value(Kind::kOther); }
  bool number_float(Json::number_float_t, Json::string_t const&) { return Value(Kind::kOther); }
  bool binary(Json::binary_t&) { return Value(Kind::kOther); }
  bool string(Json::string_t& s) {
    if (!Value(Kind::kOther)) return false;
    if (depth_ == message_depth_ && member_ == Member::kVersion) version_ok_ = s == "2.0";
    if (depth_ == message_depth_ && member_ == Member::kId && !batch_) id_ = s;
    return true;
  }
  bool start_object(std::size_t) {
    if (!Value(Kind::kObject)) return false;
    ++depth_;
    if (depth_ == message_depth_) version_ok_ = false;
    return true;
  }
  bool key(Json::string_t& k) {
    if (depth_ != message_depth_) return true;
    member_ = k == "jsonrpc" ? Member::kVersion : k == "id" ? Member::kId : Member::kOther;
    return true;
  }
  bool end_object() {
    if (depth_ == message_depth_ && !version_ok_) {
      return Fail(batch_ ? "batch member is not a JSON-RPC message"
                         : "output line is not a JSON-RPC message");
    }
    --depth_;
    if (depth_ == 1 && batch_) ++batch_members_;
    return true;
  }
  bool start_array(std::size_t) {
    if (!Value(Kind::kArray)) return false;
    ++depth_;
    if (depth_ == 1) {
      batch_ = true;
      message_depth_ = 2;
    }
    return true;
  }
  bool end_array() {
    if (depth_ == 1 && batch_members_ == 0) return Fail("empty batch response");
    --depth_;
    return true;
  }
  bool parse_error(std::size_t, std::string const&, nlohmann::detail::exception const&) {
    return Fail("output line is not one JSON value");
  }

  LineCheck Result() && {
    if (!error_.empty()) id_.clear();
    return {std::move(error_), std::move(id_)};
  }

 private:
  enum class Kind { kObject, kArray, kOther };
  enum class Member { kVersion, kId, kOther };

  /// A value starts at the current depth: the document itself must be a message or a batch, and a
  /// batch holds messages only.
  bool Value(Kind kind) {
    if (depth_ == 0 && kind == Kind::kOther) return Fail("output line is not a JSON-RPC message");
    if (depth_ == 1 && batch_ && kind != Kind::kObject) {
      return Fail("batch member is not a JSON-RPC message");
    }
    // A member given twice counts as its last value, as a parsed document keeps it.
    if (depth_ == message_depth_ && member_ == Member::kVersion) version_ok_ = false;
    if (depth_ == message_depth_ && member_ == Member::kId) id_.clear();
    return true;
  }
  bool Fail(char const* what) {
    if (error_.empty()) error_ = what;
    return false;
  }

  std::size_t depth_ = 0;
  std::size_t message_depth_ = 1;
  bool batch_ = false;
  std::size_t batch_members_ = 0;
  Member member_ = Member::kOther;
  bool version_ok_ = false;
  std::string id_;
  std::string error_;
};

}  // namespace

LineCheck CheckJsonRpcLine(std::string_view line) {
  // Read as unsigned bytes: the parser instantiated for them is this file's alone, so the fuzz
  // build can leave it without coverage tracing (tests/fuzz/CMakeLists.txt) while the server's
  // parser, instantiated for char, keeps it.
  auto const* bytes = reinterpret_cast<unsigned char const*>(line.data());
  JsonRpcSax sax;
  bool ok = Json::sax_parse(bytes, bytes + line.size(), &sax);
  LineCheck check = std::move(sax).Result();
  if (!ok && check.error.empty()) check.error = "output line is not one JSON value";
  return check;
}

}  // namespace halo_fuzz
