#pragma once

// Small helpers shared by the simulator's route files: lenient value parsing the way HaloPSA's
// .NET binder reads JSON and query strings, query parameters, error bodies, write validation and
// the list filter builders.
#include "sim/api_routes.h"
#include "sim/store.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace halo_sim {

using Predicate = std::function<bool(Json const&)>;

std::string Lower(std::string_view s);
/// `lower_needle` must already be lower case.
bool ContainsLower(std::string_view haystack, std::string const& lower_needle);
std::optional<std::int64_t> ToInt(std::string_view s);
/// Numbers and numeric strings, as a lenient .NET binder reads them.
std::optional<std::int64_t> JsonInt(Json const& v);
std::optional<double> JsonNumber(Json const& v);
bool JsonBool(Json const& v);
std::int64_t FieldInt(Json const& row, char const* field);
double FieldNum(Json const& row, char const* field);
std::string FieldStr(Json const& row, char const* field);
/// Epoch seconds of a date field; nullopt when missing or malformed.
std::optional<std::int64_t> FieldTime(Json const& row, char const* field);

/// Query parameters; names are already lower-cased by the router.
class Params {
 public:
  explicit Params(std::multimap<std::string, std::string> const& m) : m_(m) {}

  std::optional<std::string> Get(std::string const& name) const;
  bool Has(std::string const& name) const { return m_.count(name) > 0; }
  /// "true", "1" or "yes".
  bool Flag(std::string const& name) const;
  /// The flag's value when present, else `fallback`.
  bool FlagOr(std::string const& name, bool fallback) const;
  std::optional<std::int64_t> Int(std::string const& name) const;
  /// Comma lists and repeated parameters ("1,2" or "x=1&x=2"); non-numbers are skipped; nullopt
  /// when absent or empty ("status_id=" filters nothing).
  std::optional<std::set<std::int64_t>> IntSet(std::string const& name) const;

 private:
  std::multimap<std::string, std::string> const& m_;
};

ApiResponse Error(int status, std::string const& message);
ApiResponse NotFound(std::string_view resource, std::string const& id);
/// A 400 keyed by the field, like HaloPSA's validation answers.
ApiResponse FieldError(std::string const& field, std::string const& message);

/// Validation errors of one POST element, keyed by field ("[1].summary" for later elements).
class Validator {
 public:
  explicit Validator(std::string prefix) : prefix_(std::move(prefix)) {}
  void Fail(std::string const& field, std::string const& message) {
    errors_[prefix_ + field] = message;
  }
  /// An update named an id that does not exist (answered with 404 for a single element).
  void FailNotFound(std::string const& field, std::string const& message) {
    Fail(field, message);
    not_found_ = true;
  }
  bool ok() const { return errors_.empty(); }
  bool not_found() const { return not_found_; }
  Json const& errors() const { return errors_; }

 private:
  std::string prefix_;
  bool not_found_ = false;
  Json errors_ = Json::object();
};

/// A validated change, committed only when every element of the POST validated.
struct Staged {
  std::string resource;
  bool create = false;
  std::int64_t id = 0;          ///< assigned on commit for creates
  std::string id_field = "id";  ///< the row's key field (TicketApproval: "uniqueid")
  std::int64_t ticket_id = 0;   ///< actions
  Json row;
  std::function<void(Store&, Json&)> commit;       ///< side effects before the row is stored
  std::function<void(Store&, Json const&)> after;  ///< side effects that need the stored row
};

/// Appends a validated change (`id` 0 creates) and returns it, for the caller to add hooks.
Staged& Stage(std::vector<Staged>& staged, std::string resource, std::int64_t id, Json row);

/// What a POST element's stage function may read: the store, the switches, the resource the
/// request named and the clock.
struct WriteContext {
  Store& store;
  ApiOptions const& options;
  std::string const& resource;
  std::int64_t now;
};
/// Validates one POST element and, when it is valid, appends its change to `staged`.
using StageFn = void (*)(WriteContext const& ctx, Json const& in, Validator& v,
                         std::vector<Staged>& staged);

/// Copies known fields from `in` into `row`; fields the record does not have are ignored, like
/// HaloPSA ignores unknown properties. `skip` lists fields the caller handles.
void MergeKnown(Json& row, Json const& in, std::set<std::string> const& skip);
/// Integer id field from input; records a validation error for non-numbers.
std::optional<std::int64_t> InputId(Json const& in, char const* field, Validator& v);
/// The record `id` names in `table`, or nullptr with "<noun> <id> does not exist" recorded
/// against `field`; an id of 0 or less names nothing and is no error.
Json const* FindReferenced(Store const& store, Validator& v, char const* field, std::int64_t id,
                           char const* table, char const* noun);
/// The record a POST element writes: the stored one it updates (`id` > 0) or a fresh template.
struct WriteTarget {
  Json row;
  std::int64_t id = 0;
  bool create() const { return id == 0; }
};
/// Loads the write target of a POST element; nullopt when its id is malformed or unknown (the
/// error is recorded).
std::optional<WriteTarget> LoadForWrite(Store const& store, std::string const& resource,
                                        Json const& in, Validator& v);
/// HTML to text for *_html fields sent without their plain twin.
std::string StripTags(std::string const& html);
/// Parses a required date field of a POST element into `out`; records an error otherwise.
bool InputTime(Json const& row, char const* field, Validator& v, std::int64_t& out);

bool IsClosedStatus(Store const& store, std::int64_t status_id);
std::int64_t ApiAgentId(Store const& store);
/// An agent's name, or "" for an unknown id.
std::string AgentName(Store const& store, std::int64_t agent_id);
/// Whether a token's scopes allow reading (or writing) a resource of `area` ("" = a reference
/// list, readable with any token and writable with all/admin).
bool ScopeAllows(std::set<std::string> const& scopes, std::string_view area, bool write);

// --- List filter builders: each adds a predicate when its parameter is present.
void AddIntEq(std::vector<Predicate>& preds, Params const& p, std::string const& param,
              char const* field);
void AddIntIn(std::vector<Predicate>& preds, Params const& p, std::string const& param,
              char const* field);
void AddSearch(std::vector<Predicate>& preds, Params const& p, std::vector<char const*> fields);
/// `activeinactive=a,b` overrides the include-active and include-inactive flags read so far.
void ReadActiveInactive(Params const& p, bool& active, bool& inactive);
/// Halo hides inactive records unless `includeinactive=true`; `includeactive=false` hides
/// active ones; `activeinactive=a,b` sets both at once. `field` is the inactive flag.
void AddActiveFilter(std::vector<Predicate>& preds, Params const& p, char const* field);
/// Date range on a "YYYY-MM-DDTHH:MM:SS" field; a date-only end includes the whole day.
void AddDateRange(std::vector<Predicate>& preds, std::optional<std::string> const& start,
                  std::optional<std::string> const& end, char const* field);
/// Keeps rows whose boolean `field` is true when the flag parameter is set.
void AddFlagFilter(std::vector<Predicate>& preds, Params const& p, std::string const& param,
                   char const* field);

}  // namespace halo_sim
