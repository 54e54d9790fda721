// holdfast-bench: indexing and query throughput on a generated corpus.
//
//   python3 ../shared/tools/gen_corpus.py --docs-out docs.jsonl --queries-out queries.tsv
//   holdfast-bench --docs docs.jsonl --queries queries.tsv [--shards 1] [--threads 2]
//   holdfast-bench ... --data-dir DIR --search-only   (queries an index kept by an earlier --data-dir run)
//
// 1. Indexes title + text as one `english` text field, durably (op log
//    fsynced per bulk batch), with --threads writer threads, then flushes and
//    runs the merges the tiered policy still wants (as Lucene's close does);
//    docs_per_s counts all of it.
// 2. Closes and reopens the node; times open + first search.
// 3. Runs every query single-threaded as a `match` top-10 through the same
//    coordinator as the server (SearchPlan: parse, shard query phase over
//    the shard client, merge; no fetch): once without a total (dynamic
//    pruning), once with the total exact up to 10,000 (what a search request
//    gets by default), once counting every match exactly.
// Prints one JSON line: docs, docs_per_s, index_bytes (segment files, not
// the source store), peak_rss_bytes, open_s, qps_top10, p50_us_top10,
// p99_us_top10, qps_top10_total10k, p50_/p99_us_top10_total10k, qps_count,
// p50_us_count, p99_us_count.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include "bench/bench_corpus.h"
#include "index/mapping/mapping_parser.h"
#include "index/search/searcher.h"
#include "server/coordinator/search_plan.h"
#include "server/process/embedded_node.h"

using namespace holdfast;

namespace {

struct Latencies {
  std::vector<double> us;
  double total_s = 0;
  double Percentile(double p) {
    if (us.empty()) return 0;
    std::sort(us.begin(), us.end());
    return us[std::min(us.size() - 1, static_cast<size_t>(p * static_cast<double>(us.size())))];
  }
};

Latencies RunQueries(const std::shared_ptr<IndexHandle>& index, ThreadPool* pool,
                     const std::vector<bench::Query>& queries, uint64_t track_total_hits, uint64_t* total_hits) {
  Latencies lat;
  lat.us.reserve(queries.size());
  bench::Stopwatch all;
  for (const bench::Query& q : queries) {
    bench::Stopwatch one;
    SearchRequest request;
    request.query_json = "{\"match\":{\"body\":" + bench::JsonString(q.text) + "}}";
    request.size = 10;
    request.track_total_hits = track_total_hits;
    auto plan = SearchPlan::Build(request, {{index->name(), index}});
    if (!plan.ok()) continue;
    auto r = plan.value()->RunQueryPhase(0, 10, false, pool, nullptr);
    if (r.ok()) *total_hits += r->total;
    lat.us.push_back(one.seconds() * 1e6);
  }
  lat.total_s = all.seconds();
  return lat;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"holdfast-bench: indexing and search throughput"};
  std::string docs, queries, data_dir;
  uint32_t shards = 1, threads = 2, batch_size = 1000;
  size_t max_queries = 0;
  bool search_only = false;
  app.add_option("--docs", docs, "docs.jsonl from gen_corpus.py")->required();
  app.add_option("--queries", queries, "queries.tsv from gen_corpus.py")->required();
  app.add_option("--shards", shards, "shards of the index")->capture_default_str();
  app.add_option("--threads", threads, "indexing threads")->capture_default_str();
  app.add_option("--batch", batch_size, "docs per bulk batch (one fsync each)")->capture_default_str();
  app.add_option("--max-queries", max_queries, "run at most this many queries (0 = all)");
  app.add_option("--data-dir", data_dir, "keep the index here (default: a temporary directory)");
  app.add_flag("--search-only", search_only, "skip indexing: query the index an earlier run kept in --data-dir");
  CLI11_PARSE(app, argc, argv);

  auto mapping = mapping::ParseMapping(R"({"dynamic":"strict","properties":{"body":{"type":"text","analyzer":"english"}}})");
  bench::ScratchDir scratch(data_dir);
  const std::string dir = scratch.path() + "/node";
  IndexSettings settings;
  settings.number_of_shards = shards;
  settings.number_of_replicas = 0;
  settings.durability = Durability::kRequest;
  EmbeddedNodeOptions options;
  options.data_dir = dir;
  uint64_t indexed = 0;
  double index_s = 0;
  if (search_only && data_dir.empty()) {
    std::fprintf(stderr, "holdfast-bench: --search-only needs --data-dir\n");
    return 1;
  }
  if (!search_only) {
    auto node = EmbeddedNode::Open(options);
    if (!node.ok()) {
      std::fprintf(stderr, "holdfast-bench: %s\n", node.status().ToString().c_str());
      return 1;
    }
    auto index = (*node)->indices().Create("bench", settings, std::make_shared<const mapping::Mapping>(std::move(mapping).value()));
    if (!index.ok()) {
      std::fprintf(stderr, "holdfast-bench: %s\n", index.status().ToString().c_str());
      return 1;
    }
    // A reader thread fills a bounded queue of batches; writers drain it.
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::vector<WriteRequest>> queue;
    bool done = false;
    std::atomic<uint64_t> failures{0};
    bench::Stopwatch clock;
    std::vector<std::thread> writers;
    for (uint32_t t = 0; t < threads; ++t) {
      writers.emplace_back([&] {
        for (;;) {
          std::vector<WriteRequest> batch;
          {
            std::unique_lock<std::mutex> lock(mu);
            cv.wait(lock, [&] { return done || !queue.empty(); });
            if (queue.empty()) return;
            batch = std::move(queue.front());
            queue.pop_front();
          }
          cv.notify_all();
          for (const WriteResult& r : (*index)->Write(batch)) failures += r.status.ok() ? 0 : 1;
        }
      });
    }
    std::vector<WriteRequest> batch;
    auto push = [&] {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return queue.size() < 2 * threads; });
      queue.push_back(std::move(batch));
      batch.clear();
      cv.notify_all();
    };
    Status s = bench::ForEachDoc(docs, [&](std::string id, std::string title, std::string text) {
      batch.push_back({WriteOpType::kIndex, std::move(id), "{\"body\":" + bench::JsonString(title + " " + text) + "}", {}, {}});
      ++indexed;
      if (batch.size() == batch_size) push();
    });
    if (!batch.empty()) push();
    {
      std::lock_guard<std::mutex> lock(mu);
      done = true;
    }
    cv.notify_all();
    for (auto& w : writers) w.join();
    if (!s.ok() || failures > 0) {
      std::fprintf(stderr, "holdfast-bench: %s, %llu failed writes\n", s.ToString().c_str(),
                   static_cast<unsigned long long>(failures.load()));
      return 1;
    }
    // Like Lucene's IndexWriter.close(), closing waits for the merges the
    // policy still wants; the time counts as indexing time.
    Status closed = (*index)->FinishMerges();
    if (closed.ok()) closed = (*node)->Close();
    index_s = clock.seconds();
    if (!closed.ok()) {
      std::fprintf(stderr, "holdfast-bench: close: %s\n", closed.ToString().c_str());
      return 1;
    }
  }
  const uint64_t index_bytes = bench::DirectoryBytes(dir, ".hfs") + bench::DirectoryBytes(dir, ".liv");
  const uint64_t indexing_rss = bench::PeakRssBytes();

  auto query_list = bench::ReadQueries(queries);
  if (!query_list.ok()) {
    std::fprintf(stderr, "holdfast-bench: %s\n", query_list.status().ToString().c_str());
    return 1;
  }
  if (max_queries > 0 && query_list->size() > max_queries) query_list->resize(max_queries);

  bench::Stopwatch open_clock;
  options.engine.background_merges = false;
  auto node = EmbeddedNode::Open(options);
  std::shared_ptr<IndexHandle> index = node.ok() ? (*node)->indices().Get("bench") : nullptr;
  if (index == nullptr) {
    std::fprintf(stderr, "holdfast-bench: reopen: %s\n",
                 node.ok() ? "no index [bench] in the data dir" : node.status().ToString().c_str());
    return 1;
  }
  ThreadPool* pool = (*node)->search_pool();
  uint64_t warm = 0;
  RunQueries(index, pool, {query_list->front()}, 0, &warm);
  const double open_s = open_clock.seconds();

  uint64_t hits_top10 = 0, hits_count = 0, hits_default = 0;
  Latencies top10 = RunQueries(index, pool, query_list.value(), 0, &hits_top10);
  // As a search request without track_total_hits: exact up to 10,000.
  Latencies top10_default = RunQueries(index, pool, query_list.value(), search::kDefaultTrackTotalHits, &hits_default);
  Latencies count = RunQueries(index, pool, query_list.value(), search::kExactTotalHits, &hits_count);
  const double n = static_cast<double>(query_list->size());
  std::printf(
      "{\"docs\":%llu,\"docs_per_s\":%.0f,\"index_bytes\":%llu,\"peak_rss_bytes\":%llu,\"open_s\":%.3f,"
      "\"qps_top10\":%.0f,\"p50_us_top10\":%.0f,\"p99_us_top10\":%.0f,"
      "\"qps_top10_total10k\":%.0f,\"p50_us_top10_total10k\":%.0f,\"p99_us_top10_total10k\":%.0f,"
      "\"qps_count\":%.0f,\"p50_us_count\":%.0f,\"p99_us_count\":%.0f,\"total_hits_counted\":%llu}\n",
      static_cast<unsigned long long>(indexed), index_s > 0 ? static_cast<double>(indexed) / index_s : 0.0,
      static_cast<unsigned long long>(index_bytes), static_cast<unsigned long long>(indexing_rss), open_s,
      n / top10.total_s, top10.Percentile(0.5), top10.Percentile(0.99), n / top10_default.total_s,
      top10_default.Percentile(0.5), top10_default.Percentile(0.99), n / count.total_s, count.Percentile(0.5),
      count.Percentile(0.99), static_cast<unsigned long long>(hits_count));
  return 0;
}
