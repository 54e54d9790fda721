#include "server/http/http_metrics.h"

#include <fmt/format.h>

namespace holdfast {

namespace {
constexpr int kMinStatus = 100;
constexpr int kMaxStatus = 599;
constexpr size_t kStatusSlots = kMaxStatus - kMinStatus + 1;
}  // namespace

struct HttpMetrics::RouteStats {
  std::array<std::atomic<uint64_t>, kStatusSlots> by_status{};
  std::array<std::atomic<uint64_t>, HttpMetrics::kBuckets.size()> buckets{};  // non-cumulative
  std::atomic<uint64_t> count{0};
  std::atomic<uint64_t> sum_ns{0};
};

HttpMetrics::HttpMetrics(const std::vector<std::string>& route_names) : names_(route_names) {
  names_.push_back("unmatched");
  for (size_t i = 0; i < names_.size(); ++i) stats_.push_back(std::make_unique<RouteStats>());
}

HttpMetrics::~HttpMetrics() = default;

size_t HttpMetrics::RouteIndex(std::string_view route) const {
  for (size_t i = 0; i + 1 < names_.size(); ++i) {
    if (names_[i] == route) return i;
  }
  return names_.size() - 1;
}

void HttpMetrics::Record(std::string_view route, int status, std::chrono::nanoseconds latency) {
  RouteStats& s = *stats_[RouteIndex(route)];
  if (status >= kMinStatus && status <= kMaxStatus) {
    s.by_status[static_cast<size_t>(status - kMinStatus)].fetch_add(1, std::memory_order_relaxed);
  }
  const double secs = std::chrono::duration<double>(latency).count();
  size_t b = 0;
  while (b < kBuckets.size() && secs > kBuckets[b]) ++b;
  if (b < kBuckets.size()) s.buckets[b].fetch_add(1, std::memory_order_relaxed);
  s.count.fetch_add(1, std::memory_order_relaxed);
  s.sum_ns.fetch_add(static_cast<uint64_t>(latency.count()), std::memory_order_relaxed);
}

std::string HttpMetrics::RenderPrometheus(std::chrono::steady_clock::duration uptime) const {
  std::string out;
  auto add = [&out](std::string_view s) { out.append(s.data(), s.size()); };
  add("# HELP holdfast_uptime_seconds Seconds since the process started.\n"
      "# TYPE holdfast_uptime_seconds gauge\n");
  add(fmt::format("holdfast_uptime_seconds {:.3f}\n", std::chrono::duration<double>(uptime).count()));
  add("# HELP holdfast_http_connections_open HTTP connections open now.\n"
      "# TYPE holdfast_http_connections_open gauge\n");
  add(fmt::format("holdfast_http_connections_open {}\n", open_connections()));
  add("# HELP holdfast_http_connections_total HTTP connections accepted.\n"
      "# TYPE holdfast_http_connections_total counter\n");
  add(fmt::format("holdfast_http_connections_total {}\n", total_connections_.load()));
  add("# HELP holdfast_http_connections_rejected_total Connections refused at the connection limit.\n"
      "# TYPE holdfast_http_connections_rejected_total counter\n");
  add(fmt::format("holdfast_http_connections_rejected_total {}\n", rejected_connections_.load()));

  add("# HELP holdfast_http_requests_total HTTP requests by route and status.\n"
      "# TYPE holdfast_http_requests_total counter\n");
  for (size_t r = 0; r < names_.size(); ++r) {
    for (size_t i = 0; i < kStatusSlots; ++i) {
      uint64_t n = stats_[r]->by_status[i].load(std::memory_order_relaxed);
      if (n == 0) continue;
      add(fmt::format("holdfast_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", names_[r],
                      static_cast<int>(i) + kMinStatus, n));
    }
  }
  add("# HELP holdfast_http_request_duration_seconds HTTP request latency by route.\n"
      "# TYPE holdfast_http_request_duration_seconds histogram\n");
  for (size_t r = 0; r < names_.size(); ++r) {
    const RouteStats& s = *stats_[r];
    uint64_t count = s.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    uint64_t cumulative = 0;
    for (size_t b = 0; b < kBuckets.size(); ++b) {
      cumulative += s.buckets[b].load(std::memory_order_relaxed);
      add(fmt::format("holdfast_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                      names_[r], kBuckets[b], cumulative));
    }
    add(fmt::format("holdfast_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                    names_[r], count));
    add(fmt::format("holdfast_http_request_duration_seconds_sum{{route=\"{}\"}} {:.6f}\n", names_[r],
                    static_cast<double>(s.sum_ns.load(std::memory_order_relaxed)) / 1e9));
    add(fmt::format("holdfast_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", names_[r],
                    count));
  }
  return out;
}

}  // namespace holdfast
