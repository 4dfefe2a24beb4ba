#include "halo/halo_client.h"

#include "halo/beast_client.h"
#include "halo/error_mapping.h"
#include "halo/list_pager.h"
#include "halo/parallel.h"
#include "halo/post_batch.h"
#include "halo/query.h"
#include "halo/rate_limiter.h"
#include "halo/redactor.h"
#include "halo/response_body.h"
#include "halo/retry_loop.h"
#include "halo/token_cache.h"
#include "halo/token_fetcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <random>

namespace halo {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

/// "32 MiB" for whole mebibytes, else "1500 bytes".
std::string ByteCount(std::size_t bytes) {
  if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0) {
    return std::to_string(bytes >> 20) + " MiB";
  }
  return std::to_string(bytes) + " bytes";
}

/// One API request as the caller described it.
struct Call {
  std::string method;
  std::string path;  // relative to /api
  Query query;
  json const* body = nullptr;
  Idempotency idempotency = Idempotency::kIdempotent;
};

class HaloClientImpl final : public HaloClient {
 public:
  HaloClientImpl(HaloOptions options, ClientDependencies deps, internal::SplitUrlResult api,
                 internal::SplitUrlResult auth)
      : options_(std::move(options)),
        clock_(std::move(deps.clock)),
        sleeper_(std::move(deps.sleeper)),
        slice_(deps.sleep_slice),
        seed_(deps.jitter_seed != 0 ? deps.jitter_seed : std::random_device{}()),
        api_(std::move(api)),
        http_(std::move(deps.http)),
        budget_(std::move(deps.rate_budget)),
        tokens_(std::move(deps.token_store)),
        redactor_(options_.client_secret),
        fetcher_(options_, std::move(auth),
                 {http_, clock_, sleeper_, slice_, budget_.get(), &redactor_}),
        fetch_([this](CallContext const& ctx) { return fetcher_.Fetch(ctx, NextSeed()); }) {}

  StatusOr<json> Get(std::string const& path, Query const& query, CallContext const& ctx) override {
    return Execute({"GET", path, query, nullptr, Idempotency::kIdempotent}, ctx);
  }

  StatusOr<json> Post(std::string const& path, json const& body, CallContext const& ctx,
                      Idempotency idempotency) override {
    return Execute({"POST", path, {}, &body, idempotency}, ctx);
  }

  StatusOr<json> Delete(std::string const& path, Query const& query, CallContext const& ctx,
                        Idempotency idempotency) override {
    return Execute({"DELETE", path, query, nullptr, idempotency}, ctx);
  }

  StatusOr<ListResult> List(ListRequest const& request, CallContext const& ctx) override {
    internal::PagerConfig config;
    config.page_size = options_.page_size;
    config.max_concurrent_requests = options_.max_concurrent_requests;
    config.max_list_records = options_.max_list_records;
    config.json_limits = options_.response_json_limits;
    return internal::ListPages(
        request, ctx, config,
        [this](std::string const& path, Query const& query, CallContext const& c) {
          return ExecuteRaw({"GET", path, query, nullptr, Idempotency::kIdempotent}, c);
        });
  }

  std::vector<BatchItemResult> PostBatch(std::string const& path, std::vector<json> const& items,
                                         std::size_t chunk_size, CallContext const& ctx,
                                         Idempotency idempotency) override {
    return internal::PostInChunks(*this, path, items, chunk_size, ctx, idempotency);
  }

  std::vector<StatusOr<json>> GetMany(std::vector<std::string> const& paths, Query const& query,
                                      CallContext const& ctx) override;

  ClientStats stats() const override {
    ClientStats s;
    s.http_requests = http_requests_.load();
    s.token_requests = fetcher_.requests();
    s.retries = retries_.load() + fetcher_.retries();
    s.rate_limited_waits = rate_limited_waits_.load();
    return s;
  }

  HaloOptions const& options() const override { return options_; }

 private:
  std::uint64_t NextSeed() { return seed_ + 0x9E3779B97F4A7C15ULL * (++seed_counter_); }

  /// "GET /api/Tickets": what logs and messages name. Never the query string: it holds
  /// customer names and email addresses.
  std::string Describe(Call const& call) const {
    return call.method + " " + api_.path_prefix + "/api" +
           (call.path.empty() || call.path.front() != '/' ? "/" : "") + call.path;
  }

  std::string Target(Call const& call) const {
    std::string target = api_.path_prefix + "/api" +
                         (call.path.empty() || call.path.front() != '/' ? "/" : "") + call.path;
    if (!call.query.empty()) {
      target += (target.find('?') == std::string::npos ? '?' : '&');
      target += EncodeQueryString(call.query);
    }
    return target;
  }

  StatusOr<json> Execute(Call const& call, CallContext const& ctx) {
    auto raw = ExecuteRaw(call, ctx);
    if (!raw.ok()) return raw.status();
    return ParseResponseBody(*raw, options_.response_json_limits, Describe(call),
                             call.idempotency == Idempotency::kNonIdempotent);
  }

  /// What one call remembers between its attempts.
  struct CallState {
    bool refreshed = false;           // the token was refreshed after a 401
    bool maybe_applied = false;       // an earlier attempt may have been processed
    std::optional<Status> throttled;  // HaloPSA's last 429, to report in its own words
  };

  /// The request path: rate budget, token, send, Classify; repeated by the RetryLoop.
  StatusOr<std::string> ExecuteRaw(Call const& call, CallContext const& ctx);
  /// What one answer means for the call, and whether the loop may repeat it.
  AttemptResult<std::string> Classify(Call const& call, std::string const& what,
                                      std::string const& token, HttpResult r, CallState& state);

  HaloOptions const options_;
  std::shared_ptr<Clock const> clock_;
  Sleeper sleeper_;
  milliseconds slice_;
  std::uint64_t seed_;
  std::atomic<std::uint64_t> seed_counter_{0};
  internal::SplitUrlResult const api_;
  std::shared_ptr<HttpClient> http_;
  std::shared_ptr<RateBudget> budget_;
  std::shared_ptr<TokenStore> tokens_;
  Redactor redactor_;
  internal::TokenFetcher fetcher_;
  TokenStore::Fetch const fetch_;

  std::atomic<std::int64_t> http_requests_{0}, retries_{0}, rate_limited_waits_{0};
};

AttemptResult<std::string> HaloClientImpl::Classify(Call const& call, std::string const& what,
                                                    std::string const& token, HttpResult r,
                                                    CallState& state) {
  using Attempt = AttemptResult<std::string>;
  if (auto final = FinalTransportStatus(r.failure, api_.origin, "HALOPSA_BASE_URL")) {
    return Attempt::Failed(FailureKind::kPermanent, std::move(*final));
  }
  switch (r.failure) {
    case TransportFailure::kNotSent:
      return Attempt::Failed(FailureKind::kNotProcessed,
                             UnavailableError("could not connect to HaloPSA at " + api_.origin +
                                              " (" + r.error_name + ")"));
    case TransportFailure::kAmbiguous:
      state.maybe_applied = true;
      return Attempt::Failed(FailureKind::kTransient,
                             UnavailableError("the connection to HaloPSA failed during " + what +
                                              " (" + r.error_name + ")"));
    case TransportFailure::kTooLarge: {
      ErrorInfo info;
      info.http_status = r.status;
      std::string const size = ByteCount(options_.max_response_bytes);
      if (call.idempotency == Idempotency::kNonIdempotent) {
        info.hint = "list recent records before retrying";
        return Attempt::Failed(
            FailureKind::kPermanent,
            UnknownOutcomeError("HaloPSA's answer to " + what + " was larger than " + size +
                                    " and was not read; the write may have been applied: list "
                                    "recent records (or get the record) before retrying",
                                std::move(info)));
      }
      info.hint = "ask for less: a filter, or fewer records per call";
      return Attempt::Failed(
          FailureKind::kPermanent,
          FailedPreconditionError("HaloPSA's answer to " + what + " was larger than " + size +
                                      " and was not read; ask for less",
                                  std::move(info)));
    }
    case TransportFailure::kNone:
    case TransportFailure::kCancelled:
    case TransportFailure::kTls:
      break;
  }

  if (r.status != 429) budget_->OnAccepted();
  if (r.status >= 200 && r.status < 300) return Attempt::Ok(std::move(r.body));
  if (r.status == 401 && !state.refreshed) {
    // The token may have been revoked or expired early: refresh once and retry once. A 401 is
    // not processed, so this is safe for writes too.
    state.refreshed = true;
    tokens_->Invalidate(token);
    spdlog::debug("halo: {} got 401; refreshing the token and retrying once", what);
    return Attempt::Failed(FailureKind::kRepeatNow, UnauthenticatedError("token rejected"));
  }
  Status mapped = redactor_.Redact(StatusFromHttpResponse(r.status, r.body, r.retry_after));
  if (r.status == 401) {
    ErrorInfo info = mapped.info();
    info.hint = "check HALOPSA_CLIENT_ID / HALOPSA_CLIENT_SECRET and the API application";
    return Attempt::Failed(
        FailureKind::kPermanent,
        UnauthenticatedError(
            "HaloPSA rejected a freshly issued token (" + mapped.message() +
                "): check that the API application in HaloPSA is active and that "
                "HALOPSA_BASE_URL and HALOPSA_AUTH_URL belong to the same instance",
            std::move(info)));
  }
  if (r.status == 403) {
    ErrorInfo info = mapped.info();
    info.hint = "check HALOPSA_SCOPE and the API application's permissions";
    return Attempt::Failed(FailureKind::kPermanent,
                           PermissionDeniedError(mapped.message(), std::move(info)));
  }
  if (r.status == 404 && call.method == "DELETE" && state.maybe_applied) {
    // An earlier attempt's answer was lost and the record is gone now: that attempt deleted
    // it (the record existed, or HaloPSA would have said 404 then).
    spdlog::debug("halo: {} got 404 after an attempt whose answer was lost; deleted", what);
    return Attempt::Ok(std::string());
  }
  if (r.status == 429) {
    // Not processed, so safe to repeat even for a POST; the budget paces the next attempt.
    budget_->OnThrottled(Throttle{mapped.info().retry_after, ParseRateLimitMessage(r.body)});
    state.throttled = mapped;
    return Attempt::Failed(FailureKind::kThrottled, std::move(mapped));
  }
  if (r.status >= 500 || r.status == 408) {
    state.maybe_applied = true;
    return Attempt::Failed(FailureKind::kTransient, std::move(mapped));
  }
  return Attempt::Failed(FailureKind::kPermanent, std::move(mapped));
}

StatusOr<std::string> HaloClientImpl::ExecuteRaw(Call const& call, CallContext const& ctx) {
  if (call.path.find("://") != std::string::npos || call.path.find("..") != std::string::npos) {
    return InvalidArgumentError("the path must be relative to /api, e.g. /Tickets/12; got " +
                                call.path);
  }
  bool const idempotent = call.idempotency == Idempotency::kIdempotent;
  std::string const what = Describe(call);
  using Attempt = AttemptResult<std::string>;
  HttpRequest request;
  request.method = call.method;
  request.origin = api_.origin;
  request.target = Target(call);
  if (call.body) {
    request.body = call.body->dump();
    request.content_type = "application/json";
  }
  request.max_response_bytes = options_.max_response_bytes;
  request.abort_on_cancel = call.method == "GET";

  RetryPolicy retry(options_.max_attempts, options_.call_deadline, clock_);
  BackoffPolicy backoff(options_.initial_backoff, options_.max_backoff, NextSeed());
  // The wait for a slot is bounded per call, so that a throttled HaloPSA slows callers down
  // instead of parking them for a whole window.
  auto const slot_deadline = std::min(
      retry.deadline(),
      clock_->Now() + (idempotent ? options_.max_read_slot_wait : options_.max_write_slot_wait));
  CallState state;
  auto attempt = [&](int n) -> Attempt {
    if (n > 0) ++retries_;
    // Slot first, token second: a long wait for a slot must not outlive the token.
    auto acquired = budget_->Acquire(ctx, slot_deadline);
    if (acquired.waited) ++rate_limited_waits_;
    if (!acquired.status.ok()) {
      if (acquired.status.code() == StatusCode::kResourceExhausted && state.throttled) {
        // HaloPSA said 429 and the wait exceeds what this call may wait: report its words.
        ErrorInfo info = state.throttled->info();
        info.retry_after = acquired.status.info().retry_after;
        if (info.hint.empty()) info.hint = acquired.status.info().hint;
        return Attempt::Failed(
            FailureKind::kPermanent,
            Status(state.throttled->code(), state.throttled->message(), std::move(info)));
      }
      return Attempt::Failed(FailureKind::kPermanent, acquired.status);
    }
    auto token = tokens_->Get(ctx, fetch_);
    if (!token.ok()) return Attempt::Failed(FailureKind::kPermanent, token.status());
    // A shared store may hand out a token this process did not fetch.
    redactor_.AddToken(*token);

    ++http_requests_;
    HttpRequest sent = request;
    sent.headers = {{"Authorization", "Bearer " + *token},
                    {"User-Agent", options_.user_agent},
                    {"Accept", "application/json"}};
    auto const started = clock_->Now();
    HttpResult r = http_->Send(sent, ctx);
    auto const took = std::chrono::duration_cast<milliseconds>(clock_->Now() - started);
    if (r.failure == TransportFailure::kNone) {
      spdlog::debug("halo: {} -> {} ({} ms, attempt {}, {} bytes)", what, r.status, took.count(),
                    n + 1, r.body.size());
    } else {
      spdlog::debug("halo: {} -> transport error {} (attempt {})", what, r.error_name, n + 1);
    }

    return Classify(call, what, *token, std::move(r), state);
  };
  return RetryLoop<std::string>(retry, backoff, call.idempotency, what,
                                RetryEnvironment{ctx, sleeper_, slice_}, attempt);
}

std::vector<StatusOr<json>> HaloClientImpl::GetMany(std::vector<std::string> const& paths,
                                                    Query const& query, CallContext const& ctx) {
  std::vector<std::optional<StatusOr<json>>> slots(paths.size());
  std::function<StatusOr<json>(std::size_t)> produce = [&](std::size_t i) -> StatusOr<json> {
    if (ctx.cancelled()) {
      return CancelledError("the call was cancelled before this request was sent");
    }
    return Get(paths[i], query, ctx);
  };
  std::function<bool(std::size_t, StatusOr<json> &&)> consume = [&](std::size_t i,
                                                                    StatusOr<json>&& r) {
    slots[i] = std::move(r);
    return !ctx.cancelled();
  };
  Status run =
      internal::ProduceConsume(paths.size(), options_.max_concurrent_requests, produce, consume);
  std::vector<StatusOr<json>> out;
  out.reserve(paths.size());
  for (auto& s : slots) {
    if (s) {
      out.push_back(std::move(*s));
    } else if (!run.ok()) {
      out.emplace_back(run);
    } else {
      out.emplace_back(CancelledError("the call was cancelled before this request was sent"));
    }
  }
  return out;
}

}  // namespace

namespace {

std::shared_ptr<RateLimiter> NewRateLimiter(HaloOptions const& options, int max_requests,
                                            std::shared_ptr<Clock const> clock, Sleeper sleeper,
                                            milliseconds sleep_slice, std::uint64_t seed) {
  return std::make_shared<RateLimiter>(
      max_requests, std::chrono::duration_cast<milliseconds>(options.rate_limit_window),
      std::move(clock), std::move(sleeper), sleep_slice, seed,
      ThrottleBackoff{options.throttle_initial_backoff, options.throttle_max_backoff});
}

}  // namespace

std::shared_ptr<HttpClient> MakeDefaultHttpClient(HaloOptions const& options) {
  HttpClientOptions http;
  http.connections_per_origin = options.connection_pool_size;
  http.connect_timeout = options.connect_timeout;
  http.read_timeout = options.read_timeout;
  return MakeHttpClient(http);
}

std::shared_ptr<RateBudget> MakeDefaultRateLimiter(HaloOptions const& options, int max_requests) {
  return NewRateLimiter(options, max_requests < 0 ? options.rate_limit_requests : max_requests,
                        std::make_shared<SystemClock>(), RealSleeper(), milliseconds(250),
                        std::random_device{}());
}

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
  options.max_response_bytes = std::max<std::size_t>(options.max_response_bytes, 1024);
  auto api = internal::SplitUrl(options.base_url);
  if (!api.ok()) return api.status();
  auto auth = internal::SplitUrl(options.auth_url);
  if (!auth.ok()) return auth.status();
  if (!deps.clock) deps.clock = std::make_shared<SystemClock>();
  if (!deps.sleeper) deps.sleeper = RealSleeper();
  std::uint64_t const seed = deps.jitter_seed != 0 ? deps.jitter_seed : std::random_device{}();
  deps.jitter_seed = seed;
  if (!deps.http) deps.http = MakeDefaultHttpClient(options);
  if (!deps.rate_budget) {
    deps.rate_budget = NewRateLimiter(options, options.rate_limit_requests, deps.clock,
                                      deps.sleeper, deps.sleep_slice, seed ^ 0x5bd1e995ULL);
  }
  if (!deps.token_store) {
    deps.token_store = std::make_shared<TokenCache>(deps.clock, options.token_refresh_margin);
  }
  return std::shared_ptr<HaloClient>(std::make_shared<HaloClientImpl>(
      std::move(options), std::move(deps), std::move(*api), std::move(*auth)));
}

}  // namespace halo
