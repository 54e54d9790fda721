// Query throughput of index/search/ over a generated corpus: 200k docs whose
// words follow a Zipf distribution over a 50k-word vocabulary (fixed seed).
// Each benchmark cycles through a pool of pre-parsed queries and reports
// QPS (single thread). Corpus build (analysis + segment) runs once.
//
//   search_bench --benchmark_filter=Or3
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "index/mapping/document_parser.h"
#include "index/mapping/mapping_parser.h"
#include "index/search/query_parser.h"
#include "index/search/searcher.h"
#include "index/segment/analyzed_document.h"
#include "index/segment/segment_builder.h"
#include "index/segment/segment_reader.h"

namespace holdfast::search {
namespace {

constexpr int kDocs = 200000;
constexpr int kVocab = 50000;
constexpr int kQueries = 1000;

std::string Word(int rank) {  // letters only, so every analyzer keeps it whole
  std::string w;
  int r = rank + 26;
  while (r > 0) {
    w.push_back(static_cast<char>('a' + r % 26));
    r /= 26;
  }
  return w;
}

class Corpus {
 public:
  static Corpus& Get() {
    static Corpus corpus(42);
    return corpus;
  }
  // Another shard of the same kind (other documents, same vocabulary).
  static Corpus& Second() {
    static Corpus corpus(43);
    return corpus;
  }

  const SearcherSnapshot& snapshot() const { return snapshot_; }
  const CollectionStatistics& stats() const { return *stats_; }

  // Pre-parsed queries built by `make(rng)` returning DSL text.
  template <class Make>
  std::vector<QueryPtr> Queries(Make make) {
    std::mt19937_64 rng(1234);
    QueryParser parser(mapping_);
    std::vector<QueryPtr> out;
    for (int i = 0; i < kQueries; ++i) {
      auto q = parser.Parse(make(rng));
      if (q.ok()) out.push_back(std::move(q).value());
    }
    return out;
  }

  int ZipfWord(std::mt19937_64& rng) {
    double u = std::uniform_real_distribution<double>(0, cdf_.back())(rng);
    return static_cast<int>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  }
  // A word of rank in [lo, hi), for query terms (skip the stop-word-like head).
  int QueryWord(std::mt19937_64& rng, int lo, int hi) {
    for (;;) {
      int w = ZipfWord(rng);
      if (w >= lo && w < hi) return w;
    }
  }
  const std::vector<std::pair<int, int>>& bigrams() const { return bigrams_; }

 private:
  explicit Corpus(uint64_t seed) {
    auto m = mapping::ParseMapping(R"({"properties":{"body":{"type":"text","analyzer":"simple"}}})");
    mapping_ = std::move(m).value();
    double sum = 0;
    for (int i = 0; i < kVocab; ++i) cdf_.push_back(sum += 1.0 / (i + 1));
    std::vector<std::string> words;
    for (int i = 0; i < kVocab; ++i) words.push_back(Word(i));

    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> length(5, 60);
    segment::SegmentBuilder builder;
    segment::DocumentAnalyzer analyzer;
    mapping::DocumentParser parser;
    segment::AnalyzedDocument doc;
    std::string source;
    for (int d = 0; d < kDocs; ++d) {
      source = R"({"body":")";
      int n = length(rng), prev = -1;
      for (int i = 0; i < n; ++i) {
        int w = ZipfWord(rng);
        source += words[w];
        source.push_back(' ');
        if (prev >= 50 && w >= 50 && bigrams_.size() < kQueries && d % 97 == 0) bigrams_.emplace_back(prev, w);
        prev = w;
      }
      source += R"("})";
      auto parsed = parser.Parse(mapping_, std::to_string(d), source, nullptr);
      if (!parsed.ok() || !analyzer.Analyze(parsed.value(), &doc).ok() || !builder.Add(doc).ok()) std::abort();
    }
    auto bytes = std::make_shared<std::string>(builder.Build());
    auto reader = segment::SegmentReader::Open(bytes, *bytes, "bench");
    if (!reader.ok()) std::abort();
    snapshot_.readers.push_back(reader.value());
    snapshot_.live.push_back(nullptr);
    stats_ = std::make_unique<SegmentStatistics>(snapshot_.Views());
  }

  mapping::Mapping mapping_;
  std::vector<double> cdf_;
  std::vector<std::pair<int, int>> bigrams_;
  SearcherSnapshot snapshot_;
  std::unique_ptr<SegmentStatistics> stats_;
};

std::string MatchDsl(std::mt19937_64& rng, int terms, const char* op) {
  Corpus& c = Corpus::Get();
  std::string text;
  for (int i = 0; i < terms; ++i) text += Word(c.QueryWord(rng, 20, 5000)) + " ";
  return std::string(R"({"match":{"body":{"query":")") + text + R"(","operator":")" + op + R"("}}})";
}

void RunQueries(benchmark::State& state, const std::vector<QueryPtr>& queries, SearchOptions options) {
  Corpus& c = Corpus::Get();
  size_t i = 0;
  uint64_t hits = 0;
  for (auto _ : state) {
    auto r = Search(c.snapshot(), *queries[i], c.stats(), options);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
    hits += r.value().total;
    benchmark::DoNotOptimize(r);
    if (++i == queries.size()) i = 0;
  }
  state.counters["QPS"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["avg_total"] = static_cast<double>(hits) / std::max<int64_t>(1, state.iterations());
}

SearchOptions Top10(uint64_t track) {
  SearchOptions o;
  o.size = 10;
  o.track_total_hits = track;
  return o;
}

void BM_TermTop10(benchmark::State& state) {
  static auto queries = Corpus::Get().Queries([](std::mt19937_64& rng) { return MatchDsl(rng, 1, "or"); });
  RunQueries(state, queries, Top10(static_cast<uint64_t>(state.range(0))));
}
BENCHMARK(BM_TermTop10)->Arg(0)->Arg(kDefaultTrackTotalHits)->ArgName("track_total_hits");

void BM_Or3Top10(benchmark::State& state) {
  static auto queries = Corpus::Get().Queries([](std::mt19937_64& rng) { return MatchDsl(rng, 3, "or"); });
  RunQueries(state, queries, Top10(static_cast<uint64_t>(state.range(0))));
}
BENCHMARK(BM_Or3Top10)->Arg(0)->Arg(kDefaultTrackTotalHits)->ArgName("track_total_hits");

// The benchmark mix of the target: 2-5 terms, or.
void BM_Or2to5Top10(benchmark::State& state) {
  static auto queries = Corpus::Get().Queries([](std::mt19937_64& rng) {
    return MatchDsl(rng, std::uniform_int_distribution<int>(2, 5)(rng), "or");
  });
  uint64_t track = state.range(0) < 0 ? kExactTotalHits : static_cast<uint64_t>(state.range(0));
  RunQueries(state, queries, Top10(track));
}
BENCHMARK(BM_Or2to5Top10)->Arg(0)->Arg(kDefaultTrackTotalHits)->Arg(-1)->ArgName("track_total_hits");

void BM_Or3ExactCount(benchmark::State& state) {
  static auto queries = Corpus::Get().Queries([](std::mt19937_64& rng) { return MatchDsl(rng, 3, "or"); });
  RunQueries(state, queries, Top10(kExactTotalHits));
}
BENCHMARK(BM_Or3ExactCount);

void BM_And3Top10(benchmark::State& state) {
  static auto queries = Corpus::Get().Queries([](std::mt19937_64& rng) { return MatchDsl(rng, 3, "and"); });
  RunQueries(state, queries, Top10(kExactTotalHits));
}
BENCHMARK(BM_And3Top10);

void BM_PhraseTop10(benchmark::State& state) {
  static auto queries = Corpus::Get().Queries([](std::mt19937_64& rng) {
    const auto& bigrams = Corpus::Get().bigrams();
    auto [a, b] = bigrams[std::uniform_int_distribution<size_t>(0, bigrams.size() - 1)(rng)];
    return std::string(R"({"match_phrase":{"body":")") + Word(a) + " " + Word(b) + R"("}})";
  });
  RunQueries(state, queries, Top10(kExactTotalHits));
}
BENCHMARK(BM_PhraseTop10);

void BM_CountOr3(benchmark::State& state) {
  static auto queries = Corpus::Get().Queries([](std::mt19937_64& rng) { return MatchDsl(rng, 3, "or"); });
  Corpus& c = Corpus::Get();
  size_t i = 0;
  for (auto _ : state) {
    auto n = Count(c.snapshot(), *queries[i], c.stats());
    benchmark::DoNotOptimize(n);
    if (++i == queries.size()) i = 0;
  }
  state.counters["QPS"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CountOr3);

// A node page's later shard (replication/shard_service_search.cc,
// HandleNodePage): each query over a second shard, without (0) or with (1)
// the page floor the first shard's 10 best give it — the score a hit of
// the second shard must beat to be on the node's page.
void SecondShard(benchmark::State& state, const std::vector<QueryPtr>& queries) {
  Corpus& first = Corpus::Get();
  Corpus& second = Corpus::Second();
  std::vector<std::optional<float>> floors;
  for (const QueryPtr& q : queries) {
    auto r = Search(first.snapshot(), *q, first.stats(), Top10(kDefaultTrackTotalHits));
    if (!r.ok()) std::abort();
    floors.push_back(r->hits.size() == 10 ? std::optional<float>(r->hits.back().score) : std::nullopt);
  }
  SearchOptions options = Top10(kDefaultTrackTotalHits);
  size_t i = 0;
  uint64_t hits = 0;
  for (auto _ : state) {
    if (state.range(0) != 0) options.page_floor = floors[i];
    auto r = Search(second.snapshot(), *queries[i], second.stats(), options);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
    hits += r->hits.size();
    benchmark::DoNotOptimize(r);
    if (++i == queries.size()) i = 0;
  }
  state.counters["QPS"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["avg_hits"] = static_cast<double>(hits) / std::max<int64_t>(1, state.iterations());
}

void BM_SecondShardTermTop10(benchmark::State& state) {
  static auto queries = Corpus::Get().Queries([](std::mt19937_64& rng) { return MatchDsl(rng, 1, "or"); });
  SecondShard(state, queries);
}
BENCHMARK(BM_SecondShardTermTop10)->Arg(0)->Arg(1)->ArgName("page_floor");

void BM_SecondShardOr2to5Top10(benchmark::State& state) {
  static auto queries = Corpus::Get().Queries([](std::mt19937_64& rng) {
    return MatchDsl(rng, std::uniform_int_distribution<int>(2, 5)(rng), "or");
  });
  SecondShard(state, queries);
}
BENCHMARK(BM_SecondShardOr2to5Top10)->Arg(0)->Arg(1)->ArgName("page_floor");

}  // namespace
}  // namespace holdfast::search
