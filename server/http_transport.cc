// The listener and connections of the Streamable HTTP transport, on Boost.Beast and Asio.
//
// Why Beast (Boost 1.74, Debian's libboost1.74-dev, header-only) and not cpp-httplib 0.11.4:
// httplib keeps a thread per connection from a fixed pool, times reads out per byte and cannot
// cap the number of headers, so 33 connections sending a byte a second, or a few sending
// millions of headers, stopped the server. Beast's parser reports each header as it arrives
// (counted and capped here, before authentication) and lets the body be read separately after
// the headers have been checked; Asio serves every connection from two threads, so idle and slow
// connections cost memory, not threads, and a deadline covers each whole request. Asio's ssl
// stream uses the same OpenSSL as before. libmicrohttpd (Debian 0.9.75) was the alternative; it
// bounds header memory but times out per activity rather than per request, and brings GnuTLS.
// Beast is kept to this one file: it is slow to compile.

// clang-format off
#include <utility>  // before Asio: Boost 1.74's coroutine support needs it with GCC 12
// clang-format on

#include "server/http_transport.h"

#include "server/http_endpoint.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <malloc.h>
#include <thread>
#include <type_traits>
#include <vector>

namespace mcp {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using beast::error_code;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr auto kAwait = asio::use_awaitable;
using asio::redirect_error;

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

/// Reads a request line and headers under the configured limits, keeping only the headers the
/// endpoint reads; the body goes into a string paid for from the memory budget as it arrives.
class RequestParser final : public bhttp::basic_parser<true> {
 public:
  RequestParser(HttpOptions const& options, MemoryBudget& budget)
      : max_fields_(options.max_header_count),
        max_body_(options.max_message_bytes),
        memory_(budget.Start()) {
    header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    body_limit(options.max_message_bytes);
  }

  HttpRequestHead& head() { return head_; }
  std::string& body() { return body_; }
  MemoryBudget::Lease& memory() { return memory_; }
  bool too_many_fields() const { return too_many_fields_; }
  bool out_of_memory() const { return out_of_memory_; }

 private:
  void on_request_impl(bhttp::verb, beast::string_view method, beast::string_view target,
                       int version, error_code&) override {
    head_.method = std::string(View(method));
    head_.target = std::string(View(target));
    head_.version = version;
  }
  void on_response_impl(int, beast::string_view, int, error_code&) override {}
  void on_field_impl(bhttp::field, beast::string_view name, beast::string_view value,
                     error_code& ec) override {
    if (++fields_ > max_fields_) {
      too_many_fields_ = true;
      ec = bhttp::error::header_limit;
      return;
    }
    std::string lower = AsciiLower(View(name));
    if (HttpHeaders::Wanted(lower)) head_.headers.Add(lower, View(value));
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(boost::optional<std::uint64_t> const& length, error_code&) override {
    // Known length (already checked against the limit): one allocation, no copies as it grows;
    // pages are only resident once written, so the lease follows the bytes that arrived.
    if (length) {
      body_.reserve(static_cast<std::size_t>(*length));
      sized_ = true;
    }
    memory_.Expect(length ? static_cast<std::size_t>(*length) : max_body_);
  }
  std::size_t on_body_impl(beast::string_view data, error_code& ec) override {
    return Append(data, ec);
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view data, error_code& ec) override {
    return Append(data, ec);
  }
  void on_finish_impl(error_code&) override {}

  /// Pays for the body as it arrives: its bytes when the length was announced, else the
  /// string's capacity, which grows by doubling up to the body limit (chunked bodies).
  std::size_t Append(beast::string_view data, error_code& ec) {
    std::size_t const needed = body_.size() + data.size();
    std::size_t lease = needed;
    if (!sized_ && needed > body_.capacity()) {
      lease = std::min(std::max(needed, 2 * body_.capacity()), std::max(needed, max_body_));
    }
    if (!memory_.GrowTo(lease)) {
      out_of_memory_ = true;
      ec = bhttp::error::body_limit;
      return 0;
    }
    if (lease > body_.capacity()) body_.reserve(lease);
    body_.append(data.data(), data.size());
    return data.size();
  }

  std::size_t const max_fields_;
  std::size_t const max_body_;
  std::size_t fields_ = 0;
  bool too_many_fields_ = false;
  bool out_of_memory_ = false;
  bool sized_ = false;  // Content-Length known
  HttpRequestHead head_;
  std::string body_;
  MemoryBudget::Lease memory_;
};

/// What every connection shares.
struct Shared {
  Shared(McpServer& server, HttpOptions o)
      : options(std::move(o)),
        endpoint(server, options),
        budget(options.max_request_memory),
        table(options.max_connections, options.clock) {
    if (endpoint.MayEverBlock()) {
      offload =
          std::make_unique<asio::thread_pool>(std::max<std::size_t>(1, options.offload_threads));
    }
  }

  HttpOptions const options;
  HttpEndpoint endpoint;
  MemoryBudget budget;
  ConnectionTable table;
  std::atomic<bool> stopping{false};
  /// Where steps that may wait on another server run (null when none can): an I/O thread held
  /// by a slow issuer or Redis would hold up every connection it serves.
  std::unique_ptr<asio::thread_pool> offload;
};

/// One client connection: reads requests one after the other and writes their answers, on its
/// own strand. `Stream` is a plain tcp_stream or a TLS stream over one.
template <class Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(Shared& shared, Stream stream, std::string remote)
      : shared_(shared),
        stream_(std::move(stream)),
        buffer_(shared.options.max_header_bytes + 4096),
        wake_(stream_.get_executor()),
        remote_(std::move(remote)) {}

  void set_id(ConnectionTable::Id id) { id_ = id; }
  auto executor() { return stream_.get_executor(); }

  /// From any thread: ends the connection (eviction, shutdown).
  void Close() {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->closed_ = true;
      error_code ignored;
      beast::get_lowest_layer(self->stream_).socket().close(ignored);
      self->wake_.cancel();
    });
  }

  /// Serves the connection until it ends; `self` keeps it alive meanwhile (a coroutine's
  /// parameters live in its frame).
  static asio::awaitable<void> Run(std::shared_ptr<Connection> self) {
    try {
      co_await self->Serve();
    } catch (...) {
      LogException("a connection");
    }
    error_code ignored;
    beast::get_lowest_layer(self->stream_).socket().close(ignored);
    self->shared_.table.Closed(self->id_);
  }

 private:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  asio::awaitable<void> Serve() {
    auto const& o = shared_.options;
    error_code ec;
    if constexpr (kTls) {
      tcp().expires_after(o.read_timeout);
      co_await stream_.async_handshake(asio::ssl::stream_base::server, redirect_error(kAwait, ec));
      if (ec) co_return;
    }
    while (!closed_) {
      shared_.table.Waiting(id_);
      if (shared_.stopping) co_return;
      if (buffer_.size() == 0) {
        // Idle until the next request starts; the request's own deadline starts with it.
        buffer_.shrink_to_fit();
        tcp().expires_after(o.keep_alive_timeout);
        std::size_t n =
            co_await stream_.async_read_some(buffer_.prepare(1024), redirect_error(kAwait, ec));
        if (ec) co_return;
        buffer_.commit(n);
      }
      if (!co_await ServeOne()) co_return;
    }
  }

  // GCC 12 miscompiles some temporaries of class type inside co_await expressions (they can be
  // destroyed twice), so every argument below that is not trivial is a named local first.

  /// Reads, answers and logs one request; false when the connection is to end.
  asio::awaitable<bool> ServeOne() {
    auto const& o = shared_.options;
    auto const start = std::chrono::steady_clock::now();
    error_code ec;
    RequestParser parser(o, shared_.budget);
    tcp().expires_after(o.read_timeout);  // one deadline for the whole request
    co_await bhttp::async_read_header(stream_, buffer_, parser, redirect_error(kAwait, ec));
    HttpRequestHead& head = parser.head();
    head.remote = remote_;
    if (ec) {
      if (auto refusal = ReadFailure(ec, parser)) co_await Refuse(head, *refusal, start);
      co_return false;
    }
    head.keep_alive = parser.keep_alive();
    if (auto length = parser.content_length()) head.content_length = *length;
    bool const may_block = shared_.endpoint.MayBlock(head);
    auto admit = [&] { return shared_.endpoint.Admit(head); };
    std::optional<HttpReply> turned_away = co_await OffNetworkIf(may_block, admit);
    if (turned_away) {
      // The body was not read: the connection can only go on when there was none.
      bool const go_on = parser.is_done() && head.keep_alive && !shared_.stopping;
      bool const sent = co_await Write(head, *turned_away, go_on, start, "", o.write_timeout);
      if (sent && !parser.is_done()) co_await Linger();
      co_return (sent && go_on);
    }
    if (!parser.is_done()) {
      if (AsciiLower(head.headers.Get("expect")) == "100-continue" && head.version >= 11) {
        std::string go_ahead = "HTTP/1.1 100 Continue\r\n\r\n";
        if (!co_await Send(std::move(go_ahead), o.write_timeout)) co_return false;
        tcp().expires_after(o.read_timeout);
      }
      co_await bhttp::async_read(stream_, buffer_, parser, redirect_error(kAwait, ec));
      if (ec) {
        if (auto refusal = ReadFailure(ec, parser)) co_await Refuse(head, *refusal, start);
        co_return false;
      }
    }
    shared_.table.Serving(id_);
    auto serve = [&] {
      return shared_.endpoint.Serve(head, std::move(parser.body()), std::move(parser.memory()));
    };
    HttpOutcome outcome = co_await OffNetworkIf(may_block, serve);
    bool const keep_alive = head.keep_alive && !shared_.stopping;
    if (!outcome.exchange) {
      bool const sent =
          co_await Write(head, outcome.reply, keep_alive, start, outcome.label, o.write_timeout);
      co_return sent&& keep_alive;
    }
    bool const ok = co_await Drain(head, outcome, keep_alive, start);
    co_return ok&& keep_alive&& head.version >= 11;
  }

  /// Runs `step` (admitting or serving a request) on this thread, or on the offload threads when
  /// it may wait on another server; either way the coroutine goes on on this connection's strand.
  template <class Step>
  asio::awaitable<std::invoke_result_t<Step&>> OffNetworkIf(bool may_block, Step step) {
    using Result = std::invoke_result_t<Step&>;
    if (!may_block || !shared_.offload) co_return step();
    auto run = [&step]() -> asio::awaitable<Result> { co_return step(); };
    co_return co_await asio::co_spawn(shared_.offload->get_executor(), run, kAwait);
  }

  /// What to answer when reading a request failed; nullopt when the client just went away.
  std::optional<HttpReply> ReadFailure(error_code const& ec, RequestParser const& parser) const {
    auto const& o = shared_.options;
    if (parser.too_many_fields() || ec == bhttp::error::header_limit) {
      return JsonErrorReply(431, kInvalidRequest,
                            "Request Header Fields Too Large: at most " +
                                std::to_string(o.max_header_count) + " headers and " +
                                std::to_string(o.max_header_bytes) + " bytes");
    }
    if (parser.out_of_memory()) {
      HttpReply busy = JsonErrorReply(503, kInternalError,
                                      "Server busy: too much request data is being received at "
                                      "once; retry shortly");
      busy.headers.emplace_back("Retry-After", "1");
      return busy;
    }
    if (ec == bhttp::error::body_limit) {
      return JsonErrorReply(413, kInvalidRequest,
                            "Content Too Large: this server accepts at most " +
                                std::to_string(o.max_message_bytes) + " bytes");
    }
    if (ec == beast::error::timeout) {
      return JsonErrorReply(408, kInvalidRequest,
                            "Request Timeout: the request must arrive within " +
                                std::to_string(o.read_timeout.count()) + " s");
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      return JsonErrorReply(400, kInvalidRequest, "Bad Request: " + ec.message());
    }
    return std::nullopt;
  }

  /// A refusal after a failed read: best effort, briefly, then the connection ends.
  asio::awaitable<void> Refuse(HttpRequestHead const& head, HttpReply const& reply,
                               std::chrono::steady_clock::time_point start) {
    bool const sent = co_await Write(
        head, reply, false, start, "",
        std::min<std::chrono::seconds>(shared_.options.write_timeout, std::chrono::seconds(2)));
    if (sent) co_await Linger();
  }

  /// After an answer to a request whose body was left unread: stop sending, then read and drop
  /// what the client still sends, briefly and within a byte cap. Closing at once would reset
  /// the connection and could destroy the answer before the client has read it.
  asio::awaitable<void> Linger() {
    error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp().expires_after(std::chrono::seconds(1));
    buffer_.clear();
    for (std::size_t dropped = 0; !ec && dropped < 4 * 1024 * 1024;) {
      std::size_t n =
          co_await tcp().async_read_some(buffer_.prepare(4096), redirect_error(kAwait, ec));
      dropped += n;
    }
  }

  /// Writes a complete reply and logs it; false when the write failed.
  asio::awaitable<bool> Write(HttpRequestHead const& head, HttpReply const& reply, bool keep_alive,
                              std::chrono::steady_clock::time_point start, std::string_view label,
                              std::chrono::seconds timeout) {
    std::string out = FormatHead(reply.status, reply.content_type, reply.body.size(), reply.headers,
                                 keep_alive, head.version);
    out += reply.body;
    bool ok = co_await Send(std::move(out), timeout);
    AccessLog(head, label, reply.status, start);
    co_return ok;
  }

  asio::awaitable<bool> Send(std::string data, std::chrono::seconds timeout) {
    error_code ec;
    tcp().expires_after(timeout);
    co_await asio::async_write(stream_, asio::buffer(data), redirect_error(kAwait, ec));
    co_return !ec && !closed_;
  }

  /// Writes what an exchange produces until it is over; false when the client went away.
  asio::awaitable<bool> Drain(HttpRequestHead const& head, HttpOutcome& outcome, bool keep_alive,
                              std::chrono::steady_clock::time_point start) {
    auto ex = outcome.exchange;
    std::weak_ptr<Connection> weak = this->shared_from_this();
    ex->SetWaker([weak] {
      if (auto self = weak.lock()) {
        asio::post(self->stream_.get_executor(), [self] { self->wake_.cancel(); });
      }
    });
    bool const chunked = head.version >= 11;
    auto const timeout = shared_.options.write_timeout;
    bool waited = false;
    bool ok = true;
    int status = 0;
    for (bool over = false; !over && ok;) {
      if (closed_) {
        ok = false;
        break;
      }
      Exchange::Step step = ex->Next(waited);
      waited = false;
      switch (step.kind) {
        case Exchange::Step::Kind::kWait: {
          error_code ec;
          wake_.expires_after(ex->wait_time());
          co_await wake_.async_wait(redirect_error(kAwait, ec));
          waited = !ec;
          break;
        }
        case Exchange::Step::Kind::kReply: {
          status = step.reply.status;
          std::string out =
              FormatHead(step.reply.status, step.reply.content_type, step.reply.body.size(),
                         step.reply.headers, keep_alive, head.version);
          out += step.reply.body;
          ok = co_await Send(std::move(out), timeout);
          over = true;
          break;
        }
        case Exchange::Step::Kind::kStart: {
          status = step.reply.status;
          std::string out = FormatHead(step.reply.status, step.reply.content_type, std::nullopt,
                                       step.reply.headers, keep_alive, head.version);
          ok = co_await Send(std::move(out), timeout);
          break;
        }
        case Exchange::Step::Kind::kWrite: {
          std::string out = chunked ? Chunk(step.data) : std::move(step.data);
          ok = co_await Send(std::move(out), timeout);
          break;
        }
        case Exchange::Step::Kind::kEnd: {
          if (chunked) {
            std::string out = Chunk("");
            ok = co_await Send(std::move(out), timeout);
          }
          over = true;
          break;
        }
      }
    }
    if (!ok) {
      spdlog::debug("http: the client went away mid-answer; cancelling its request");
      ex->CancelWork();
    }
    ex->Close();
    if (outcome.on_done) outcome.on_done();
    AccessLog(head, outcome.label, ok ? status : 499, start);
    co_return ok;
  }

  void AccessLog(HttpRequestHead const& head, std::string_view label, int status,
                 std::chrono::steady_clock::time_point start) const {
    if (!shared_.options.access_log) return;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    spdlog::info("http {} {} {}{}{} {} {}ms", remote_, head.method.empty() ? "-" : head.method,
                 HeaderSafe(head.path().substr(0, 200)), label.empty() ? "" : " ", label, status,
                 ms);
  }

  Shared& shared_;
  Stream stream_;
  beast::flat_buffer buffer_;
  asio::steady_timer wake_;  // an exchange's waker cancels it
  std::string const remote_;
  ConnectionTable::Id id_ = 0;
  bool closed_ = false;  // on the strand
};

}  // namespace

struct HttpTransport::Impl {
  Impl(McpServer& server, HttpOptions options)
      : shared(server, std::move(options)),
        acceptor(ioc),
        control(asio::make_strand(ioc)),
        supervisor(control) {}

  asio::awaitable<void> Accept();
  template <class Stream>
  void Admit(Stream stream, std::string remote);
  asio::awaitable<void> Supervise();
  /// Until every connection has closed, or the deadline.
  asio::awaitable<void> AwaitConnections(std::chrono::steady_clock::time_point deadline);
  void BeginStop();
  void RunIo();

  Shared shared;
  asio::io_context ioc;  // after `shared`: destroyed first, with the connections it holds
  tcp::acceptor acceptor;
  std::optional<asio::ssl::context> tls;
  asio::strand<asio::io_context::executor_type> control;  // the supervisor and stopping
  asio::steady_timer supervisor;
  bool bound = false;
};

asio::awaitable<void> HttpTransport::Impl::Accept() {
  asio::steady_timer backoff(ioc);
  for (;;) {
    error_code ec;
    tcp::socket socket =
        co_await acceptor.async_accept(asio::make_strand(ioc), redirect_error(kAwait, ec));
    if (ec) {
      if (!acceptor.is_open() || shared.stopping) co_return;
      // Out of descriptors, most likely: wait instead of spinning.
      spdlog::warn("http: accept failed: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(redirect_error(kAwait, ec));
      continue;
    }
    try {
      error_code peer_ec;
      auto peer = socket.remote_endpoint(peer_ec);
      std::string remote = peer_ec ? "?" : peer.address().to_string();
      if (tls) {
        Admit(TlsStream(beast::tcp_stream(std::move(socket)), *tls), std::move(remote));
      } else {
        Admit(beast::tcp_stream(std::move(socket)), std::move(remote));
      }
    } catch (...) {
      LogException("accepting a connection");  // that one is dropped; the next are served
    }
  }
}

template <class Stream>
void HttpTransport::Impl::Admit(Stream stream, std::string remote) {
  auto conn = std::make_shared<Connection<Stream>>(shared, std::move(stream), remote);
  std::weak_ptr<Connection<Stream>> weak = conn;
  ConnectionTable::Closer evicted;
  auto id = shared.table.Open(
      [weak] {
        if (auto c = weak.lock()) c->Close();
      },
      &evicted);
  if (evicted) {
    spdlog::debug("http: connection limit {} reached; closing the longest-waiting idle one",
                  shared.options.max_connections);
    evicted();
  }
  if (!id) {
    spdlog::warn("http: refusing a connection from {}: all {} connections are serving requests",
                 remote, shared.options.max_connections);
    return;  // conn and its socket close here
  }
  conn->set_id(*id);
  auto executor = conn->executor();
  asio::co_spawn(executor, Connection<Stream>::Run(std::move(conn)), asio::detached);
}

asio::awaitable<void> HttpTransport::Impl::Supervise() {
  using std::chrono::steady_clock;
  error_code ec;
  while (!shared.stopping) {
    supervisor.expires_after(shared.endpoint.sweep_period());
    co_await supervisor.async_wait(redirect_error(kAwait, ec));
    try {
      shared.endpoint.Sweep();
    } catch (...) {
      LogException("sweeping sessions");
    }
  }
  // Draining: requests being served get drain_timeout to finish, then their calls are
  // cancelled and get a moment to answer; whatever is left after that is cut off.
  co_await AwaitConnections(steady_clock::now() + shared.options.drain_timeout);
  if (shared.table.size() > 0) {
    spdlog::info("http: cancelling the calls still running after {} ms",
                 shared.options.drain_timeout.count());
    shared.endpoint.CancelAll();
    co_await AwaitConnections(steady_clock::now() + std::chrono::seconds(2));
  }
  for (auto const& close : shared.table.All()) close();
}

asio::awaitable<void> HttpTransport::Impl::AwaitConnections(
    std::chrono::steady_clock::time_point deadline) {
  error_code ec;
  while (shared.table.size() > 0 && std::chrono::steady_clock::now() < deadline) {
    supervisor.expires_after(std::chrono::milliseconds(20));
    co_await supervisor.async_wait(redirect_error(kAwait, ec));
  }
}

void HttpTransport::Impl::BeginStop() {
  error_code ignored;
  acceptor.close(ignored);
  shared.endpoint.Stop();  // new requests get 503, standalone streams end
  for (auto const& close : shared.table.Shutdown()) close();  // idle connections
  supervisor.cancel();
}

void HttpTransport::Impl::RunIo() {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (...) {
      LogException("the I/O loop");  // a handler threw: keep serving
    }
  }
}

HttpTransport::HttpTransport(McpServer& server, HttpOptions options)
    : impl_(std::make_unique<Impl>(server, std::move(options))) {}

HttpTransport::~HttpTransport() = default;

std::string HttpTransport::url() const {
  auto const& o = impl_->shared.options;
  std::string host = o.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(o.tls_cert.empty() ? "http" : "https") + "://" + host + ":" +
         std::to_string(port_) + o.path;
}

std::size_t HttpTransport::session_count() const { return impl_->shared.endpoint.session_count(); }

std::optional<std::string> HttpTransport::Bind() {
  Impl& d = *impl_;
  auto const& o = d.shared.options;
  if (auto problem = d.shared.endpoint.Problem()) return problem;
  // Request bodies and parsed messages come and go in megabytes. glibc raises its mmap
  // threshold after the first such buffer is freed and then serves them from its heaps, where
  // freed memory stays resident: a fixed threshold keeps them mapped and returned on free, so
  // the process stays near what the memory allowance admits. (Process-wide, and harmless.)
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  if (!o.tls_cert.empty() || !o.tls_key.empty()) {
    if (auto problem = CheckTls(o)) return problem;
    try {
      d.tls.emplace(asio::ssl::context::tls_server);
      d.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                         asio::ssl::context::no_tlsv1_1);
      d.tls->use_certificate_chain_file(o.tls_cert);
      d.tls->use_private_key_file(o.tls_key, asio::ssl::context::pem);
    } catch (std::exception const& e) {
      return "cannot set up TLS with --tls-cert " + o.tls_cert + " and --tls-key " + o.tls_key +
             ": " + e.what();
    }
  }
  error_code ec;
  tcp::resolver resolver(d.ioc);
  auto endpoints = resolver.resolve(o.host, std::to_string(o.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) return "cannot resolve " + o.host + ": " + ec.message();
  tcp::endpoint endpoint = *endpoints.begin();
  d.acceptor.open(endpoint.protocol(), ec);
  if (!ec) d.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) d.acceptor.bind(endpoint, ec);
  if (!ec) d.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return "cannot bind " + o.host + ":" + std::to_string(o.port) + " (" + ec.message() + ")";
  }
  port_ = d.acceptor.local_endpoint().port();
  d.bound = true;
  return std::nullopt;
}

void HttpTransport::Run() {
  Impl& d = *impl_;
  if (!d.bound) return;
  asio::co_spawn(d.control, d.Accept(), asio::detached);  // with BeginStop, which closes it
  asio::co_spawn(d.control, d.Supervise(), asio::detached);
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < std::max<std::size_t>(1, d.shared.options.io_threads); ++i) {
    threads.emplace_back([&d] { d.RunIo(); });
  }
  d.RunIo();
  for (auto& t : threads) t.join();
  d.shared.endpoint.DrainWorkers();
}

void HttpTransport::Stop() {
  Impl& d = *impl_;
  if (d.shared.stopping.exchange(true)) return;
  asio::post(d.control, [&d] { d.BeginStop(); });
}

}  // namespace mcp
