#include "halo/halo_client.h"

#include "halo/error_mapping.h"
#include "halo/http_pool.h"
#include "halo/pagination.h"
#include "halo/query.h"
#include "halo/rate_limiter.h"
#include "halo/token_cache.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace halo {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

using internal::HttpPool;
using internal::HttpResult;
using internal::TransportFailure;

/// The process-wide default logger: the server decides where it writes (never stdout on stdio).
spdlog::logger& Log() { return *spdlog::default_logger_raw(); }

bool IsPagingParam(std::string const& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return n == "pageinate" || n == "page_no" || n == "page_size";
}

/// Runs fn(i) for i in [0, n) on up to `concurrency` threads (the calling thread included).
/// fn returns false to stop handing out further indices.
template <typename Fn>
void ParallelFor(std::size_t n, int concurrency, Fn&& fn) {
  if (n == 0) return;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  auto worker = [&]() {
    for (;;) {
      if (stop.load()) return;
      std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      if (!fn(i)) stop.store(true);
    }
  };
  std::size_t threads =
      std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, concurrency)));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

std::string Seconds(milliseconds d) {
  auto s = (d.count() + 999) / 1000;
  return std::to_string(s) + " s";
}

class HaloClientImpl final : public HaloClient {
 public:
  HaloClientImpl(HaloOptions options, ClientDependencies deps, internal::SplitUrlResult api,
                 internal::SplitUrlResult auth)
      : options_(std::move(options)),
        clock_(deps.clock),
        sleeper_(deps.sleeper),
        slice_(deps.sleep_slice),
        seed_(deps.jitter_seed != 0 ? deps.jitter_seed : std::random_device{}()),
        api_(std::move(api)),
        auth_(std::move(auth)),
        api_pool_(api_.origin, options_.connection_pool_size, options_.connect_timeout,
                  options_.read_timeout),
        auth_pool_(auth_.origin, 1, options_.connect_timeout, options_.read_timeout),
        limiter_(options_.rate_limit_requests,
                 std::chrono::duration_cast<milliseconds>(options_.rate_limit_window), clock_,
                 sleeper_, slice_, NextSeed()),
        tokens_([this](CallContext const& ctx) { return FetchToken(ctx); }, clock_,
                options_.token_refresh_margin) {}

  StatusOr<json> Get(std::string const& path, Query const& query, CallContext const& ctx) override {
    return Execute("GET", path, query, nullptr, ctx);
  }

  StatusOr<json> Post(std::string const& path, json const& body, CallContext const& ctx) override {
    return Execute("POST", path, {}, &body, ctx);
  }

  StatusOr<json> Delete(std::string const& path, Query const& query,
                        CallContext const& ctx) override {
    return Execute("DELETE", path, query, nullptr, ctx);
  }

  StatusOr<ListResult> List(ListRequest const& request, CallContext const& ctx) override;

  std::vector<BatchItemResult> PostBatch(std::string const& path, std::vector<json> const& items,
                                         std::size_t chunk_size, CallContext const& ctx) override;

  std::vector<StatusOr<json>> GetMany(std::vector<std::string> const& paths, Query const& query,
                                      CallContext const& ctx) override;

  ClientStats stats() const override {
    ClientStats s;
    s.http_requests = http_requests_.load();
    s.token_requests = token_requests_.load();
    s.retries = retries_.load();
    s.rate_limited_waits = rate_limited_waits_.load();
    return s;
  }

  HaloOptions const& options() const override { return options_; }

 private:
  std::uint64_t NextSeed() { return seed_ + 0x9E3779B97F4A7C15ULL * (++seed_counter_); }

  /// Removes the secret and any token we hold from text that may echo them.
  std::string Redact(std::string text) const {
    auto scrub = [&text](std::string const& secret) {
      if (secret.size() < 4) return;
      for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
        text.replace(pos, secret.size(), "[redacted]");
        pos += 10;
      }
    };
    scrub(options_.client_secret);
    std::lock_guard<std::mutex> lk(redact_mu_);
    for (auto const& t : recent_tokens_) scrub(t);
    return text;
  }

  Status Sanitize(Status s) const {
    if (s.ok()) return s;
    ErrorInfo info = s.info();
    if (info.fields.is_object()) {
      for (auto& [k, v] : info.fields.items()) {
        if (v.is_string()) v = Redact(v.get<std::string>());
      }
    }
    info.hint = Redact(info.hint);
    return Status(s.code(), Redact(s.message()), std::move(info));
  }

  std::string Target(std::string const& path, Query const& query) const {
    std::string p = path;
    if (p.empty() || p.front() != '/') p.insert(p.begin(), '/');
    std::string target = api_.path_prefix + "/api" + p;
    if (!query.empty()) {
      target += (target.find('?') == std::string::npos ? '?' : '&');
      target += EncodeQueryString(query);
    }
    return target;
  }

  StatusOr<json> Execute(std::string const& method, std::string const& path, Query const& query,
                         json const* body, CallContext const& ctx);

  StatusOr<AccessToken> FetchToken(CallContext const& ctx);
  Status TokenError(int http_status, std::string const& body) const;

  StatusOr<ListPage> FetchPage(ListRequest const& request, std::int64_t page_no,
                               std::int64_t page_size, CallContext const& ctx) {
    Query q;
    for (auto const& kv : request.query) {
      if (!IsPagingParam(kv.first)) q.push_back(kv);
    }
    // Halo spells it "pageinate", and pages only when page_no is sent as well.
    q.emplace_back("pageinate", "true");
    q.emplace_back("page_no", std::to_string(page_no));
    q.emplace_back("page_size", std::to_string(page_size));
    auto body = Get(request.path, q, ctx);
    if (!body.ok()) return body.status();
    return ParseListPage(std::move(*body), request.list_key);
  }

  StatusOr<ListResult> ListUnpaged(ListRequest const& request, std::int64_t cap,
                                   CallContext const& ctx);

  HaloOptions options_;
  std::shared_ptr<Clock const> clock_;
  Sleeper sleeper_;
  milliseconds slice_;
  std::uint64_t seed_;
  std::atomic<std::uint64_t> seed_counter_{0};
  internal::SplitUrlResult api_, auth_;
  HttpPool api_pool_;
  HttpPool auth_pool_;
  RateLimiter limiter_;
  TokenCache tokens_;

  mutable std::mutex redact_mu_;
  std::vector<std::string> recent_tokens_;  // guarded by redact_mu_; only for redaction

  std::atomic<std::int64_t> http_requests_{0}, token_requests_{0}, retries_{0},
      rate_limited_waits_{0};
};

Status HaloClientImpl::TokenError(int http_status, std::string const& body) const {
  Status mapped = StatusFromHttpResponse(http_status, body, "");
  std::string oauth_error;
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_object()) {
    if (auto e = parsed.find("error"); e != parsed.end() && e->is_string()) {
      oauth_error = e->get<std::string>();
    }
  }
  std::string lower = mapped.message();
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  ErrorInfo info = mapped.info();
  std::string where = " (token endpoint " + options_.token_url() + ")";
  if (oauth_error == "invalid_client" || oauth_error == "unauthorized_client" ||
      oauth_error == "invalid_grant") {
    info.hint = "check HALOPSA_CLIENT_ID and HALOPSA_CLIENT_SECRET";
    return UnauthenticatedError(
        "HaloPSA rejected the client credentials (" + oauth_error +
            "): check HALOPSA_CLIENT_ID and HALOPSA_CLIENT_SECRET; the API application must use "
            "'Client ID and Secret (Services)' authentication" +
            (options_.tenant.empty() ? std::string()
                                     : ", and HALOPSA_TENANT ('" + options_.tenant +
                                           "') must name the instance the application belongs to") +
            where,
        std::move(info));
  }
  if (oauth_error == "invalid_scope") {
    info.hint = "check HALOPSA_SCOPE";
    return FailedPreconditionError("HaloPSA rejected the scope '" + options_.scope +
                                       "' (invalid_scope): check HALOPSA_SCOPE (e.g. all), and "
                                       "the permissions of the API application" +
                                       where,
                                   std::move(info));
  }
  if (lower.find("tenant") != std::string::npos || http_status == 404) {
    info.hint = "check HALOPSA_TENANT";
    return FailedPreconditionError(
        "the token endpoint did not accept the tenant '" + options_.tenant + "' (" +
            mapped.message() + "): check HALOPSA_TENANT" +
            (options_.tenant.empty() ? " (hosted HaloPSA needs it)" : "") +
            ", HALOPSA_BASE_URL and HALOPSA_AUTH_URL" + where,
        std::move(info));
  }
  if (http_status == 401 || http_status == 403) {
    info.hint = "check HALOPSA_CLIENT_ID, HALOPSA_CLIENT_SECRET and HALOPSA_TENANT";
    return UnauthenticatedError(
        "HaloPSA refused the token request (HTTP " + std::to_string(http_status) + ": " +
            mapped.message() +
            "): check HALOPSA_CLIENT_ID, HALOPSA_CLIENT_SECRET and HALOPSA_TENANT, and that "
            "HALOPSA_BASE_URL is the right product host (HaloPSA vs HaloITSM)" +
            where,
        std::move(info));
  }
  if (!oauth_error.empty()) {
    info.hint = "check HALOPSA_CLIENT_ID, HALOPSA_CLIENT_SECRET, HALOPSA_SCOPE";
    return UnauthenticatedError("HaloPSA refused the token request (" + mapped.message() +
                                    "): check HALOPSA_CLIENT_ID, HALOPSA_CLIENT_SECRET and "
                                    "HALOPSA_SCOPE" +
                                    where,
                                std::move(info));
  }
  return Status(mapped.code(), "token request failed: " + mapped.message() + where, info);
}

StatusOr<AccessToken> HaloClientImpl::FetchToken(CallContext const& ctx) {
  std::string form =
      "grant_type=client_credentials&client_id=" + PercentEncode(options_.client_id) +
      "&client_secret=" + PercentEncode(options_.client_secret) +
      "&scope=" + PercentEncode(options_.scope);
  std::string target = auth_.path_prefix + "/token";
  if (!options_.tenant.empty()) target += "?tenant=" + PercentEncode(options_.tenant);
  internal::HeaderList headers = {{"User-Agent", options_.user_agent},
                                  {"Accept", "application/json"}};
  auto deadline = clock_->Now() + options_.call_deadline;
  ExponentialBackoff backoff(options_.initial_backoff, options_.max_backoff, NextSeed());
  Status last;
  for (int attempt = 1;; ++attempt) {
    if (ctx.cancelled()) return CancelledError("the call was cancelled");
    ++token_requests_;
    HttpResult r = auth_pool_.Send("POST", target, headers, &form,
                                   "application/x-www-form-urlencoded", ctx, false);
    // Never log the form or the response body: they carry the secret and the token.
    Log().debug("halo: POST {} -> {}", options_.token_url(),
                r.failure == TransportFailure::kNone ? std::to_string(r.status) : r.error_name);
    if (r.failure == TransportFailure::kCancelled) return CancelledError("the call was cancelled");
    if (r.failure == TransportFailure::kTls) {
      return FailedPreconditionError(
          "TLS certificate verification failed for the HaloPSA token endpoint " +
          auth_pool_.origin() + ": check HALOPSA_AUTH_URL / HALOPSA_BASE_URL");
    }
    bool retryable = false;
    if (r.failure != TransportFailure::kNone) {
      // Asking for a token has no side effect, so even an ambiguous failure may be retried.
      last = UnavailableError("could not reach the HaloPSA token endpoint " + auth_pool_.origin() +
                              " (" + r.error_name + "): check HALOPSA_AUTH_URL / HALOPSA_BASE_URL");
      retryable = true;
    } else if (r.status >= 200 && r.status < 300) {
      json body = json::parse(r.body, nullptr, false);
      if (!body.is_object() || !body.contains("access_token") ||
          !body["access_token"].is_string() || body["access_token"].get<std::string>().empty()) {
        return InternalError(
            "the HaloPSA token endpoint answered without an access_token: check "
            "HALOPSA_AUTH_URL points at the HaloPSA authorisation server");
      }
      AccessToken token;
      token.value = body["access_token"].get<std::string>();
      if (auto e = body.find("expires_in"); e != body.end()) {
        if (e->is_number()) {
          token.expires_in = std::chrono::seconds(e->get<std::int64_t>());
        } else if (e->is_string()) {
          try {
            token.expires_in = std::chrono::seconds(std::stoll(e->get<std::string>()));
          } catch (std::exception const&) {
          }
        }
      }
      {
        std::lock_guard<std::mutex> lk(redact_mu_);
        recent_tokens_.push_back(token.value);
        if (recent_tokens_.size() > 4) recent_tokens_.erase(recent_tokens_.begin());
      }
      Log().debug("halo: obtained an access token (expires in {} s)", token.expires_in.count());
      return token;
    } else if (r.status == 429 || r.status >= 500 || r.status == 408) {
      last = Sanitize(TokenError(r.status, r.body));
      if (r.status == 429) {
        limiter_.OnThrottled(ParseRetryAfter(r.retry_after));
      }
      retryable = true;
    } else {
      return Sanitize(TokenError(r.status, r.body));
    }
    if (!retryable || attempt >= options_.max_attempts) return last;
    auto delay = backoff.Next();
    if (r.status == 429) {
      delay = std::max(delay, ParseRetryAfter(r.retry_after).value_or(limiter_.NextSlotIn()));
    }
    if (clock_->Now() + delay > deadline) return last;
    ++retries_;
    auto s = CancellableSleep(sleeper_, delay, ctx, slice_);
    if (!s.ok()) return s;
  }
}

StatusOr<json> HaloClientImpl::Execute(std::string const& method, std::string const& path,
                                       Query const& query, json const* body,
                                       CallContext const& ctx) {
  if (path.find("://") != std::string::npos || path.find("..") != std::string::npos) {
    return InvalidArgumentError("the path must be relative to /api, e.g. /Tickets/12; got " + path);
  }
  bool const idempotent = method != "POST";
  std::string const target = Target(path, query);
  std::string payload;
  if (body) payload = body->dump();
  auto const deadline = clock_->Now() + options_.call_deadline;
  ExponentialBackoff backoff(options_.initial_backoff, options_.max_backoff, NextSeed());
  bool refreshed = false;
  int attempt = 0;
  Status last;
  std::string const what = method + " " + api_.path_prefix + "/api" +
                           (path.empty() || path.front() != '/' ? "/" : "") + path;

  for (;;) {
    if (ctx.cancelled()) return CancelledError("the call was cancelled");
    ++attempt;
    // Slot first, token second: a long limiter wait must not outlive the token.
    auto acquired = limiter_.Acquire(ctx, deadline);
    if (acquired.waited) ++rate_limited_waits_;
    if (!acquired.status.ok()) {
      if (acquired.status.code() == StatusCode::kResourceExhausted &&
          last.code() == StatusCode::kResourceExhausted) {
        // HaloPSA said 429 and the wait it asks for exceeds the call deadline: report its words.
        ErrorInfo info = last.info();
        info.retry_after = acquired.status.info().retry_after;
        return Status(last.code(), last.message(), std::move(info));
      }
      return acquired.status;
    }
    auto token = tokens_.Get(ctx);
    if (!token.ok()) return token.status();

    ++http_requests_;
    internal::HeaderList headers = {{"Authorization", "Bearer " + *token},
                                    {"User-Agent", options_.user_agent},
                                    {"Accept", "application/json"}};
    auto started = clock_->Now();
    HttpResult r = api_pool_.Send(method, target, headers, body ? &payload : nullptr,
                                  "application/json", ctx, method == "GET");
    auto took = std::chrono::duration_cast<milliseconds>(clock_->Now() - started);
    if (r.failure == TransportFailure::kNone) {
      Log().debug("halo: {} {} -> {} ({} ms, attempt {}, {} bytes)", method, target, r.status,
                  took.count(), attempt, r.body.size());
    } else {
      Log().debug("halo: {} {} -> transport error {} (attempt {})", method, target, r.error_name,
                  attempt);
    }

    bool throttled = false;
    switch (r.failure) {
      case TransportFailure::kCancelled:
        return CancelledError("the call was cancelled");
      case TransportFailure::kTls:
        return FailedPreconditionError("TLS certificate verification failed for " +
                                       api_pool_.origin() +
                                       ": check HALOPSA_BASE_URL (the certificate must be valid "
                                       "for that host and trusted by the system CA store)");
      case TransportFailure::kNotSent:
        last = UnavailableError("could not connect to HaloPSA at " + api_pool_.origin() + " (" +
                                r.error_name + ")");
        break;
      case TransportFailure::kAmbiguous:
        if (!idempotent) {
          ErrorInfo info;
          info.hint = "list recent records before retrying";
          return UnknownOutcomeError(
              "the connection failed after " + what + " was sent (" + r.error_name +
                  "): the create/update may have been applied; list recent records (or get the "
                  "record) before retrying",
              std::move(info));
        }
        last = UnavailableError("the connection to HaloPSA failed during " + what + " (" +
                                r.error_name + ")");
        break;
      case TransportFailure::kNone: {
        if (r.status >= 200 && r.status < 300) {
          std::string_view b = r.body;
          while (!b.empty() && std::isspace(static_cast<unsigned char>(b.front())))
            b.remove_prefix(1);
          if (b.empty()) return json(nullptr);
          json parsed = json::parse(b, nullptr, false);
          if (parsed.is_discarded()) {
            // The request succeeded; only the answer is unreadable. For a write that still
            // means it was applied, so say so.
            return InternalError(std::string("HaloPSA answered ") + what + " with HTTP " +
                                 std::to_string(r.status) + " but the body is not JSON" +
                                 (idempotent ? "" : " (the write was applied)"));
          }
          return parsed;
        }
        if (r.status == 401 && !refreshed) {
          // The token may have been revoked or expired early: refresh once and retry once.
          refreshed = true;
          tokens_.Invalidate(*token);
          ++retries_;
          --attempt;
          Log().debug("halo: {} got 401; refreshing the token and retrying once", what);
          continue;
        }
        Status mapped = Sanitize(StatusFromHttpResponse(r.status, r.body, r.retry_after));
        if (r.status == 401) {
          ErrorInfo info = mapped.info();
          info.hint = "check HALOPSA_CLIENT_ID / HALOPSA_CLIENT_SECRET and the API application";
          return UnauthenticatedError(
              "HaloPSA rejected a freshly issued token (" + mapped.message() +
                  "): check that the API application in HaloPSA is active and that "
                  "HALOPSA_BASE_URL and HALOPSA_AUTH_URL belong to the same instance",
              std::move(info));
        }
        if (r.status == 403) {
          ErrorInfo info = mapped.info();
          info.hint = "check HALOPSA_SCOPE and the API application's permissions";
          return PermissionDeniedError(mapped.message(), std::move(info));
        }
        if (r.status == 429) {
          // Certainly not processed, so safe to repeat even for a POST. The limiter learns
          // from it and the next Acquire() waits.
          limiter_.OnThrottled(mapped.info().retry_after);
          last = mapped;
          throttled = true;
          break;
        }
        if (r.status >= 500 || r.status == 408) {
          if (!idempotent) {
            ErrorInfo info = mapped.info();
            info.hint = "list recent records before retrying";
            return UnknownOutcomeError(
                "HaloPSA answered the " + what + " with HTTP " + std::to_string(r.status) + " (" +
                    mapped.message() +
                    "); the write may have been applied: list recent records (or get the record) "
                    "before retrying",
                std::move(info));
          }
          last = mapped;
          break;
        }
        return mapped;
      }
    }

    if (attempt >= options_.max_attempts) {
      return Status(last.code(),
                    last.message() + " (gave up after " + std::to_string(attempt) + " attempts)",
                    last.info());
    }
    if (!throttled) {
      auto delay = std::max(backoff.Next(), last.info().retry_after.value_or(milliseconds(0)));
      if (clock_->Now() + delay > deadline) {
        return Status(last.code(),
                      last.message() + " (retry budget exhausted: call deadline " +
                          Seconds(options_.call_deadline) + ")",
                      last.info());
      }
      auto s = CancellableSleep(sleeper_, delay, ctx, slice_);
      if (!s.ok()) return s;
    }
    ++retries_;
  }
}

StatusOr<ListResult> HaloClientImpl::ListUnpaged(ListRequest const& request, std::int64_t cap,
                                                 CallContext const& ctx) {
  Query q;
  for (auto const& kv : request.query) {
    if (!IsPagingParam(kv.first)) q.push_back(kv);
  }
  auto body = Get(request.path, q, ctx);
  if (!body.ok()) return body.status();
  auto page = ParseListPage(std::move(*body), request.list_key);
  if (!page.ok()) return page.status();
  ListResult out;
  out.pages_fetched = 1;
  auto rows = static_cast<std::int64_t>(page->rows.size());
  out.record_count = page->record_count.value_or(rows);
  std::int64_t begin = std::min(std::max<std::int64_t>(0, request.offset), rows);
  std::int64_t end = std::min(rows, begin + cap);
  for (auto i = begin; i < end; ++i) out.records.push_back(std::move(page->rows[i]));
  if (end < rows) {
    out.truncated = true;
    out.next_offset = end;
  }
  if (ctx.progress) {
    ctx.progress(static_cast<double>(end - begin), static_cast<double>(end - begin), "1 page");
  }
  return out;
}

StatusOr<ListResult> HaloClientImpl::List(ListRequest const& request, CallContext const& ctx) {
  std::int64_t const max_records = std::max<std::int64_t>(1, options_.max_list_records);
  std::int64_t const cap = request.limit > 0 ? std::min(request.limit, max_records) : max_records;
  std::int64_t const offset = std::max<std::int64_t>(0, request.offset);
  if (!request.paginate) return ListUnpaged(request, cap, ctx);

  PagePlan plan = PlanPages(offset, cap, options_.page_size);
  std::int64_t p = plan.page_size;
  if (ctx.cancelled()) return CancelledError("the list was cancelled");
  auto first = FetchPage(request, plan.first_page, p, ctx);
  if (!first.ok()) return first.status();
  int pages_fetched = 1;

  if (first->rows_missing) {
    if (first->record_count.value_or(0) == 0) {
      ListResult out;
      out.record_count = first->record_count;
      out.pages_fetched = 1;
      return out;
    }
    // {"record_count": N} without rows (seen on /api/Agent with pageinate=true): ask once
    // without paging and slice locally.
    Log().debug("halo: {} answered a paged request without rows; retrying without paging",
                request.path);
    auto r = ListUnpaged(request, cap, ctx);
    if (r.ok()) r->pages_fetched += 1;
    return r;
  }

  auto report = [&](std::int64_t done, std::int64_t total, std::string const& msg) {
    if (!ctx.progress) return;
    try {
      ctx.progress(static_cast<double>(done), static_cast<double>(total), msg);
    } catch (...) {
      // A progress callback must not break the call.
    }
  };

  if (!first->record_count) {
    // No record_count (bare arrays and some wrapped lists): walk sequentially until a short or
    // empty page. A short page is taken as the last one, since nothing says otherwise.
    ListResult out;
    auto rows = static_cast<std::int64_t>(first->rows.size());
    if (rows > p) {
      // The endpoint ignored paging and returned everything: the rows are the whole list.
      std::int64_t begin = std::min(offset, rows);
      std::int64_t end = std::min(rows, begin + cap);
      for (auto i = begin; i < end; ++i) out.records.push_back(first->rows[i]);
      out.record_count = rows;
      out.pages_fetched = pages_fetched;
      if (end < rows) {
        out.truncated = true;
        out.next_offset = end;
      }
      report(end - begin, end - begin, "1 page");
      return out;
    }
    ListPage page = std::move(*first);
    std::int64_t page_no = plan.first_page;
    std::int64_t skip = plan.skip;
    json previous;
    for (;;) {
      auto n = static_cast<std::int64_t>(page.rows.size());
      if (n == 0) break;
      if (!previous.is_null() && page.rows == previous) break;  // paging ignored: same rows again
      std::int64_t taken = 0;
      for (auto i = skip; i < n && static_cast<std::int64_t>(out.records.size()) < cap; ++i) {
        out.records.push_back(page.rows[i]);
        ++taken;
      }
      report(static_cast<std::int64_t>(out.records.size()), 0, "page " + std::to_string(page_no));
      if (static_cast<std::int64_t>(out.records.size()) >= cap) {
        bool more = skip + taken < n || n >= p;
        if (more) {
          out.truncated = true;
          out.next_offset = offset + static_cast<std::int64_t>(out.records.size());
        }
        break;
      }
      if (n < p) break;
      if (ctx.cancelled()) return CancelledError("the list was cancelled");
      previous = std::move(page.rows);
      skip = 0;
      ++page_no;
      auto next = FetchPage(request, page_no, p, ctx);
      if (!next.ok()) return next.status();
      ++pages_fetched;
      page = std::move(*next);
    }
    out.pages_fetched = pages_fetched;
    return out;
  }

  // record_count is known: learn the real page size, then fetch the rest concurrently.
  std::int64_t const rc = *first->record_count;
  std::map<std::int64_t, json> pages;  // page number (in units of s) -> rows
  std::int64_t s = p;
  auto empty_result = [&]() {
    ListResult out;
    out.record_count = rc;
    out.pages_fetched = pages_fetched;
    report(0, 0, "no records");
    return out;
  };
  {
    auto n = static_cast<std::int64_t>(first->rows.size());
    if (plan.first_page == 1) {
      if (n == 0) return empty_result();
      // Page 1 is full unless the whole list fits on it, so a different length is the page
      // size the endpoint really uses (Asset serves 50 whatever page_size says).
      s = n == std::min(p, rc) ? p : n;
      pages[1] = std::move(first->rows);
    } else if (n == p) {
      pages[plan.first_page] = std::move(first->rows);
    } else {
      // A later page that is not full is either the real last page or a page cut to the
      // endpoint's own size, which would also shift what page_no means. Page 1 tells which.
      if (ctx.cancelled()) return CancelledError("the list was cancelled");
      auto one = FetchPage(request, 1, p, ctx);
      if (!one.ok()) return one.status();
      ++pages_fetched;
      auto n1 = static_cast<std::int64_t>(one->rows.size());
      if (n1 == 0) return empty_result();
      s = n1 == std::min(p, rc) ? p : n1;
      pages[1] = std::move(one->rows);
      // Whatever the size, the server served page `first_page` in units of s.
      if (n > 0) pages[plan.first_page] = std::move(first->rows);
    }
    if (s != p) {
      Log().debug("halo: {} serves {} rows per page (asked for {}); re-planning", request.path, s,
                  p);
    }
  }

  std::int64_t const end = std::min(rc, offset + cap);
  if (offset >= end) return empty_result();
  ListResult out;
  out.record_count = rc;
  std::int64_t const first_needed = offset / s + 1;
  std::int64_t const last_needed = (end - 1) / s + 1;
  // Drop pages outside the needed range (a re-plan may have made the first one useless).
  for (auto it = pages.begin(); it != pages.end();) {
    it = (it->first < first_needed || it->first > last_needed) ? pages.erase(it) : std::next(it);
  }
  std::vector<std::int64_t> missing;
  for (auto k = first_needed; k <= last_needed; ++k) {
    if (!pages.count(k)) missing.push_back(k);
  }

  auto rows_in_range = [&](std::int64_t k, std::int64_t n) {
    std::int64_t lo = std::max(offset, (k - 1) * s);
    std::int64_t hi = std::min(end, (k - 1) * s + n);
    return std::max<std::int64_t>(0, hi - lo);
  };
  std::int64_t const total = end - offset;
  std::mutex mu;
  std::int64_t done = 0;
  for (auto const& [k, rows] : pages)
    done += rows_in_range(k, static_cast<std::int64_t>(rows.size()));
  report(done, total, "page " + std::to_string(plan.first_page));

  std::vector<std::optional<StatusOr<ListPage>>> fetched(missing.size());
  ParallelFor(missing.size(), options_.max_concurrent_requests, [&](std::size_t i) {
    if (ctx.cancelled()) {
      fetched[i] = StatusOr<ListPage>(CancelledError("the list was cancelled"));
      return false;
    }
    auto r = FetchPage(request, missing[i], s, ctx);
    bool ok = r.ok();
    if (ok) {
      std::lock_guard<std::mutex> lk(mu);
      done += rows_in_range(missing[i], static_cast<std::int64_t>(r->rows.size()));
      report(done, total, "page " + std::to_string(missing[i]));
    }
    fetched[i] = std::move(r);
    return ok;
  });
  if (ctx.cancelled()) return CancelledError("the list was cancelled");
  for (std::size_t i = 0; i < missing.size(); ++i) {
    if (!fetched[i]) return CancelledError("the list was cancelled");
    if (!fetched[i]->ok()) return fetched[i]->status();
    ++pages_fetched;
    pages[missing[i]] = std::move((*fetched[i])->rows);
  }

  for (auto& [k, rows] : pages) {
    std::int64_t start = (k - 1) * s;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::int64_t idx = start + static_cast<std::int64_t>(i);
      if (idx >= offset && idx < end) out.records.push_back(std::move(rows[i]));
    }
  }
  out.pages_fetched = pages_fetched;
  if (end < rc) {
    out.truncated = true;
    out.next_offset = end;
  }
  return out;
}

std::vector<BatchItemResult> HaloClientImpl::PostBatch(std::string const& path,
                                                       std::vector<json> const& items,
                                                       std::size_t chunk_size,
                                                       CallContext const& ctx) {
  if (chunk_size == 0) chunk_size = 50;
  chunk_size = std::min<std::size_t>(chunk_size, 100);
  std::vector<BatchItemResult> results(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) results[i].index = i;

  std::optional<Status> stop;  // set once later chunks must not be sent
  for (std::size_t begin = 0; begin < items.size(); begin += chunk_size) {
    std::size_t end = std::min(items.size(), begin + chunk_size);
    if (!stop && ctx.cancelled())
      stop = CancelledError("the batch was cancelled before this item was sent");
    if (stop) {
      for (auto i = begin; i < end; ++i) results[i].status = *stop;
      continue;
    }
    json body = json::array();
    for (auto i = begin; i < end; ++i) body.push_back(items[i]);
    auto r = Post(path, body, ctx);
    if (r.ok()) {
      // One element comes back as the saved object; several as an array (or, on some
      // instances, only the first object). Attribute what can be attributed.
      json const& saved = *r;
      for (auto i = begin; i < end; ++i) {
        results[i].status = OkStatus();
        std::size_t j = i - begin;
        if (saved.is_array() && j < saved.size()) {
          results[i].record = saved[j];
        } else if (saved.is_object() && j == 0) {
          results[i].record = saved;
        }
      }
      continue;
    }
    Status const& s = r.status();
    if (s.code() == StatusCode::kInvalidArgument) {
      // Validation: keys like "[1].summary" name the element within this chunk.
      std::map<std::size_t, json> per_item;
      if (s.info().fields.is_object()) {
        for (auto const& [k, v] : s.info().fields.items()) {
          if (k.size() > 2 && k.front() == '[') {
            auto close = k.find(']');
            std::size_t idx = 0;
            bool digits = close != std::string::npos && close > 1;
            for (std::size_t c = 1; digits && c < close; ++c) {
              if (!std::isdigit(static_cast<unsigned char>(k[c])))
                digits = false;
              else
                idx = idx * 10 + static_cast<std::size_t>(k[c] - '0');
            }
            if (digits && idx < end - begin) {
              std::string field = k.substr(close + 1);
              if (!field.empty() && field.front() == '.') field.erase(0, 1);
              per_item[idx][field.empty() ? k : field] = v;
              continue;
            }
          }
        }
      }
      if (!per_item.empty()) {
        for (auto i = begin; i < end; ++i) {
          auto it = per_item.find(i - begin);
          if (it != per_item.end()) {
            ErrorInfo info = s.info();
            info.fields = it->second;
            std::string msg;
            for (auto const& [f, m] : it->second.items()) {
              msg += (msg.empty() ? "" : "; ") + f + ": " +
                     (m.is_string() ? m.get<std::string>() : m.dump());
            }
            results[i].status = InvalidArgumentError(msg, std::move(info));
          } else {
            ErrorInfo info;
            info.http_status = s.info().http_status;
            results[i].status = FailedPreconditionError(
                "not saved: HaloPSA rejected the batch of items " + std::to_string(begin) + ".." +
                    std::to_string(end - 1) + " because of another item; this item may be resent",
                std::move(info));
          }
        }
      } else {
        for (auto i = begin; i < end; ++i) results[i].status = s;
      }
      continue;  // other chunks are independent
    }
    for (auto i = begin; i < end; ++i) results[i].status = s;
    if (s.code() == StatusCode::kUnknownOutcome) {
      stop = FailedPreconditionError(
          "not sent: an earlier chunk (items " + std::to_string(begin) + ".." +
          std::to_string(end - 1) +
          ") has an unknown outcome; check what was saved before sending the rest");
    } else {
      stop = Status(s.code(), "not sent: an earlier chunk failed: " + s.message(), s.info());
    }
  }
  return results;
}

std::vector<StatusOr<json>> HaloClientImpl::GetMany(std::vector<std::string> const& paths,
                                                    Query const& query, CallContext const& ctx) {
  std::vector<std::optional<StatusOr<json>>> slots(paths.size());
  ParallelFor(paths.size(), options_.max_concurrent_requests, [&](std::size_t i) {
    if (ctx.cancelled()) return false;
    slots[i] = Get(paths[i], query, ctx);
    return true;
  });
  std::vector<StatusOr<json>> out;
  out.reserve(paths.size());
  for (auto& s : slots) {
    if (s) {
      out.push_back(std::move(*s));
    } else {
      out.emplace_back(CancelledError("the call was cancelled before this request was sent"));
    }
  }
  return out;
}

}  // namespace

StatusOr<std::shared_ptr<HaloClient>> MakeHaloClient(HaloOptions options, ClientDependencies deps) {
  if (options.base_url.empty()) {
    return FailedPreconditionError(
        "HALOPSA_BASE_URL is not set (example: "
        "HALOPSA_BASE_URL=https://yourcompany.halopsa.com)");
  }
  if (options.auth_url.empty()) options.auth_url = options.base_url + "/auth";
  if (options.user_agent.empty()) options.user_agent = std::string("halo-mcp/") + HALO_MCP_VERSION;
  options.page_size = std::clamp(options.page_size, 1, 100);
  options.max_concurrent_requests = std::max(1, options.max_concurrent_requests);
  options.connection_pool_size = std::max(1, options.connection_pool_size);
  options.max_attempts = std::max(1, options.max_attempts);
  auto api = internal::SplitUrl(options.base_url);
  if (!api.ok()) return api.status();
  auto auth = internal::SplitUrl(options.auth_url);
  if (!auth.ok()) return auth.status();
  if (!deps.clock) deps.clock = std::make_shared<SystemClock>();
  if (!deps.sleeper) deps.sleeper = RealSleeper();
  return std::shared_ptr<HaloClient>(std::make_shared<HaloClientImpl>(
      std::move(options), std::move(deps), std::move(*api), std::move(*auth)));
}

}  // namespace halo
