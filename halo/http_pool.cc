#include "halo/http_pool.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>

namespace halo::internal {

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

HttpPool::HttpPool(std::string origin, int size, std::chrono::milliseconds connect_timeout,
                   std::chrono::milliseconds read_timeout)
    : origin_(std::move(origin)),
      size_(std::max(1, size)),
      connect_timeout_(connect_timeout),
      read_timeout_(read_timeout) {}

HttpPool::~HttpPool() = default;

std::unique_ptr<httplib::Client> HttpPool::MakeClient() const {
  auto cli = std::make_unique<httplib::Client>(origin_);
  auto split = [](std::chrono::milliseconds d) {
    auto ms = std::max<long long>(1, d.count());
    return std::make_pair(static_cast<time_t>(ms / 1000), static_cast<time_t>((ms % 1000) * 1000));
  };
  auto [cs, cus] = split(connect_timeout_);
  auto [rs, rus] = split(read_timeout_);
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

std::unique_ptr<httplib::Client> HttpPool::Checkout(CallContext const& ctx) {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    if (ctx.cancelled()) return nullptr;
    if (!idle_.empty()) {
      auto cli = std::move(idle_.back());
      idle_.pop_back();
      ++in_use_;
      return cli;
    }
    if (in_use_ + static_cast<int>(idle_.size()) < size_) {
      ++in_use_;
      lk.unlock();
      return MakeClient();
    }
    cv_.wait_for(lk, std::chrono::milliseconds(50));
  }
}

void HttpPool::Return(std::unique_ptr<httplib::Client> client, bool reusable) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    --in_use_;
    if (reusable && client) idle_.push_back(std::move(client));
  }
  cv_.notify_one();
}

HttpResult HttpPool::Send(std::string const& method, std::string const& target,
                          HeaderList const& headers, std::string const* body,
                          std::string const& content_type, CallContext const& ctx,
                          bool cancellable) {
  HttpResult out;
  auto cli = Checkout(ctx);
  if (!cli) {
    out.failure = TransportFailure::kCancelled;
    out.error_name = "Canceled";
    return out;
  }
  httplib::Headers h;
  for (auto const& [k, v] : headers) h.emplace(k, v);
  httplib::Result res{nullptr, httplib::Error::Unknown};
  if (method == "GET") {
    if (cancellable) {
      res = cli->Get(target, h, [&ctx](std::uint64_t, std::uint64_t) { return !ctx.cancelled(); });
    } else {
      res = cli->Get(target, h);
    }
  } else if (method == "POST") {
    res = cli->Post(target, h, body ? *body : std::string(), content_type);
  } else if (method == "DELETE") {
    res = cli->Delete(target, h);
  } else {
    Return(std::move(cli), true);
    out.failure = TransportFailure::kNotSent;
    out.error_name = "unsupported method " + method;
    return out;
  }
  bool ok = static_cast<bool>(res);
  if (ok) {
    out.status = res->status;
    out.body = std::move(res->body);
    out.retry_after = res->get_header_value("Retry-After");
    // The server asked to close: do not keep the client around for reuse.
    bool closing = res->get_header_value("Connection") == "close";
    Return(std::move(cli), !closing);
    return out;
  }
  auto err = res.error();
  Return(nullptr, false);
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

}  // namespace halo::internal
