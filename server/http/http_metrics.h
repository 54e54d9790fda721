// HttpMetrics: request counters by route and status, a latency histogram per
// route, and connection gauges, rendered as Prometheus text for /metrics.
//
// Lock-free on the request path (relaxed atomics in fixed arrays); routes are
// registered once before the server starts. Safe to call from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace holdfast {

class HttpMetrics {
 public:
  // Latency bucket upper bounds, seconds (Prometheus convention).
  static constexpr std::array<double, 14> kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};

  // Names known at startup; an unknown name at Record time counts as "unmatched".
  explicit HttpMetrics(const std::vector<std::string>& route_names);
  ~HttpMetrics();

  void Record(std::string_view route, int status, std::chrono::nanoseconds latency);
  void ConnectionOpened() { open_connections_.fetch_add(1, std::memory_order_relaxed); total_connections_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectionClosed() { open_connections_.fetch_sub(1, std::memory_order_relaxed); }
  void ConnectionRejected() { rejected_connections_.fetch_add(1, std::memory_order_relaxed); }
  int64_t open_connections() const { return open_connections_.load(std::memory_order_relaxed); }

  // The whole exposition; `uptime` feeds holdfast_uptime_seconds.
  std::string RenderPrometheus(std::chrono::steady_clock::duration uptime) const;

 private:
  struct RouteStats;
  size_t RouteIndex(std::string_view route) const;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<RouteStats>> stats_;
  std::atomic<int64_t> open_connections_{0};
  std::atomic<uint64_t> total_connections_{0};
  std::atomic<uint64_t> rejected_connections_{0};
};

}  // namespace holdfast
