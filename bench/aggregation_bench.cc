// Aggregation cost over 1M documents in 4 segments of 250k (one shard's
// worth): what a dashboard asks of a shard, every document matching.
//   - terms on a keyword field with 100k distinct values (Zipf), top 10
//   - date_histogram per day and per hour over a year of timestamps, in UTC,
//     a fixed offset and a named zone (Europe/Paris)
//   - histogram, extended_stats on a number
//   - cardinality of the keyword, percentiles of the number (alone and per day)
// Each iteration collects every live document and renders the JSON (the
// terms render sorts 100k buckets). Corpus build runs once (~15 s).
//
//   aggregation_bench --benchmark_filter=Terms
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "index/mapping/document_parser.h"
#include "index/mapping/mapping_parser.h"
#include "index/search/aggregation_collector.h"
#include "index/search/aggregation_result.h"
#include "index/search/aggregation_spec.h"
#include "index/search/search_context.h"
#include "index/segment/analyzed_document.h"
#include "index/segment/segment_builder.h"
#include "index/segment/segment_reader.h"

namespace holdfast::search {
namespace {

constexpr int kDocs = 1000000;
constexpr int kSegments = 4;
constexpr int kKeywords = 100000;
constexpr int64_t kStartMs = 1735689600000;  // 2025-01-01T00:00:00Z
constexpr int64_t kYearMs = 365LL * 86400000;

class Corpus {
 public:
  static Corpus& Get() {
    static Corpus corpus;
    return corpus;
  }
  const mapping::Mapping& mapping() const { return mapping_; }
  std::vector<SegmentView> Views() const { return snapshot_.Views(); }

 private:
  Corpus() {
    mapping_ = mapping::ParseMapping(
                   R"({"properties":{"sku":{"type":"keyword"},"at":{"type":"date"},"bytes":{"type":"long"}}})")
                   .value();
    std::vector<double> cdf;
    double sum = 0;
    for (int i = 0; i < kKeywords; ++i) cdf.push_back(sum += 1.0 / (i + 1));
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(0, cdf.back());
    std::uniform_int_distribution<int64_t> when(0, kYearMs - 1);
    std::uniform_int_distribution<int> bytes(0, 1 << 20);
    segment::DocumentAnalyzer analyzer;
    mapping::DocumentParser parser;
    segment::AnalyzedDocument doc;
    // Every sku appears at least once (the first 100k docs), then Zipf.
    for (int s = 0; s < kSegments; ++s) {
      segment::SegmentBuilder builder;
      for (int d = s * (kDocs / kSegments); d < (s + 1) * (kDocs / kSegments); ++d) {
        const int sku = d < kKeywords ? d : static_cast<int>(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
        const std::string source = R"({"sku":"sku-)" + std::to_string(sku) + R"(","at":)" +
                                   std::to_string(kStartMs + when(rng)) + R"(,"bytes":)" + std::to_string(bytes(rng)) + "}";
        auto parsed = parser.Parse(mapping_, std::to_string(d), source, nullptr);
        if (!parsed.ok() || !analyzer.Analyze(parsed.value(), &doc).ok() || !builder.Add(doc).ok()) std::abort();
      }
      auto data = std::make_shared<std::string>(builder.Build());
      auto reader = segment::SegmentReader::Open(data, *data, "bench-" + std::to_string(s));
      if (!reader.ok()) std::abort();
      snapshot_.readers.push_back(reader.value());
      snapshot_.live.push_back(nullptr);
    }
  }

  mapping::Mapping mapping_;
  SearcherSnapshot snapshot_;
};

void RunAggs(benchmark::State& state, const char* aggs) {
  Corpus& c = Corpus::Get();
  auto specs = ParseAggregations(aggs, c.mapping());
  if (!specs.ok()) {
    state.SkipWithError(specs.status().ToString().c_str());
    return;
  }
  const std::vector<SegmentView> views = c.Views();
  size_t bytes = 0;
  for (auto _ : state) {
    AggregationCollector collector(&specs.value());
    for (const SegmentView& view : views) {
      collector.SetSegment(view);
      for (uint32_t doc = 0; doc < view.doc_count(); ++doc) {
        if (view.IsLive(doc)) collector.Collect(doc, 1.0f);
      }
    }
    const std::string json = AggregationsToJson(*specs, collector.Finish());
    bytes = json.size();
    benchmark::DoNotOptimize(json);
  }
  state.counters["json_bytes"] = static_cast<double>(bytes);
}

void BM_Terms100kKeywordsTop10(benchmark::State& state) {
  RunAggs(state, R"({"top":{"terms":{"field":"sku","size":10}}})");
}
BENCHMARK(BM_Terms100kKeywordsTop10)->Unit(benchmark::kMillisecond);

void BM_DateHistogramDay(benchmark::State& state) {
  RunAggs(state, R"({"d":{"date_histogram":{"field":"at","calendar_interval":"day"}}})");
}
BENCHMARK(BM_DateHistogramDay)->Unit(benchmark::kMillisecond);

void BM_DateHistogramHourWithAvg(benchmark::State& state) {
  RunAggs(state, R"({"h":{"date_histogram":{"field":"at","fixed_interval":"1h","time_zone":"+02:00"},
                          "aggs":{"b":{"avg":{"field":"bytes"}}}}})");
}
BENCHMARK(BM_DateHistogramHourWithAvg)->Unit(benchmark::kMillisecond);

// A named zone: offsets change twice in the year (the timestamps come in no
// order, so the rounding keeps the few offset periods it saw).
void BM_DateHistogramDayParis(benchmark::State& state) {
  RunAggs(state, R"({"d":{"date_histogram":{"field":"at","calendar_interval":"day","time_zone":"Europe/Paris"}}})");
}
BENCHMARK(BM_DateHistogramDayParis)->Unit(benchmark::kMillisecond);

void BM_DateHistogramHourWithAvgParis(benchmark::State& state) {
  RunAggs(state, R"({"h":{"date_histogram":{"field":"at","fixed_interval":"1h","time_zone":"Europe/Paris"},
                          "aggs":{"b":{"avg":{"field":"bytes"}}}}})");
}
BENCHMARK(BM_DateHistogramHourWithAvgParis)->Unit(benchmark::kMillisecond);

void BM_DateHistogramMonthTopSkus(benchmark::State& state) {
  RunAggs(state, R"({"m":{"date_histogram":{"field":"at","calendar_interval":"month"},
                          "aggs":{"top":{"terms":{"field":"sku","size":5}}}}})");
}
BENCHMARK(BM_DateHistogramMonthTopSkus)->Unit(benchmark::kMillisecond);

void BM_HistogramAndExtendedStats(benchmark::State& state) {
  RunAggs(state, R"({"h":{"histogram":{"field":"bytes","interval":65536}},"s":{"extended_stats":{"field":"bytes"}}})");
}
BENCHMARK(BM_HistogramAndExtendedStats)->Unit(benchmark::kMillisecond);

// 100k distinct skus: past the default threshold (3000), a HyperLogLog.
void BM_Cardinality100kKeywords(benchmark::State& state) {
  RunAggs(state, R"({"c":{"cardinality":{"field":"sku"}}})");
}
BENCHMARK(BM_Cardinality100kKeywords)->Unit(benchmark::kMillisecond);

void BM_PercentilesOfANumber(benchmark::State& state) {
  RunAggs(state, R"({"p":{"percentiles":{"field":"bytes"}}})");
}
BENCHMARK(BM_PercentilesOfANumber)->Unit(benchmark::kMillisecond);

void BM_DateHistogramDayWithPercentiles(benchmark::State& state) {
  RunAggs(state, R"({"d":{"date_histogram":{"field":"at","calendar_interval":"day"},
                          "aggs":{"p":{"percentiles":{"field":"bytes","percents":[50,99]}}}}})");
}
BENCHMARK(BM_DateHistogramDayWithPercentiles)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace holdfast::search
