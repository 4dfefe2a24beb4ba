#include "halo/pagination.h"

#include "halo/safe_int.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace halo {

namespace {
bool EqualsIgnoreCase(std::string const& a, std::string const& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

StatusOr<ListPage> ParseListPage(nlohmann::json body, std::string const& list_key) {
  ListPage page;
  if (body.is_array()) {
    page.rows = std::move(body);
    page.bare = true;
    return page;
  }
  if (!body.is_object()) {
    return InternalError("HaloPSA returned a " + std::string(body.type_name()) +
                         " where a list (array or {record_count, ...}) was expected");
  }
  for (auto const& [k, v] : body.items()) {
    if (!EqualsIgnoreCase(k, "record_count")) continue;
    // A count that is negative, fractional or out of range is no count at all: the pages are
    // then walked until a short one.
    page.record_count = JsonToInt64OrString(v, 0, kInt64Max);
  }
  if (!list_key.empty()) {
    for (auto& [k, v] : body.items()) {
      if (v.is_array() && EqualsIgnoreCase(k, list_key)) {
        page.rows = std::move(v);
        return page;
      }
    }
  }
  std::vector<std::string> arrays;
  for (auto const& [k, v] : body.items()) {
    if (v.is_array()) arrays.push_back(k);
  }
  if (arrays.size() == 1) {
    page.rows = std::move(body[arrays.front()]);
    return page;
  }
  if (arrays.empty()) {
    page.rows_missing = true;
    return page;
  }
  std::string names;
  for (auto const& n : arrays) names += (names.empty() ? "" : ", ") + n;
  return InternalError("HaloPSA's list response has several arrays (" + names +
                       ") and none named '" + list_key + "'; set the list key");
}

PagePlan PlanPages(std::int64_t offset, std::int64_t limit, int max_page_size) {
  PagePlan plan;
  std::int64_t cap = std::clamp(max_page_size, 1, 100);
  plan.page_size = limit > 0 ? std::min(cap, limit) : cap;
  offset = std::max<std::int64_t>(0, offset);
  plan.first_page = SaturatingAdd(offset / plan.page_size, 1);
  plan.skip = offset % plan.page_size;
  return plan;
}

}  // namespace halo
