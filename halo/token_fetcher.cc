#include "halo/token_fetcher.h"

#include "halo/bounded_json.h"
#include "halo/error_mapping.h"
#include "halo/query.h"
#include "halo/retry_loop.h"
#include "halo/safe_int.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

namespace halo::internal {
namespace {

using nlohmann::json;

/// Longest token lifetime believed: a year. Anything outside [0, a year] is ignored.
constexpr std::int64_t kMaxExpiresIn = 366LL * 24 * 3600;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

TokenFetcher::TokenFetcher(HaloOptions options, SplitUrlResult auth, Deps deps)
    : options_(std::move(options)),
      auth_(std::move(auth)),
      deps_(std::move(deps)),
      form_("grant_type=client_credentials&client_id=" + PercentEncode(options_.client_id) +
            "&client_secret=" + PercentEncode(options_.client_secret) +
            "&scope=" + PercentEncode(options_.scope)) {}

Status TokenFetcher::TokenError(int http_status, std::string const& body) const {
  Status mapped = StatusFromHttpResponse(http_status, body, "");
  std::string oauth_error;
  auto parsed = ParseBoundedJson(body, options_.response_json_limits);
  if (parsed.ok() && parsed.value.is_object()) {
    if (auto e = parsed.value.find("error"); e != parsed.value.end() && e->is_string()) {
      oauth_error = e->get<std::string>();
    }
  }
  std::string const lower = Lower(mapped.message());
  ErrorInfo info = mapped.info();
  // The tenant is not secret, and it is what the user has to check.
  std::string const where = " (token endpoint " + options_.token_url() + ")";
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

StatusOr<AccessToken> TokenFetcher::Fetch(CallContext const& ctx, std::uint64_t seed) {
  HttpRequest request;
  request.method = "POST";
  request.origin = auth_.origin;
  request.target = auth_.path_prefix + "/token";
  // The path without the query is what logs and messages show.
  std::string const what = "POST " + request.target;
  if (!options_.tenant.empty()) request.target += "?tenant=" + PercentEncode(options_.tenant);
  request.headers = {{"User-Agent", options_.user_agent}, {"Accept", "application/json"}};
  request.body = form_;
  request.content_type = "application/x-www-form-urlencoded";
  request.max_response_bytes = options_.max_response_bytes;

  using Attempt = AttemptResult<AccessToken>;
  auto attempt = [&](int n) -> Attempt {
    if (n > 0) ++retries_;
    ++requests_;
    HttpResult r = deps_.http->Send(request, ctx);
    // Never log the form or the answer: they carry the secret and the token.
    spdlog::debug("halo: {} -> {}", what,
                  r.failure == TransportFailure::kNone ? std::to_string(r.status) : r.error_name);
    if (auto final = FinalTransportStatus(r.failure, "the HaloPSA token endpoint " + auth_.origin,
                                          "HALOPSA_AUTH_URL / HALOPSA_BASE_URL")) {
      return Attempt::Failed(FailureKind::kPermanent, std::move(*final));
    }
    switch (r.failure) {
      case TransportFailure::kTooLarge:
        return Attempt::Failed(
            FailureKind::kPermanent,
            InternalError("the HaloPSA token endpoint answered with more than " +
                          std::to_string(options_.max_response_bytes) +
                          " bytes: check HALOPSA_AUTH_URL points at the HaloPSA authorisation "
                          "server"));
      case TransportFailure::kNotSent:
      case TransportFailure::kAmbiguous:
        return Attempt::Failed(
            r.failure == TransportFailure::kNotSent ? FailureKind::kNotProcessed
                                                    : FailureKind::kTransient,
            UnavailableError("could not reach the HaloPSA token endpoint " + auth_.origin + " (" +
                             r.error_name + "): check HALOPSA_AUTH_URL / HALOPSA_BASE_URL"));
      case TransportFailure::kNone:
      case TransportFailure::kCancelled:
      case TransportFailure::kTls:
        break;
    }
    if (r.status >= 200 && r.status < 300) {
      auto parsed = ParseBoundedJson(r.body, options_.response_json_limits);
      json const& body = parsed.value;
      json const* token = nullptr;
      if (parsed.ok() && body.is_object()) {
        auto it = body.find("access_token");
        if (it != body.end() && it->is_string() && !it->get_ref<std::string const&>().empty()) {
          token = &*it;
        }
      }
      if (token == nullptr) {
        return Attempt::Failed(
            FailureKind::kPermanent,
            InternalError("the HaloPSA token endpoint answered without an access_token: check "
                          "HALOPSA_AUTH_URL points at the HaloPSA authorisation server"));
      }
      AccessToken out;
      out.value = token->get<std::string>();
      deps_.redactor->AddToken(out.value);
      if (auto e = body.find("expires_in"); e != body.end()) {
        if (auto s = JsonToInt64OrString(*e, 0, kMaxExpiresIn)) {
          out.expires_in = std::chrono::seconds(*s);
        } else {
          spdlog::debug("halo: the token's expires_in is unreadable; assuming {} s",
                        out.expires_in.count());
        }
      }
      spdlog::debug("halo: obtained an access token (expires in {} s)", out.expires_in.count());
      return Attempt::Ok(std::move(out));
    }
    Status error = deps_.redactor->Redact(TokenError(r.status, r.body));
    auto const retry_after = ParseRetryAfter(r.retry_after);
    if (r.status == 429) {
      deps_.budget->OnThrottled(Throttle{retry_after, ParseRateLimitMessage(r.body)});
      // Token requests take no budget slot, so the loop's own wait paces them.
      error.info().retry_after = retry_after.value_or(options_.throttle_initial_backoff);
      return Attempt::Failed(FailureKind::kNotProcessed, std::move(error));
    }
    if (r.status >= 500 || r.status == 408) {
      error.info().retry_after = retry_after;
      return Attempt::Failed(FailureKind::kTransient, std::move(error));
    }
    return Attempt::Failed(FailureKind::kPermanent, std::move(error));
  };
  RetryPolicy retry(options_.max_attempts, options_.call_deadline, deps_.clock);
  BackoffPolicy backoff(options_.initial_backoff, options_.max_backoff, seed);
  return RetryLoop<AccessToken>(retry, backoff, Idempotency::kIdempotent, what,
                                RetryEnvironment{ctx, deps_.sleeper, deps_.sleep_slice}, attempt);
}

}  // namespace halo::internal
