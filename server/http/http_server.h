// HttpServer: HTTP/1.1 on Boost.Beast/Asio, one I/O thread per core.
//
// Owns the listening socket, every connection and the I/O threads. Enforces
// the request limits: body size (413), head size (431), head read timeout
// (slow clients are dropped), idle keep-alive timeout, connection count (503).
// Shutdown() stops accepting, closes idle keep-alive connections, and lets
// requests in flight finish (their responses carry Connection: close), bounded
// by a grace period. Start/Shutdown are called from one control thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "index/util/status.h"

namespace holdfast {

class HttpRouter;
class HttpMetrics;
class ThreadPool;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9200;  // 0: any free port; see HttpServer::port()
  size_t threads = 1;
  uint64_t max_body_bytes = 100ull << 20;
  uint64_t max_header_bytes = 8u << 10;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{300'000};
  // A request body must keep arriving: each read of it gets this long.
  std::chrono::milliseconds body_timeout{60'000};
  uint64_t max_connections = 10'000;
  // Routes flagged large_body spill their body to a file in `spill_dir`, up to this size.
  uint64_t max_large_body_bytes = 1ull << 30;
  std::string spill_dir = "/tmp";
  // Handlers not flagged inline run here (never on the I/O threads). Null: inline.
  ThreadPool* workers = nullptr;
  // Extra headers on every response (e.g. product identification).
  std::vector<std::pair<std::string, std::string>> response_headers;
};

class HttpServer {
 public:
  // `router` and `metrics` must outlive the server.
  HttpServer(HttpServerOptions options, const HttpRouter* router, HttpMetrics* metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the I/O threads. IOError when the bind fails.
  Status Start();
  uint16_t port() const;

  // Stops accepting and drains connections for at most `grace`; then stops
  // the I/O threads. Returns how many connections were cut at the deadline.
  size_t Shutdown(std::chrono::milliseconds grace);
  // From now on every response carries Connection: close (clients reconnect,
  // to another node once this one is out of their load balancer), while the
  // server keeps accepting and answering.
  void CloseConnectionsAfterResponses();

  class Impl;  // public only so that connection code in the .cc can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace holdfast
