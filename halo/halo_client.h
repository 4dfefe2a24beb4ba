#pragma once

#include "halo/clock.h"
#include "halo/http_client.h"
#include "halo/options.h"
#include "halo/rate_budget.h"
#include "halo/retry_policy.h"
#include "halo/status.h"
#include "halo/token_store.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace halo {

/// Ordered query parameters, values already rendered as HaloPSA expects them
/// (see query.h for the encoders). Order is kept so that requests are reproducible.
using Query = std::vector<std::pair<std::string, std::string>>;

/// One page walk over a HaloPSA list endpoint.
struct ListRequest {
  std::string path;  // relative to /api, e.g. "/Tickets"
  Query query;       // filters; pageinate/page_no/page_size are added by the client
  /// The key of the wrapped shape ({"record_count": N, "<key>": [...]}). Bare arrays are
  /// accepted whatever this says, and a wrapped body without this key is searched for its
  /// only array member.
  std::string list_key;
  /// Zero-based position of the first record wanted (continuation of an earlier call).
  std::int64_t offset = 0;
  /// How many records at most; 0 means "all", still bounded by HaloOptions::max_list_records.
  std::int64_t limit = 50;
  /// false for endpoints that do not page (most bare-array lookups): one GET, no paging params.
  bool paginate = true;
  /// The record fields the caller reads; the others are dropped while each page is parsed (a
  /// ticket has over a hundred). Empty keeps every field.
  std::vector<std::string> fields;
};

struct ListResult {
  nlohmann::json records = nlohmann::json::array();  // in HaloPSA's order
  std::optional<std::int64_t> record_count;          // total matches, when HaloPSA says
  /// Offset to pass as ListRequest::offset to continue, when more records exist.
  std::optional<std::int64_t> next_offset;
  bool truncated = false;  // stopped because of the limit while more exist
  int pages_fetched = 0;
};

/// Outcome of one element of a batched POST.
struct BatchItemResult {
  std::size_t index = 0;  // position in the caller's input
  Status status;          // ok, or why this item failed (kUnknownOutcome when ambiguous)
  nlohmann::json record;  // the saved record when ok
};

/// Counters for tests and diagnostics.
struct ClientStats {
  std::int64_t http_requests = 0;       ///< /api attempts sent (each retry counts)
  std::int64_t token_requests = 0;      ///< token endpoint attempts
  std::int64_t retries = 0;             ///< repeated attempts (5xx, 429, 401 refresh, ...)
  std::int64_t rate_limited_waits = 0;  ///< attempts that had to wait for a limiter slot
};

/// Seams. Every member is optional; the defaults are the production ones.
struct ClientDependencies {
  std::shared_ptr<Clock const> clock;  ///< default: the steady clock
  Sleeper sleeper;                     ///< default: really sleeps
  std::uint64_t jitter_seed = 0;       ///< 0 = random
  /// Long waits (backoff, rate limit) are slept in slices of at most this length, checking for
  /// cancellation between slices.
  std::chrono::milliseconds sleep_slice{250};
  /// The transport. Default: pooled Boost.Beast connections (MakeHttpClient); tests pass a
  /// scripted fake (testing/scripted_http.h).
  std::shared_ptr<HttpClient> http;
  /// The request budget. Default: an in-process RateLimiter built from the options.
  std::shared_ptr<RateBudget> rate_budget;
  /// Where the access token lives. Default: an in-process TokenCache.
  std::shared_ptr<TokenStore> token_store;
};

/**
 * The one shared HaloPSA client. Thread-safe: every tool call from every transport goes through
 * a single instance, which owns the token cache, the rate limiter and the connection pool.
 *
 * Tokens: fetched single-flight and cached until expires_in minus token_refresh_margin; a 401
 * from /api triggers one refresh and one retry. Token requests do not take rate-budget slots
 * (one per hour); secrets and tokens are never logged and are scrubbed from error messages.
 *
 * Rate limit: one rolling window per instance (rate_limit_requests per rate_limit_window, or
 * the window a 429 names). A caller waits for a slot at most max_read_slot_wait (a
 * non-idempotent one max_write_slot_wait, both within call_deadline); a slot further away fails
 * with kResourceExhausted and retry_after. A 429 is not processed, so any call is repeated once
 * the budget allows: after Retry-After, or a back-off of 1 s, 2 s, 4 s ... without it.
 *
 * Retries: one RetryLoop (retry_loop.h) for token fetches and API calls. An idempotent call is
 * retried with backoff on 5xx, 408, timeouts and dropped connections. A non-idempotent one is
 * repeated only when it certainly did not reach HaloPSA (connection refused, 429, 401); an
 * ambiguous failure returns kUnknownOutcome and is never repeated. A DELETE whose first answer
 * was lost and whose retry finds the record gone (404) has succeeded.
 *
 * Bodies: read up to max_response_bytes and parsed under response_json_limits. Debug logs name
 * the method and path, never the query string or a body.
 *
 * No MCP knowledge lives here. Paths are relative to {base}/api.
 */
class HaloClient {
 public:
  virtual ~HaloClient() = default;

  virtual StatusOr<nlohmann::json> Get(std::string const& path, Query const& query,
                                       CallContext const& ctx) = 0;
  /// POST with a JSON body (HaloPSA wants an array for creates and updates). Pass
  /// kIdempotent when repeating it is harmless (an update of records by id, a read offered as
  /// POST): it is then retried like a GET.
  virtual StatusOr<nlohmann::json> Post(std::string const& path, nlohmann::json const& body,
                                        CallContext const& ctx,
                                        Idempotency idempotency = Idempotency::kNonIdempotent) = 0;
  /// DELETE; by id it is idempotent (the default). Pass kNonIdempotent for a DELETE whose
  /// repetition could remove something else.
  virtual StatusOr<nlohmann::json> Delete(std::string const& path, Query const& query,
                                          CallContext const& ctx,
                                          Idempotency idempotency = Idempotency::kIdempotent) = 0;

  /// Walks pages (pageinate=true, 1-based page_no, page_size <= 100) from request.offset until
  /// request.limit records are gathered or the list ends. Once record_count is known, further
  /// pages are fetched concurrently within the rate budget (max_concurrent_requests in flight; a
  /// page is parsed after its request slot is given back, so the fan-out stays full); order is
  /// preserved. Progress is reported per page, from the calling thread; a cancelled context
  /// stops fetching.
  ///
  /// Details: the real page size is learnt from page 1 (an endpoint that serves fewer rows than
  /// asked, like Asset's 50, is re-planned in its own units; a continuation that lands on a
  /// short later page fetches page 1 to tell a last page from a capped one). Without
  /// record_count (bare arrays), pages are walked one by one and a short page ends the list; a
  /// response with more rows than asked is taken as the whole list; a page identical to the
  /// previous one ends the walk (the endpoint ignores paging). `{"record_count": N}` without
  /// rows (live /api/Agent) falls back to one unpaged GET. Caller-supplied pageinate/page_no/
  /// page_size are replaced. The call deadline and retry budget apply per page.
  virtual StatusOr<ListResult> List(ListRequest const& request, CallContext const& ctx) = 0;

  /// POSTs items as arrays in chunks of chunk_size (1..100), one result per item, in order.
  ///
  /// Chunks are sent one after another (writes keep their order; 0 means 50, more than 100
  /// means 100). A saved chunk gives each item its record when HaloPSA returns an array (or the
  /// object for a one-item chunk). A 400 whose fields are keyed "[i].field" fails item i with
  /// kInvalidArgument and those fields; the other items of that chunk get kFailedPrecondition
  /// ("not saved ... may be resent"); an unattributable 400 fails the whole chunk; later chunks
  /// are still sent. Any other failure stops the batch: the chunk gets the error (an ambiguous
  /// one kUnknownOutcome) and later chunks are NOT sent (kFailedPrecondition "not sent ..."),
  /// so nothing piles onto an outcome the caller first has to check. Cancellation stops before
  /// the next chunk (kCancelled for the unsent items). `idempotency` applies to every chunk, as
  /// in Post (an update batch whose items all carry ids is idempotent).
  virtual std::vector<BatchItemResult> PostBatch(
      std::string const& path, std::vector<nlohmann::json> const& items, std::size_t chunk_size,
      CallContext const& ctx, Idempotency idempotency = Idempotency::kNonIdempotent) = 0;

  /// GETs several paths with bounded concurrency under the shared limiter; results in order.
  virtual std::vector<StatusOr<nlohmann::json>> GetMany(std::vector<std::string> const& paths,
                                                        Query const& query,
                                                        CallContext const& ctx) = 0;

  virtual ClientStats stats() const = 0;
  virtual HaloOptions const& options() const = 0;
};

/// The production transport MakeHaloClient uses by default (pooled Boost.Beast connections
/// sized from the options), for callers that decorate it.
std::shared_ptr<HttpClient> MakeDefaultHttpClient(HaloOptions const& options);

/// An in-process RateLimiter as MakeHaloClient builds it, admitting `max_requests` per the
/// options' window (the options' own count when negative). Real clock and sleeper.
std::shared_ptr<RateBudget> MakeDefaultRateLimiter(HaloOptions const& options,
                                                   int max_requests = -1);

/// Builds the client. With default dependencies this is the production client (Boost.Beast,
/// OpenSSL, system CA store); tests pass their own HttpClient, clock and sleeper in `deps`.
StatusOr<std::shared_ptr<HaloClient>> MakeHaloClient(HaloOptions options,
                                                     ClientDependencies deps = {});

}  // namespace halo
