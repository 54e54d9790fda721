// The fetch phase of a search page: reading the `_source`s of its hits from
// a shard store. 200k documents of ~850 bytes (random words, like the
// benchmark corpus of ../shared/tools/gen_corpus.py), written in batches
// and compacted into the last level, as a settled index, with a 64 MB source
// cache. Each iteration reads the records of 10 random ids — one point read
// each (through the block cache), or one batched read (ShardStore::
// GetRecords, through the record cache too) — and reports documents per
// second. Ids are drawn from all documents (the caches hold a fraction) or
// from 5,000 hot ones (held after the first reads).
//
//   fetch_bench --benchmark_filter=Page
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_corpus.h"
#include "index/shard/shard_store.h"

namespace holdfast {
namespace {

constexpr int kDocs = 200000;
constexpr int kPage = 10;

class Store {
 public:
  static Store& Get() {
    static Store store;
    return store;
  }
  const ShardStore& store() const { return *store_; }
  std::string RandomId(std::mt19937_64* rng, int among = kDocs) const {
    return std::to_string(std::uniform_int_distribution<int>(0, among - 1)(*rng));
  }

 private:
  Store() {
    ShardStoreOptions options;
    options.durability = Durability::kAsync;
    options.source_cache = NewSourceCache(64u << 20);
    auto opened = ShardStore::Open(dir_.path() + "/store", options);
    if (!opened.ok()) std::abort();
    store_ = std::move(opened).value();
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<int> letter(0, 25), length(3, 11);
    std::vector<ShardOp> batch;
    for (int i = 0; i < kDocs; ++i) {
      ShardOp op;
      op.id = std::to_string(i);
      op.stamp = {1, i};
      op.version = 1;
      op.source = "{\"body\":\"";
      while (op.source.size() < 850) {
        for (int n = length(rng); n > 0; --n) op.source.push_back(static_cast<char>('a' + letter(rng)));
        op.source.push_back(' ');
      }
      op.source += "\"}";
      batch.push_back(std::move(op));
      if (batch.size() == 1000) {
        if (!store_->Write(batch).ok()) std::abort();
        batch.clear();
      }
    }
    if (!store_->Write(batch).ok() || !store_->Compact().ok()) std::abort();
  }
  bench::ScratchDir dir_;
  std::unique_ptr<ShardStore> store_;
};

void BM_PagePointReads(benchmark::State& state) {
  const Store& s = Store::Get();
  std::mt19937_64 rng(7);
  size_t bytes = 0;
  for (auto _ : state) {
    for (int i = 0; i < kPage; ++i) {
      auto r = s.store().GetRecord(s.RandomId(&rng, static_cast<int>(state.range(0))));
      if (r.ok()) bytes += r->source.size();
    }
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(state.iterations() * kPage);
}
BENCHMARK(BM_PagePointReads)->Arg(kDocs)->Arg(5000);

void BM_PageBatchedRead(benchmark::State& state) {
  const Store& s = Store::Get();
  std::mt19937_64 rng(7);
  size_t bytes = 0;
  std::vector<std::string> ids(kPage);
  std::vector<std::string_view> views(kPage);
  std::vector<std::optional<DocRecord>> out;
  for (auto _ : state) {
    for (int i = 0; i < kPage; ++i) {
      ids[i] = s.RandomId(&rng, static_cast<int>(state.range(0)));
      views[i] = ids[i];
    }
    if (!s.store().GetRecords(views, &out).ok()) std::abort();
    for (const auto& r : out) bytes += r ? r->source.size() : 0;
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(state.iterations() * kPage);
}
BENCHMARK(BM_PageBatchedRead)->Arg(kDocs)->Arg(5000);

}  // namespace
}  // namespace holdfast
