#include "halo/list_pager.h"

#include "halo/pagination.h"
#include "halo/parallel.h"
#include "halo/response_body.h"
#include "halo/safe_int.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <semaphore>
#include <vector>

namespace halo::internal {
namespace {

using nlohmann::json;

bool IsPagingParam(std::string const& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return n == "pageinate" || n == "page_no" || n == "page_size";
}

Status Cancelled() { return CancelledError("the list was cancelled"); }

/// Gives a request slot back however the fetch ends.
struct SlotGuard {
  std::counting_semaphore<>& slots;
  ~SlotGuard() { slots.release(); }
};

/// One List call: the request, its plan and what has been fetched so far.
class Pager {
 public:
  Pager(ListRequest const& request, CallContext const& ctx, PagerConfig const& config,
        RawGet const& get)
      : request_(request), ctx_(ctx), config_(config), get_(get), fields_(request.fields) {
    for (auto const& kv : request.query) {
      if (!IsPagingParam(kv.first)) filters_.push_back(kv);
    }
    std::sort(fields_.begin(), fields_.end());
    fields_.erase(std::unique(fields_.begin(), fields_.end()), fields_.end());
  }

  StatusOr<ListResult> Run();

 private:
  Query PageQuery(std::int64_t page_no, std::int64_t page_size) const {
    Query q = filters_;
    // Halo spells it "pageinate", and pages only when page_no is sent as well.
    q.emplace_back("pageinate", "true");
    q.emplace_back("page_no", std::to_string(page_no));
    q.emplace_back("page_size", std::to_string(page_size));
    return q;
  }
  StatusOr<ListPage> Parse(StatusOr<std::string> raw) const {
    if (!raw.ok()) return raw.status();
    auto body =
        ParseResponseBody(*raw, config_.json_limits, "GET " + request_.path, false, fields_);
    if (!body.ok()) return body.status();
    return ParseListPage(std::move(*body), request_.list_key);
  }
  StatusOr<ListPage> FetchPage(std::int64_t page_no, std::int64_t page_size) {
    auto page = Parse(get_(request_.path, PageQuery(page_no, page_size), ctx_));
    if (page.ok()) ++pages_fetched_;
    return page;
  }
  void Report(std::int64_t done, std::int64_t total, std::string const& message) const {
    if (!ctx_.progress) return;
    try {
      ctx_.progress(static_cast<double>(done), static_cast<double>(total), message);
    } catch (...) {
      // A progress callback must not break the call.
    }
  }
  ListResult Empty(std::optional<std::int64_t> record_count) const {
    ListResult out;
    out.record_count = record_count;
    out.pages_fetched = pages_fetched_;
    Report(0, 0, "no records");
    return out;
  }
  /// The whole list in one answer: slice [offset, offset + cap) locally.
  ListResult Slice(json& rows, std::optional<std::int64_t> record_count) const;

  StatusOr<ListResult> Unpaged();
  StatusOr<ListResult> Sequential(ListPage first, PagePlan const& plan);
  StatusOr<ListResult> Concurrent(ListPage first, PagePlan const& plan);

  ListRequest const& request_;
  CallContext const& ctx_;
  PagerConfig const& config_;
  RawGet const& get_;
  Query filters_;
  std::vector<std::string> fields_;  // sorted, unique: the record fields to keep
  std::int64_t cap_ = 0;
  std::int64_t offset_ = 0;
  int pages_fetched_ = 0;
};

ListResult Pager::Slice(json& rows, std::optional<std::int64_t> record_count) const {
  ListResult out;
  auto const n = static_cast<std::int64_t>(rows.size());
  out.record_count = record_count.value_or(n);
  std::int64_t const begin = std::min(offset_, n);
  std::int64_t const end = std::min(n, SaturatingAdd(begin, cap_));
  for (auto i = begin; i < end; ++i) out.records.push_back(std::move(rows[i]));
  if (end < n) {
    out.truncated = true;
    out.next_offset = end;
  }
  out.pages_fetched = pages_fetched_;
  Report(end - begin, end - begin, "1 page");
  return out;
}

StatusOr<ListResult> Pager::Run() {
  std::int64_t const max_records = std::max<std::int64_t>(1, config_.max_list_records);
  cap_ = request_.limit > 0 ? std::min(request_.limit, max_records) : max_records;
  offset_ = std::max<std::int64_t>(0, request_.offset);
  if (ctx_.cancelled()) return Cancelled();
  if (!request_.paginate) return Unpaged();

  PagePlan const plan = PlanPages(offset_, cap_, config_.page_size);
  auto first = FetchPage(plan.first_page, plan.page_size);
  if (!first.ok()) return first.status();
  if (first->rows_missing) {
    if (first->record_count.value_or(0) == 0) return Empty(first->record_count);
    // {"record_count": N} without rows (seen on /api/Agent with pageinate=true): ask once
    // without paging and slice locally.
    spdlog::debug("halo: {} answered a paged request without rows; retrying without paging",
                  request_.path);
    return Unpaged();
  }
  if (!first->record_count) return Sequential(std::move(*first), plan);
  return Concurrent(std::move(*first), plan);
}

StatusOr<ListResult> Pager::Unpaged() {
  auto page = Parse(get_(request_.path, filters_, ctx_));
  if (!page.ok()) return page.status();
  ++pages_fetched_;
  return Slice(page->rows, page->record_count);
}

StatusOr<ListResult> Pager::Sequential(ListPage page, PagePlan const& plan) {
  // No record_count (bare arrays and some wrapped lists): walk until a short or empty page. A
  // short page is taken as the last one, since nothing says otherwise.
  std::int64_t const p = plan.page_size;
  if (static_cast<std::int64_t>(page.rows.size()) > p) {
    // The endpoint ignored paging and returned everything: the rows are the whole list.
    return Slice(page.rows, std::nullopt);
  }
  ListResult out;
  std::int64_t page_no = plan.first_page;
  std::int64_t skip = plan.skip;
  json previous;
  for (;;) {
    auto const n = static_cast<std::int64_t>(page.rows.size());
    if (n == 0) break;
    if (!previous.is_null() && page.rows == previous) break;  // paging ignored: same rows again
    std::int64_t taken = 0;
    for (auto i = skip; i < n && static_cast<std::int64_t>(out.records.size()) < cap_; ++i) {
      out.records.push_back(page.rows[i]);
      ++taken;
    }
    auto const have = static_cast<std::int64_t>(out.records.size());
    Report(have, 0, "page " + std::to_string(page_no));
    if (have >= cap_) {
      if (skip + taken < n || n >= p) {
        out.truncated = true;
        out.next_offset = SaturatingAdd(offset_, have);
      }
      break;
    }
    if (n < p) break;
    if (ctx_.cancelled()) return Cancelled();
    previous = std::move(page.rows);
    skip = 0;
    page_no = SaturatingAdd(page_no, 1);
    auto next = FetchPage(page_no, p);
    if (!next.ok()) return next.status();
    page = std::move(*next);
  }
  out.pages_fetched = pages_fetched_;
  return out;
}

StatusOr<ListResult> Pager::Concurrent(ListPage first, PagePlan const& plan) {
  // record_count is known: learn the real page size, then fetch the rest concurrently.
  std::int64_t const rc = *first.record_count;
  std::int64_t const p = plan.page_size;
  std::map<std::int64_t, json> pages;  // page number (in units of s) -> rows
  std::int64_t s = p;
  auto const n = static_cast<std::int64_t>(first.rows.size());
  if (plan.first_page == 1) {
    if (n == 0) return Empty(rc);
    // Page 1 is full unless the whole list fits on it, so a different length is the page size
    // the endpoint really uses (Asset serves 50 whatever page_size says).
    s = n == std::min(p, rc) ? p : n;
    pages[1] = std::move(first.rows);
  } else if (n == p) {
    pages[plan.first_page] = std::move(first.rows);
  } else {
    // A later page that is not full is either the real last page or a page cut to the
    // endpoint's own size, which would also shift what page_no means. Page 1 tells which.
    if (ctx_.cancelled()) return Cancelled();
    auto one = FetchPage(1, p);
    if (!one.ok()) return one.status();
    auto const n1 = static_cast<std::int64_t>(one->rows.size());
    if (n1 == 0) return Empty(rc);
    s = n1 == std::min(p, rc) ? p : n1;
    pages[1] = std::move(one->rows);
    // Whatever the size, the server served page `first_page` in units of s.
    if (n > 0) pages[plan.first_page] = std::move(first.rows);
  }
  if (s != p) {
    spdlog::debug("halo: {} serves {} rows per page (asked for {}); re-planning", request_.path, s,
                  p);
  }

  std::int64_t const end = std::min(rc, SaturatingAdd(offset_, cap_));
  if (offset_ >= end) return Empty(rc);
  std::int64_t const first_needed = offset_ / s + 1;
  std::int64_t const last_needed = (end - 1) / s + 1;
  // Drop pages outside the needed range (a re-plan may have made the first one useless).
  for (auto it = pages.begin(); it != pages.end();) {
    it = (it->first < first_needed || it->first > last_needed) ? pages.erase(it) : std::next(it);
  }
  std::vector<std::int64_t> missing;
  for (auto k = first_needed; k <= last_needed; ++k) {
    if (!pages.count(k)) missing.push_back(k);
  }
  auto rows_in_range = [&](std::int64_t k, std::int64_t rows) {
    std::int64_t const start = SaturatingMul(k - 1, s);
    std::int64_t const lo = std::max(offset_, start);
    std::int64_t const hi = std::min(end, SaturatingAdd(start, rows));
    return std::max<std::int64_t>(0, hi - lo);
  };
  std::int64_t const total = end - offset_;
  std::int64_t done = 0;
  for (auto const& [k, rows] : pages)
    done += rows_in_range(k, static_cast<std::int64_t>(rows.size()));
  Report(done, total, "page " + std::to_string(plan.first_page));

  // Twice as many workers as requests in flight: a worker parses its page after giving its
  // request slot back, so that max_concurrent_requests requests stay in flight while pages are
  // parsed, on as many cores as there are.
  int const in_flight = std::max(1, config_.max_concurrent_requests);
  std::counting_semaphore<> slots(in_flight);
  Status failed;
  std::function<StatusOr<ListPage>(std::size_t)> produce =
      [&](std::size_t i) -> StatusOr<ListPage> {
    StatusOr<std::string> raw = Cancelled();
    {
      slots.acquire();
      SlotGuard release{slots};
      if (ctx_.cancelled()) return Cancelled();
      raw = get_(request_.path, PageQuery(missing[i], s), ctx_);
    }
    return Parse(std::move(raw));
  };
  // Merging and progress happen on the calling thread, in arrival order.
  std::function<bool(std::size_t, StatusOr<ListPage> &&)> consume = [&](std::size_t i,
                                                                        StatusOr<ListPage>&& page) {
    if (!page.ok()) {
      failed = page.status();
      return false;
    }
    ++pages_fetched_;
    done += rows_in_range(missing[i], static_cast<std::int64_t>(page->rows.size()));
    Report(done, total, "page " + std::to_string(missing[i]));
    pages[missing[i]] = std::move(page->rows);
    return !ctx_.cancelled();
  };
  Status run = ProduceConsume(missing.size(), 2 * in_flight, produce, consume);
  if (ctx_.cancelled()) return Cancelled();
  if (!failed.ok()) return failed;
  if (!run.ok()) return run;
  for (auto k : missing) {
    if (!pages.count(k)) return InternalError("page " + std::to_string(k) + " was not fetched");
  }

  ListResult out;
  out.record_count = rc;
  for (auto& [k, rows] : pages) {
    std::int64_t const start = SaturatingMul(k - 1, s);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::int64_t const idx = SaturatingAdd(start, static_cast<std::int64_t>(i));
      if (idx >= offset_ && idx < end) out.records.push_back(std::move(rows[i]));
    }
  }
  out.pages_fetched = pages_fetched_;
  if (end < rc) {
    out.truncated = true;
    out.next_offset = end;
  }
  return out;
}

}  // namespace

StatusOr<ListResult> ListPages(ListRequest const& request, CallContext const& ctx,
                               PagerConfig const& config, RawGet const& get) {
  return Pager(request, ctx, config, get).Run();
}

}  // namespace halo::internal
