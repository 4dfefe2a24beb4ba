#include "halo/beast_client.h"

#include "halo/split_url.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <poll.h>
#include <vector>

namespace halo {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<beast::tcp_stream>;

/// How often a cancellable wait (a read's download) looks at the caller's cancellation.
constexpr std::chrono::milliseconds kCancelSlice{50};
/// HaloPSA's answers carry a few cookies and security headers; 64 KiB is far above them.
constexpr std::uint32_t kMaxHeaderBytes = 64 * 1024;
/// Read sizes: the first read holds a usual header; body reads go up to beast's own cap.
constexpr std::size_t kFirstReadBytes = 4 * 1024;
constexpr std::uint64_t kBodyReadBytes = 64 * 1024;

HttpResult Failed(TransportFailure failure, std::string name) {
  HttpResult r;
  r.failure = failure;
  r.error_name = std::move(name);
  return r;
}

std::string Describe(error_code const& ec) {
  return ec == beast::error::timeout ? std::string("timed out") : ec.message();
}

/// The verifying TLS client context, made on the first https request: an http-only process
/// (the demo, the tests) never sets up OpenSSL's SSL side.
class LazyTlsContext {
 public:
  /// Null when OpenSSL could not make a context (the error in `error`).
  asio::ssl::context* Get(std::string& error) {
    std::call_once(once_, [this] {
      try {
        auto c = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
        c->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::no_compression);
        c->set_default_verify_paths();  // the system CA store
        c->set_verify_mode(asio::ssl::verify_peer);
        context_ = std::move(c);
      } catch (std::exception const& e) {
        error_ = std::string("cannot set up TLS: ") + e.what();
      }
    });
    error = error_;
    return context_.get();
  }

 private:
  std::once_flag once_;
  std::unique_ptr<asio::ssl::context> context_;
  std::string error_;
};

/// The outcome of one asynchronous operation.
struct Op {
  error_code ec;
  bool done = false;
  auto Handler() {
    return [this](error_code e, auto&&...) {
      ec = e;
      done = true;
    };
  }
};

/// One keep-alive connection with its own single-threaded io_context: a request runs the
/// context on the caller's thread until its operation completes, so no thread is kept around.
class Connection {
 public:
  Connection() : ioc_(1) {}

  bool is_open() const { return plain_ || tls_; }

  /// False when the server has closed an idle connection (or sent something unasked), which a
  /// zero-timeout poll reports as readable.
  bool StillUsable() {
    pollfd p{Lowest().socket().native_handle(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }

  void Close() {
    if (!is_open()) return;
    error_code ignored;
    Lowest().socket().close(ignored);
    tls_.reset();
    plain_.reset();
  }

  /// Resolves, connects and (for https) completes the handshake. Nothing of the request has
  /// left on failure, so every failure here is kNotSent (or kTls for a refused certificate).
  std::optional<HttpResult> Open(internal::Origin const& origin, HttpClientOptions const& options,
                                 LazyTlsContext& tls_context) {
    error_code ec;  // for the calls that complete at once
    tcp::resolver resolver(ioc_);
    auto endpoints = resolver.resolve(origin.host, origin.port, ec);
    if (ec) {
      return Failed(TransportFailure::kNotSent,
                    "could not resolve " + origin.host + ": " + ec.message());
    }
    asio::ssl::context* context = nullptr;
    if (origin.tls) {
      std::string error;
      context = tls_context.Get(error);
      if (!context) return Failed(TransportFailure::kTls, error);
      tls_.emplace(ioc_, *context);
    } else {
      plain_.emplace(ioc_);
    }
    Op connect;
    Lowest().expires_after(options.connect_timeout);
    Lowest().async_connect(endpoints, connect.Handler());
    Run(connect);
    if (connect.ec) {
      Close();
      return Failed(TransportFailure::kNotSent, "could not connect: " + Describe(connect.ec));
    }
    Lowest().socket().set_option(tcp::no_delay(true), ec);
    if (!origin.tls) return std::nullopt;

    SSL* ssl = tls_->native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    bool named = false;
    if (origin.host_is_address) {
      named = X509_VERIFY_PARAM_set1_ip_asc(param, origin.host.c_str()) == 1;
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      named = X509_VERIFY_PARAM_set1_host(param, origin.host.c_str(), origin.host.size()) == 1 &&
              SSL_set_tlsext_host_name(ssl, origin.host.c_str()) == 1;
    }
    if (!named) {
      Close();
      return Failed(TransportFailure::kTls, "cannot verify the host name " + origin.host);
    }
    Op handshake;
    Lowest().expires_after(options.connect_timeout);
    tls_->async_handshake(asio::ssl::stream_base::client, handshake.Handler());
    Run(handshake);
    if (handshake.ec) {
      long const verify = SSL_get_verify_result(ssl);
      Close();
      if (verify != X509_V_OK) {
        return Failed(TransportFailure::kTls, std::string("certificate verification failed: ") +
                                                  X509_verify_cert_error_string(verify));
      }
      return Failed(TransportFailure::kNotSent, "TLS handshake failed: " + Describe(handshake.ec));
    }
    return std::nullopt;
  }

  /// Sends the request and reads its answer. `keep_alive` says whether the connection may serve
  /// another request afterwards.
  HttpResult Exchange(HttpRequest const& request, internal::Origin const& origin,
                      HttpClientOptions const& options, CallContext const& ctx, bool& keep_alive) {
    keep_alive = false;
    return tls_ ? Exchange(*tls_, request, origin, options, ctx, keep_alive)
                : Exchange(*plain_, request, origin, options, ctx, keep_alive);
  }

 private:
  beast::tcp_stream& Lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  /// Runs the context on this thread until `op` completes. With `ctx`, a cancelled caller closes
  /// the socket, which completes the operation with an error; returns whether it did.
  bool Run(Op const& op, CallContext const* ctx = nullptr) {
    ioc_.restart();
    bool aborted = false;
    while (!op.done) {
      if (!ctx) {
        ioc_.run_one();
      } else {
        ioc_.run_one_for(kCancelSlice);
        if (!op.done && !aborted && ctx->cancelled()) {
          aborted = true;
          error_code ignored;
          Lowest().socket().close(ignored);
        }
      }
      if (ioc_.stopped() && !op.done) ioc_.restart();
    }
    return aborted;
  }

  template <typename Stream>
  HttpResult Exchange(Stream& stream, HttpRequest const& request, internal::Origin const& origin,
                      HttpClientOptions const& options, CallContext const& ctx, bool& keep_alive) {
    http::request<http::string_body> req;
    req.method_string(request.method);
    req.target(request.target);
    req.version(11);
    req.set(http::field::host, origin.host_header);
    for (auto const& [name, value] : request.headers) req.insert(name, value);
    if (request.method == "POST") {
      req.set(http::field::content_type, request.content_type);
      req.body() = request.body;
    }
    req.keep_alive(true);
    req.prepare_payload();

    Op write;
    Lowest().expires_after(options.read_timeout);
    http::async_write(stream, req, write.Handler());
    Run(write);
    // Some or all of the request may have reached the server: its effect is unknown.
    if (write.ec) return Failed(TransportFailure::kAmbiguous, "Write: " + Describe(write.ec));

    std::size_t const cap = request.max_response_bytes;
    http::response_parser<http::string_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(cap);  // a declared Content-Length over it fails before the body is read
    // Each read asks for no more than the buffer's free capacity, which stays where it starts
    // because the parser drains it: left at beast's 512 bytes, a 225 KB page took 440 reads,
    // each with its own timer and event-loop round. Sized for the header, then for the body.
    beast::flat_buffer buffer;
    buffer.reserve(kFirstReadBytes);
    bool sized = false;
    bool aborted = false;
    error_code ec;
    while (!ec && !parser.is_done()) {
      if (request.abort_on_cancel && ctx.cancelled()) {
        return Failed(TransportFailure::kCancelled, "Canceled");
      }
      if (!sized && parser.is_header_done()) {
        sized = true;
        auto const length = parser.content_length().value_or(kBodyReadBytes);
        buffer.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(length, kBodyReadBytes)));
      }
      // The timeout bounds each silence, not the whole download.
      Op read;
      Lowest().expires_after(options.read_timeout);
      http::async_read_some(stream, buffer, parser, read.Handler());
      aborted = Run(read, request.abort_on_cancel ? &ctx : nullptr) || aborted;
      ec = read.ec;
    }
    if (ec) {
      if (aborted && ctx.cancelled()) return Failed(TransportFailure::kCancelled, "Canceled");
      if (ec == http::error::body_limit) {
        HttpResult r = Failed(TransportFailure::kTooLarge,
                              "response larger than " + std::to_string(cap) + " bytes");
        r.status = parser.get().result_int();
        return r;
      }
      return Failed(TransportFailure::kAmbiguous, "Read: " + Describe(ec));
    }
    auto& res = parser.get();
    HttpResult out;
    out.status = res.result_int();
    if (auto it = res.find(http::field::retry_after); it != res.end()) {
      out.retry_after = std::string(it->value());
    }
    if (auto it = res.find(http::field::date); it != res.end()) out.date = std::string(it->value());
    keep_alive = res.keep_alive();
    out.body = std::move(res.body());
    return out;
  }

  asio::io_context ioc_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<TlsStream> tls_;
};

/// Keep-alive connections to one origin, at most `size` of them at a time.
class OriginPool {
 public:
  OriginPool(internal::Origin origin, HttpClientOptions const& options, LazyTlsContext& tls)
      : origin_(std::move(origin)), options_(options), tls_(tls) {}

  HttpResult Send(HttpRequest const& request, CallContext const& ctx);

 private:
  std::unique_ptr<Connection> Checkout(CallContext const& ctx);
  void Return(std::unique_ptr<Connection> connection);

  internal::Origin const origin_;
  HttpClientOptions const options_;
  LazyTlsContext& tls_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int in_use_ = 0;                                 // guarded by mu_
};

std::unique_ptr<Connection> OriginPool::Checkout(CallContext const& ctx) {
  int const size = std::max(1, options_.connections_per_origin);
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    if (ctx.cancelled()) return nullptr;
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      ++in_use_;
      return connection;
    }
    if (in_use_ + static_cast<int>(idle_.size()) < size) {
      ++in_use_;
      lk.unlock();
      return std::make_unique<Connection>();
    }
    // A bounded wait so that cancellation is noticed even if nobody returns a connection.
    cv_.wait_for(lk, kCancelSlice);
  }
}

void OriginPool::Return(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    --in_use_;
    if (connection) idle_.push_back(std::move(connection));
  }
  cv_.notify_one();
}

HttpResult OriginPool::Send(HttpRequest const& request, CallContext const& ctx) {
  if (request.method != "GET" && request.method != "POST" && request.method != "DELETE") {
    return Failed(TransportFailure::kNotSent, "unsupported method " + request.method);
  }
  auto connection = Checkout(ctx);
  if (!connection) return Failed(TransportFailure::kCancelled, "Canceled");
  // Nothing has been written before Exchange starts: until then a failure is kNotSent.
  bool writing = false;
  try {
    if (connection->is_open() && !connection->StillUsable()) connection->Close();
    if (!connection->is_open()) {
      if (auto failed = connection->Open(origin_, options_, tls_)) {
        Return(nullptr);
        return *failed;
      }
    }
    writing = true;
    bool keep_alive = false;
    HttpResult out = connection->Exchange(request, origin_, options_, ctx, keep_alive);
    // A connection that failed below HTTP, or that the server asked to close, is not reused.
    bool const reusable = out.failure == TransportFailure::kNone && keep_alive;
    Return(reusable ? std::move(connection) : nullptr);
    return out;
  } catch (std::exception const& e) {
    Return(nullptr);
    return Failed(writing ? TransportFailure::kAmbiguous : TransportFailure::kNotSent, e.what());
  }
}

class BeastClient final : public HttpClient {
 public:
  explicit BeastClient(HttpClientOptions options) : options_(options) {}

  HttpResult Send(HttpRequest const& request, CallContext const& ctx) override {
    auto origin = internal::ParseOrigin(request.origin);
    if (!origin.ok()) return Failed(TransportFailure::kNotSent, origin.status().message());
    return PoolFor(*std::move(origin)).Send(request, ctx);
  }

 private:
  OriginPool& PoolFor(internal::Origin origin) {
    std::string key = (origin.tls ? "https://" : "http://") + origin.host_header;
    std::lock_guard<std::mutex> lk(mu_);
    auto& pool = pools_[key];
    if (!pool) pool = std::make_unique<OriginPool>(std::move(origin), options_, tls_);
    return *pool;
  }

  HttpClientOptions const options_;
  LazyTlsContext tls_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<OriginPool>> pools_;  // guarded by mu_; never erased
};

}  // namespace

std::shared_ptr<HttpClient> MakeHttpClient(HttpClientOptions options) {
  return std::make_shared<BeastClient>(options);
}

}  // namespace halo
