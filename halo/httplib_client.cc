#include "halo/httplib_client.h"

#include "halo/safe_int.h"

#include <httplib.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <vector>

namespace halo {
namespace internal {

StatusOr<SplitUrlResult> SplitUrl(std::string const& url) {
  auto sep = url.find("://");
  if (sep == std::string::npos) return InvalidArgumentError("not an absolute URL: " + url);
  auto path_start = url.find_first_of("/?", sep + 3);
  SplitUrlResult out;
  out.origin = url.substr(0, path_start);
  if (path_start == std::string::npos) return out;
  std::string rest = url.substr(path_start);
  auto q = rest.find('?');
  if (q != std::string::npos) {
    out.query = rest.substr(q + 1);
    rest.resize(q);
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  out.path_prefix = rest;
  return out;
}

}  // namespace internal

namespace {

/// Keep-alive httplib clients for one origin, at most `size` of them at a time.
class OriginPool {
 public:
  OriginPool(std::string origin, HttplibClientOptions const& options)
      : origin_(std::move(origin)), options_(options) {}

  HttpResult Send(HttpRequest const& request, CallContext const& ctx);

 private:
  std::unique_ptr<httplib::Client> Checkout(CallContext const& ctx);
  void Return(std::unique_ptr<httplib::Client> client, bool reusable);
  std::unique_ptr<httplib::Client> MakeClient() const;

  std::string const origin_;
  HttplibClientOptions const options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<httplib::Client>> idle_;  // guarded by mu_
  int in_use_ = 0;                                      // guarded by mu_
};

std::unique_ptr<httplib::Client> OriginPool::MakeClient() const {
  auto cli = std::make_unique<httplib::Client>(origin_);
  auto split = [](std::chrono::milliseconds d) {
    auto ms = std::max<long long>(1, d.count());
    return std::make_pair(static_cast<time_t>(ms / 1000), static_cast<time_t>((ms % 1000) * 1000));
  };
  auto [cs, cus] = split(options_.connect_timeout);
  auto [rs, rus] = split(options_.read_timeout);
  cli->set_connection_timeout(cs, cus);
  cli->set_read_timeout(rs, rus);
  cli->set_write_timeout(rs, rus);
  cli->set_keep_alive(true);
  // Headers and body go out in separate writes; without this Nagle + delayed ACK add ~40 ms.
  cli->set_tcp_nodelay(true);
  cli->set_follow_location(false);
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
  // Explicit, although it is cpp-httplib's default: never talk to HaloPSA unverified. With no CA
  // file configured, cpp-httplib loads OpenSSL's default verify paths (the system CA store).
  cli->enable_server_certificate_verification(true);
#endif
  return cli;
}

std::unique_ptr<httplib::Client> OriginPool::Checkout(CallContext const& ctx) {
  int const size = std::max(1, options_.connections_per_origin);
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    if (ctx.cancelled()) return nullptr;
    if (!idle_.empty()) {
      auto cli = std::move(idle_.back());
      idle_.pop_back();
      ++in_use_;
      return cli;
    }
    if (in_use_ + static_cast<int>(idle_.size()) < size) {
      ++in_use_;
      lk.unlock();
      return MakeClient();
    }
    // A bounded wait so that cancellation is noticed even if nobody returns a client.
    cv_.wait_for(lk, std::chrono::milliseconds(50));
  }
}

void OriginPool::Return(std::unique_ptr<httplib::Client> client, bool reusable) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    --in_use_;
    if (reusable && client) idle_.push_back(std::move(client));
  }
  cv_.notify_one();
}

HttpResult OriginPool::Send(HttpRequest const& request, CallContext const& ctx) {
  HttpResult out;
  if (request.method != "GET" && request.method != "POST" && request.method != "DELETE") {
    out.failure = TransportFailure::kNotSent;
    out.error_name = "unsupported method " + request.method;
    return out;
  }
  auto cli = Checkout(ctx);
  if (!cli) {
    out.failure = TransportFailure::kCancelled;
    out.error_name = "Canceled";
    return out;
  }
  httplib::Request req;
  req.method = request.method;
  req.path = request.target;
  for (auto const& [k, v] : request.headers) req.headers.emplace(k, v);
  if (request.method == "POST") {
    req.body = request.body;
    req.headers.emplace("Content-Type", request.content_type);
  }
  std::size_t const cap = request.max_response_bytes;
  std::string body;
  bool too_large = false;
  int status = 0;
  req.response_handler = [&](httplib::Response const& res) {
    status = res.status;
    // Refuse a declared length over the cap before reading any of it.
    auto declared = ParseInt64(res.get_header_value("Content-Length"), 0);
    if (declared && static_cast<std::uint64_t>(*declared) > cap) {
      too_large = true;
      return false;
    }
    return true;
  };
  req.content_receiver = [&](char const* data, std::size_t n, std::uint64_t, std::uint64_t) {
    if (n > cap - body.size()) {
      too_large = true;
      return false;
    }
    body.append(data, n);
    return true;
  };
  if (request.abort_on_cancel) {
    req.progress = [&ctx](std::uint64_t, std::uint64_t) { return !ctx.cancelled(); };
  }
  auto res = cli->send(req);
  if (res && !too_large) {
    out.status = res->status;
    out.body = std::move(body);
    out.retry_after = res->get_header_value("Retry-After");
    out.date = res->get_header_value("Date");
    // The server asked to close: do not keep the client around for reuse.
    bool closing = res->get_header_value("Connection") == "close";
    Return(std::move(cli), !closing);
    return out;
  }
  // The connection is in an unknown state (or mid-body): never reuse it.
  Return(nullptr, false);
  if (too_large) {
    out.failure = TransportFailure::kTooLarge;
    out.error_name = "response larger than " + std::to_string(cap) + " bytes";
    out.status = status;
    return out;
  }
  auto err = res.error();
  out.error_name = httplib::to_string(err);
  switch (err) {
    case httplib::Error::Connection:
    case httplib::Error::ConnectionTimeout:
    case httplib::Error::BindIPAddress:
    case httplib::Error::SSLConnection:
      out.failure = TransportFailure::kNotSent;
      break;
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification:
      out.failure = TransportFailure::kTls;
      break;
    case httplib::Error::Canceled:
      out.failure = ctx.cancelled() ? TransportFailure::kCancelled : TransportFailure::kAmbiguous;
      break;
    default:
      // Read, Write, Unknown, Compression, ...: some or all of the request may have reached the
      // server, so its effect is unknown.
      out.failure = TransportFailure::kAmbiguous;
      break;
  }
  return out;
}

class HttplibClient final : public HttpClient {
 public:
  explicit HttplibClient(HttplibClientOptions options) : options_(options) {}

  HttpResult Send(HttpRequest const& request, CallContext const& ctx) override {
    return PoolFor(request.origin).Send(request, ctx);
  }

 private:
  OriginPool& PoolFor(std::string const& origin) {
    std::lock_guard<std::mutex> lk(mu_);
    auto& pool = pools_[origin];
    if (!pool) pool = std::make_unique<OriginPool>(origin, options_);
    return *pool;
  }

  HttplibClientOptions const options_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<OriginPool>> pools_;  // guarded by mu_; never erased
};

}  // namespace

std::shared_ptr<HttpClient> MakeHttplibClient(HttplibClientOptions options) {
  return std::make_shared<HttplibClient>(options);
}

}  // namespace halo
