#include "server/http/http_server.h"

#include <algorithm>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unistd.h>
#include <unordered_map>

#include "index/util/thread_pool.h"
#include "server/http/http_metrics.h"
#include "server/http/http_router.h"

namespace holdfast {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Bodies of spilling routes (bulk) up to this size, with a declared length,
// are read into memory instead (at most http.max_body_size).
constexpr uint64_t kInMemoryLargeBody = 1u << 20;

HttpMethod ToMethod(http::verb v) {
  switch (v) {
    case http::verb::get: return HttpMethod::kGet;
    case http::verb::head: return HttpMethod::kHead;
    case http::verb::post: return HttpMethod::kPost;
    case http::verb::put: return HttpMethod::kPut;
    case http::verb::delete_: return HttpMethod::kDelete;
    default: return HttpMethod::kOther;
  }
}

}  // namespace

class Connection;

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, const HttpRouter* router, HttpMetrics* metrics)
      : options_(std::move(options)),
        router_(router),
        metrics_(metrics),
        io_(static_cast<int>(options_.threads)),
        acceptor_(asio::make_strand(io_)) {}

  Status Start();
  size_t Shutdown(std::chrono::milliseconds grace);
  uint16_t port() const { return port_; }

  const HttpServerOptions& options() const { return options_; }
  const HttpRouter& router() const { return *router_; }
  HttpMetrics& metrics() { return *metrics_; }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  void SetClosing() { closing_.store(true, std::memory_order_release); }
  bool closing() const { return closing_.load(std::memory_order_acquire); }

  void Register(Connection* c, std::weak_ptr<Connection> w);
  void Unregister(Connection* c);

 private:
  void Accept();

  HttpServerOptions options_;
  const HttpRouter* router_;
  HttpMetrics* metrics_;
  // Declared before io_: connections still queued in io_ at destruction
  // unregister themselves while io_ is being destroyed.
  std::mutex mu_;
  std::condition_variable drained_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  // Keeps the I/O threads running while no socket operation is pending —
  // at shutdown, with the acceptor closed and every request on a worker, the
  // workers' responses still need a thread to write them.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> closing_{false};  // every response says Connection: close
};

// One client connection. All its handlers run on its strand.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(HttpServer::Impl* server, tcp::socket socket)
      : server_(server), stream_(std::move(socket)) {}

  ~Connection() {
    DropSpill();
    server_->metrics().ConnectionClosed();
    server_->Unregister(this);
  }

  void Start() {
    server_->metrics().ConnectionOpened();
    server_->Register(this, weak_from_this());
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->WaitForRequest(); });
  }

  // Connection limit reached: say so and close.
  void Reject() {
    server_->metrics().ConnectionOpened();
    server_->metrics().ConnectionRejected();
    HttpResponse r = ErrorResponse(503, "too_many_connections_exception",
                                   "the node has reached http.max_connections; retry later");
    r.close_connection = true;
    asio::dispatch(stream_.get_executor(),
                   [self = shared_from_this(), r = std::move(r)]() mutable { self->Send(std::move(r), 11, "unmatched"); });
  }

  // Called from the control thread at shutdown.
  void OnShutdown() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->in_request_) self->Close();
    });
  }

 private:
  // Between requests: wait for the first byte of the next one (idle timeout).
  void WaitForRequest() {
    in_request_ = false;
    if (server_->stopping()) return Close();
    if (buffer_.size() > 0) return ReadHeader();
    stream_.expires_after(server_->options().idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    in_request_ = true;
    start_ = std::chrono::steady_clock::now();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_->options().max_header_bytes));
    // The head is read before the route (and so the body limit) is known:
    // allow the larger limit here; OnHeader applies the route's own.
    parser_->body_limit(std::max(server_->options().max_body_bytes, server_->options().max_large_body_bytes));
    stream_.expires_after(server_->options().header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->OnHeader(ec);
                            });
  }

  void OnHeader(beast::error_code ec) {
    if (ec == http::error::header_limit) {
      return SendError(431, "request_header_fields_too_large",
                       "request head exceeds http.max_header_size (" +
                           std::to_string(server_->options().max_header_bytes) + " bytes)");
    }
    if (ec == http::error::body_limit) {  // Content-Length over every limit
      return SendBodyTooLarge(std::max(server_->options().max_body_bytes, server_->options().max_large_body_bytes));
    }
    if (ec == beast::error::timeout) {
      spdlog::debug("http: dropped a client that did not send its request head in time");
      return Close();
    }
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      return Close();
    }
    if (ec) return SendError(400, "bad_request", "malformed HTTP request: " + ec.message());
    const auto& head = parser_->get();
    {
      std::string_view target(head.target().data(), head.target().size());
      auto match = server_->router().Find(ToMethod(head.method()), target.substr(0, target.find('?')));
      large_body_ = match.handler != nullptr && match.options.large_body;
    }
    // A small body of a spilling route stays in memory, as any route's may:
    // a bulk of a few deletes still works on a volume with no byte free.
    if (large_body_) {
      const auto declared = parser_->content_length();
      const uint64_t in_memory = std::min<uint64_t>(kInMemoryLargeBody, server_->options().max_body_bytes);
      if (declared && *declared <= in_memory) large_body_ = false;
    }
    const uint64_t limit = large_body_ ? server_->options().max_large_body_bytes : server_->options().max_body_bytes;
    auto length = parser_->content_length();
    if (length && *length > limit) return SendBodyTooLarge(limit);
    parser_->body_limit(limit);
    if (beast::iequals(head[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, head.version());
      http::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code e, size_t) {
        if (e) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (large_body_) return ReadBodyToFile();
    stream_.expires_after(server_->options().body_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec == http::error::body_limit) return self->SendBodyTooLarge(self->server_->options().max_body_bytes);
      if (ec) return self->Close();  // timeout, reset, malformed chunking
      self->Dispatch();
    });
  }

  // Large bodies (bulk) go to a temporary file: memory stays bounded however
  // large the request. The body arrives in many reads, each with the body timeout.
  void ReadBodyToFile() {
    static std::atomic<uint64_t> counter{0};
    spill_path_ = server_->options().spill_dir + "/holdfast-body-" + std::to_string(::getpid()) + "-" +
                  std::to_string(counter++);
    file_parser_.emplace(std::move(*parser_));
    file_parser_->body_limit(server_->options().max_large_body_bytes);
    beast::error_code ec;
    file_parser_->get().body().open(spill_path_.c_str(), beast::file_mode::write, ec);
    if (ec) {
      spill_path_.clear();
      return SendSpillError(ec);
    }
    if (file_parser_->is_done()) {  // an empty body: nothing to read
      file_parser_->get().body().close();
      return Dispatch();
    }
    ReadFileChunk();
  }

  void ReadFileChunk() {
    stream_.expires_after(server_->options().body_timeout);
    http::async_read_some(stream_, buffer_, *file_parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec == http::error::body_limit) {
        self->DropSpill();
        return self->SendBodyTooLarge(self->server_->options().max_large_body_bytes);
      }
      if (ec) {
        self->DropSpill();
        // The spill file, not the client, failed: say so (the rest of the
        // body is not read, so the connection closes after the answer).
        if (IsNoSpace(ec)) return self->SendSpillError(ec);
        return self->Close();
      }
      if (!self->file_parser_->is_done()) return self->ReadFileChunk();
      beast::error_code close_ec;
      self->file_parser_->get().body().close();
      self->Dispatch();
    });
  }

  void DropSpill() {
    if (file_parser_) {
      beast::error_code ec;
      file_parser_->get().body().close();
    }
    if (!spill_path_.empty()) ::unlink(spill_path_.c_str());
    spill_path_.clear();
    file_parser_.reset();
  }

  void Dispatch() {
    HttpRequest req;
    unsigned version;
    {
      auto& head = file_parser_ ? file_parser_->get().base() : parser_->get().base();
      req.method = ToMethod(head.method());
      std::string_view target(head.target().data(), head.target().size());
      size_t q = target.find('?');
      req.path = std::string(target.substr(0, q));
      if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
      req.content_type = std::string(head[http::field::content_type]);
      req.authorization = std::string(head[http::field::authorization]);
      keep_alive_ = file_parser_ ? file_parser_->get().keep_alive() : parser_->get().keep_alive();
      version = head.version();
      method_string_ = std::string(head.method_string());
      target_ = std::string(target);
    }
    if (file_parser_) {
      req.body_file = spill_path_;
      spill_path_.clear();
      file_parser_.reset();
    } else {
      req.body = std::move(parser_->get().body());
    }
    head_only_ = req.method == HttpMethod::kHead;

    HttpRouter::Match match = server_->router().Find(req.method, req.path);
    if (match.handler == nullptr) {
      if (!req.body_file.empty()) ::unlink(req.body_file.c_str());
      HttpResponse res;
      if (match.allowed_methods.empty()) {
        res = ErrorResponse(404, "resource_not_found_exception",
                            "no handler found for uri [" + target_ + "] and method [" + method_string_ + "]");
      } else {
        res = ErrorResponse(405, "method_not_allowed_exception",
                            "Incorrect HTTP method for uri [" + target_ + "] and method [" + method_string_ +
                                "], allowed: [" + match.allowed_methods + "]");
        res.headers.emplace_back("Allow", match.allowed_methods);
      }
      return Send(std::move(res), version, match.route_name);
    }
    req.path_params = std::move(match.params);
    const HttpHandler* handler = match.handler;
    const std::string_view route = match.route_name;
    ThreadPool* workers = server_->options().workers;
    if (match.options.inline_handler || workers == nullptr) {
      HttpResponse res = RunHandler(*handler, req);
      return Send(std::move(res), version, route);
    }
    // Off the I/O thread: the handler may block (fsync, search); the response
    // is written back on this connection's strand.
    workers->Submit([self = shared_from_this(), handler, req = std::move(req), version, route]() mutable {
      HttpResponse res = RunHandler(*handler, req);
      asio::post(self->stream_.get_executor(), [self, res = std::move(res), version, route]() mutable {
        self->Send(std::move(res), version, route);
      });
    });
  }

  static HttpResponse RunHandler(const HttpHandler& handler, const HttpRequest& req) {
    HttpResponse res;
    try {
      res = handler(req);
    } catch (const std::exception& e) {  // a handler bug must not take the node down
      spdlog::error("http handler failed: {}", e.what());
      res = ErrorResponse(500, "exception", std::string("internal error: ") + e.what());
    }
    if (!req.body_file.empty()) ::unlink(req.body_file.c_str());
    return res;
  }

  void SendError(int status, std::string_view type, const std::string& reason) {
    HttpResponse r = ErrorResponse(status, type, reason);
    r.close_connection = true;
    head_only_ = false;
    Send(std::move(r), 11, "unmatched");
  }

  static bool IsNoSpace(const beast::error_code& ec) {
    return ec == boost::system::errc::no_space_on_device || ec.value() == EDQUOT;
  }

  void SendSpillError(const beast::error_code& ec) {
    const std::string reason = "cannot spill the request body to " + server_->options().spill_dir + ": " + ec.message();
    if (IsNoSpace(ec)) return SendError(503, "no_space_left_exception", reason);
    SendError(500, "io_exception", reason);
  }

  void SendBodyTooLarge(uint64_t limit) {
    SendError(413, "content_too_long_exception",
              "request body exceeds the limit of " + std::to_string(limit) +
                  " bytes (http.max_body_size; http.max_bulk_size for bulk requests)");
  }

  void Send(HttpResponse r, unsigned version, std::string_view route) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version ? version : 11);
    res->set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : server_->options().response_headers) res->set(k, v);
    for (const auto& [k, v] : r.headers) res->set(k, v);
    const bool close = r.close_connection || !keep_alive_ || server_->stopping() || server_->closing();
    res->keep_alive(!close);
    if (head_only_) {
      res->content_length(r.body.size());
    } else {
      res->body() = std::move(r.body);
      res->prepare_payload();
    }
    server_->metrics().Record(route, r.status, std::chrono::steady_clock::now() - start_);
    stream_.expires_after(server_->options().body_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res, close](beast::error_code ec, size_t) {
      if (ec || close) return self->Close();
      self->keep_alive_ = true;
      self->head_only_ = false;
      self->WaitForRequest();
    });
  }

  void Close() {
    in_request_ = false;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  HttpServer::Impl* server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::request_parser<http::file_body>> file_parser_;
  std::string spill_path_;
  std::string method_string_;
  std::string target_;
  bool large_body_ = false;
  std::chrono::steady_clock::time_point start_{std::chrono::steady_clock::now()};
  bool in_request_ = false;
  bool keep_alive_ = true;
  bool head_only_ = false;
};

void HttpServer::Impl::Register(Connection* c, std::weak_ptr<Connection> w) {
  std::lock_guard<std::mutex> lock(mu_);
  connections_.emplace(c, std::move(w));
}

void HttpServer::Impl::Unregister(Connection* c) {
  std::lock_guard<std::mutex> lock(mu_);
  connections_.erase(c);
  if (connections_.empty()) drained_.notify_all();
}

Status HttpServer::Impl::Start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) return Status::InvalidArgument("bad HTTP host " + options_.host + ": " + ec.message());
  tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IOError("cannot listen for HTTP on " + options_.host + ":" +
                           std::to_string(options_.port) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  Accept();
  work_.emplace(io_.get_executor());
  for (size_t i = 0; i < options_.threads; ++i) {
    threads_.emplace_back([this] { io_.run(); });
  }
  return Status::OK();
}

void HttpServer::Impl::Accept() {
  acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      auto conn = std::make_shared<Connection>(this, std::move(socket));
      if (static_cast<uint64_t>(metrics_->open_connections()) >= options_.max_connections) {
        conn->Reject();
      } else {
        conn->Start();
      }
    } else {
      spdlog::warn("http: accept failed: {}", ec.message());
    }
    Accept();
  });
}

size_t HttpServer::Impl::Shutdown(std::chrono::milliseconds grace) {
  if (threads_.empty()) return 0;
  stopping_.store(true, std::memory_order_release);
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [ptr, weak] : connections_) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
  }
  for (auto& c : live) c->OnShutdown();
  live.clear();
  size_t cut = 0;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!drained_.wait_for(lock, grace, [this] { return connections_.empty(); })) {
      cut = connections_.size();
    }
  }
  work_.reset();
  io_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  return cut;
}

HttpServer::HttpServer(HttpServerOptions options, const HttpRouter* router, HttpMetrics* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}

HttpServer::~HttpServer() { impl_->Shutdown(std::chrono::milliseconds(0)); }

Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
size_t HttpServer::Shutdown(std::chrono::milliseconds grace) { return impl_->Shutdown(grace); }
void HttpServer::CloseConnectionsAfterResponses() { impl_->SetClosing(); }

}  // namespace holdfast
