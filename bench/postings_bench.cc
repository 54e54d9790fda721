// Micro-benchmarks of index/codec/: block decode (vs StreamVByte), NextDoc over
// a 1M-doc posting list, Advance-driven intersection, term dictionary Seek.
//
//   ./postings_bench --benchmark_counters_tabular=true
//
// Throughputs are reported as items_per_second (ints, docs or lookups).
#include <benchmark/benchmark.h>
#include <streamvbyte.h>
#include <streamvbytedelta.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "index/codec/block_codec.h"
#include "index/codec/postings_iterator.h"
#include "index/codec/postings_writer.h"
#include "index/codec/term_dictionary_reader.h"
#include "index/codec/term_dictionary_writer.h"

namespace holdfast::codec {
namespace {

// Doc ids with gaps that need about `bits` bits, starting after doc 0.
std::vector<uint32_t> DocsWithGapBits(size_t n, int bits, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint32_t> docs(n);
  uint32_t d = 0;
  const uint32_t max_gap = bits == 0 ? 1 : (1u << bits);
  for (auto& x : docs) x = d += 1 + rng() % max_gap;
  return docs;
}

constexpr int kBlocks = 1024;  // 128K ints per iteration, fits in L2

void BM_DecodeDocBlock(benchmark::State& state) {
  const int bits = static_cast<int>(state.range(0));
  const auto docs = DocsWithGapBits(kBlocks * kBlockSize, bits, 1);
  std::string bytes;
  for (int b = 0; b < kBlocks; ++b) {
    EncodeDocBlock(&docs[b * kBlockSize], kBlockSize, b == 0 ? 0xffffffff : docs[b * kBlockSize - 1], &bytes);
  }
  alignas(16) uint32_t out[kBlockSize];
  for (auto _ : state) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
    const uint8_t* end = p + bytes.size();
    uint32_t prev = 0xffffffff;
    for (int b = 0; b < kBlocks; ++b) {
      p = DecodeDocBlock(p, end, kBlockSize, prev, out);
      prev = out[kBlockSize - 1];
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * kBlocks * kBlockSize);
  state.counters["bytes/int"] = static_cast<double>(bytes.size()) / (kBlocks * kBlockSize);
}
BENCHMARK(BM_DecodeDocBlock)->Arg(1)->Arg(4)->Arg(7)->Arg(10)->Arg(16);

// The alternative we measured against: StreamVByte with its fused delta decode.
void BM_StreamVByteDeltaDecode(benchmark::State& state) {
  const int bits = static_cast<int>(state.range(0));
  const auto docs = DocsWithGapBits(kBlocks * kBlockSize, bits, 1);
  std::vector<uint8_t> bytes(streamvbyte_max_compressedbytes(kBlockSize) * kBlocks);
  std::vector<size_t> offsets;
  size_t size = 0;
  for (int b = 0; b < kBlocks; ++b) {
    offsets.push_back(size);
    size += streamvbyte_delta_encode(&docs[b * kBlockSize], kBlockSize, bytes.data() + size,
                                     b == 0 ? 0 : docs[b * kBlockSize - 1]);
  }
  alignas(16) uint32_t out[kBlockSize];
  for (auto _ : state) {
    uint32_t prev = 0;
    for (int b = 0; b < kBlocks; ++b) {
      streamvbyte_delta_decode(bytes.data() + offsets[b], out, kBlockSize, prev);
      prev = out[kBlockSize - 1];
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * kBlocks * kBlockSize);
  state.counters["bytes/int"] = static_cast<double>(size) / (kBlocks * kBlockSize);
}
BENCHMARK(BM_StreamVByteDeltaDecode)->Arg(1)->Arg(4)->Arg(7)->Arg(10)->Arg(16);

// One term's postings over `n` docs: every doc with probability 1/stride.
std::string MakePostings(size_t n, uint32_t stride, uint32_t seed) {
  std::mt19937 rng(seed);
  PostingsWriter writer({.freqs = true, .positions = false, .norms = true});
  uint32_t doc = 0;
  for (size_t i = 0; i < n; ++i) {
    doc += 1 + (stride > 1 ? rng() % (2 * stride - 1) : 0);
    (void)writer.AddDoc(doc, 1 + rng() % 3, static_cast<uint8_t>(rng()));
  }
  std::string out;
  (void)writer.Finish(&out);
  return out;
}

void BM_NextDoc1M(benchmark::State& state) {
  const std::string bytes = MakePostings(1000000, static_cast<uint32_t>(state.range(0)), 2);
  const bool with_freq = state.range(1) != 0;
  PostingsIterator it;
  for (auto _ : state) {
    (void)it.Reset(bytes);
    uint64_t sum = 0;
    for (uint32_t d = it.NextDoc(); d != kNoMoreDocs; d = it.NextDoc()) sum += with_freq ? it.freq() : d;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * 1000000);
  state.counters["bytes/doc"] = static_cast<double>(bytes.size()) / 1e6;
}
BENCHMARK(BM_NextDoc1M)->ArgNames({"stride", "freq"})->Args({1, 0})->Args({3, 0})->Args({3, 1});

// Leapfrog intersection: the sparse list drives, the dense one Advances.
void BM_IntersectDenseSparse(benchmark::State& state) {
  const std::string dense = MakePostings(1000000, 2, 3);                                        // ~2M doc space
  const std::string sparse = MakePostings(static_cast<size_t>(state.range(0)), 2000000 / state.range(0) / 1, 4);
  PostingsIterator a;
  PostingsIterator b;
  uint64_t hits = 0;
  for (auto _ : state) {
    (void)a.Reset(dense);
    (void)b.Reset(sparse);
    hits = 0;
    uint32_t d = b.NextDoc();
    while (d != kNoMoreDocs) {
      const uint32_t x = a.Advance(d);
      if (x == d) {
        ++hits;
        d = b.NextDoc();
      } else {
        d = b.Advance(x);
      }
    }
    benchmark::DoNotOptimize(hits);
  }
  // Docs covered: the dense list is consumed (mostly skipped) as a whole.
  state.SetItemsProcessed(state.iterations() * 1000000);
  state.counters["hits"] = static_cast<double>(hits);
  state.counters["intersections/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_IntersectDenseSparse)->Arg(1000)->Arg(10000)->Arg(100000);

void BM_TermSeek(benchmark::State& state) {
  std::mt19937 rng(5);
  std::vector<std::string> terms;
  while (terms.size() < 550000) {
    std::string t;
    const size_t len = 3 + rng() % 10;
    for (size_t i = 0; i < len; ++i) t.push_back(static_cast<char>('a' + rng() % 26));
    terms.push_back(std::move(t));
  }
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  terms.resize(500000);
  TermDictionaryWriter writer;
  uint64_t offset = 0;
  for (const auto& t : terms) {
    (void)writer.Add(t, TermInfo{1, 1, offset, 10});
    offset += 10;
  }
  const std::string bytes = writer.Finish();
  auto reader = TermDictionaryReader::Open(bytes);
  std::vector<std::string> queries;
  for (int i = 0; i < 4096; ++i) {
    std::string q = terms[rng() % terms.size()];
    if (state.range(0) == 1 && i % 2 == 1) q.back() = '{';  // absent
    queries.push_back(std::move(q));
  }
  size_t i = 0;
  uint64_t found = 0;
  for (auto _ : state) {
    found += reader->Seek(queries[i++ & 4095]).ok();
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes/term"] = static_cast<double>(bytes.size()) / terms.size();
}
BENCHMARK(BM_TermSeek)->ArgName("absent_half")->Arg(0)->Arg(1);

}  // namespace
}  // namespace holdfast::codec
