// document_parse_bench: throughput of DocumentParser on realistic documents
// (e-commerce products and news articles), generated deterministically.
// Reports documents/s (docs_per_second) and input bytes/s (bytes_per_second).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "index/mapping/document_parser.h"
#include "index/mapping/mapping_parser.h"

namespace holdfast::mapping {
namespace {

// A small deterministic generator (xorshift64*), so every run sees the same documents.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 2685821657736338717ULL;
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

constexpr const char* kWords[] = {
    "wireless", "headphones", "noise", "cancelling", "bluetooth", "over", "ear", "with",
    "microphone", "deep", "bass", "comfortable", "protein", "lightweight", "travel", "case",
    "stainless", "steel", "water", "bottle", "insulated", "leak", "proof", "running", "shoes",
    "men", "women", "breathable", "mesh", "cushioned", "the", "and", "for", "of", "market",
    "policy", "government", "announced", "report", "growth", "quarter", "city", "council",
    "climate", "energy", "prices", "students", "university", "research", "team", "über",
    "café", "naïve", "\\\"quoted\\\"", "smart", "watch", "fitness", "tracker", "heart", "rate"};
constexpr const char* kBrands[] = {"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark"};
constexpr const char* kCategories[] = {"electronics", "sports", "home", "kitchen", "fashion"};

std::string Words(Rng& rng, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i) out += ' ';
    out += kWords[rng.Below(std::size(kWords))];
  }
  return out;
}

std::string Date(Rng& rng) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "20%02zu-%02zu-%02zuT%02zu:%02zu:%02zuZ", 10 + rng.Below(15),
                1 + rng.Below(12), 1 + rng.Below(28), rng.Below(24), rng.Below(60), rng.Below(60));
  return buf;
}

std::string Product(Rng& rng, size_t i) {
  std::string d = "{\"sku\":\"SKU-" + std::to_string(100000 + i) + "\"";
  d += ",\"title\":\"" + Words(rng, 4 + rng.Below(6)) + "\"";
  d += ",\"description\":\"" + Words(rng, 30 + rng.Below(40)) + "\"";
  d += ",\"brand\":\"" + std::string(kBrands[rng.Below(std::size(kBrands))]) + "\"";
  d += ",\"categories\":[\"" + std::string(kCategories[rng.Below(std::size(kCategories))]) +
       "\",\"" + kCategories[rng.Below(std::size(kCategories))] + "\"]";
  d += ",\"price\":" + std::to_string(rng.Below(100000) / 100.0).substr(0, 6);
  d += ",\"stock\":" + std::to_string(rng.Below(500));
  d += ",\"in_stock\":" + std::string(rng.Below(4) ? "true" : "false");
  d += ",\"rating\":" + std::to_string(1 + rng.Below(40) / 10.0).substr(0, 3);
  d += ",\"created\":\"" + Date(rng) + "\"";
  d += ",\"seller\":{\"name\":\"" + std::string(kBrands[rng.Below(std::size(kBrands))]) +
       " Store\",\"country\":\"NO\",\"score\":" + std::to_string(rng.Below(100)) + "}";
  d += ",\"attributes\":{\"color\":\"red\",\"size\":\"M\",\"weight_g\":" +
       std::to_string(rng.Below(2000)) + "}";
  d += "}";
  return d;
}

std::string Article(Rng& rng, size_t i) {
  std::string d = "{\"headline\":\"" + Words(rng, 8 + rng.Below(6)) + "\"";
  d += ",\"body\":\"" + Words(rng, 300 + rng.Below(300)) + "\"";
  d += ",\"author\":{\"name\":\"Author " + std::to_string(rng.Below(200)) +
       "\",\"email\":\"a" + std::to_string(i) + "@example.com\"}";
  d += ",\"tags\":[\"" + Words(rng, 1) + "\",\"" + Words(rng, 1) + "\",\"" + Words(rng, 1) + "\"]";
  d += ",\"published\":\"" + Date(rng) + "\",\"views\":" + std::to_string(rng.Below(1000000));
  d += ",\"premium\":" + std::string(rng.Below(3) ? "false" : "true") + "}";
  return d;
}

constexpr const char* kProductMapping = R"({"properties": {
  "sku": {"type": "keyword"},
  "title": {"type": "text", "analyzer": "english",
            "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
  "description": {"type": "text", "analyzer": "english"},
  "brand": {"type": "keyword"}, "categories": {"type": "keyword"},
  "price": {"type": "scaled_float"}, "stock": {"type": "integer"},
  "in_stock": {"type": "boolean"}, "rating": {"type": "float"}, "created": {"type": "date"},
  "seller": {"properties": {"name": {"type": "keyword"}, "country": {"type": "keyword"},
                            "score": {"type": "long"}}},
  "attributes": {"dynamic": true, "properties": {}}
}})";

std::vector<std::string> MakeDocs(bool articles) {
  Rng rng(articles ? 0x5eed : 0xbeef);
  std::vector<std::string> docs;
  for (size_t i = 0; i < 1000; ++i) docs.push_back(articles ? Article(rng, i) : Product(rng, i));
  return docs;
}

// Parses `docs` round-robin against `mapping`, merging dynamic fields once so
// the steady state is measured (as on a live index).
void RunParse(benchmark::State& state, const std::vector<std::string>& docs, Mapping mapping) {
  DocumentParser parser;
  ParsedDocument doc;
  {
    MappingUpdate update;
    for (const std::string& source : docs) {
      if (!parser.Parse(mapping, "warmup", source, &doc, &update).ok()) {
        state.SkipWithError("document refused");
        return;
      }
    }
    Result<std::shared_ptr<const Mapping>> merged = mapping.Merge(update);
    if (!merged.ok()) {
      state.SkipWithError("merge refused");
      return;
    }
    mapping = *merged.value();
  }
  size_t i = 0, bytes = 0, values = 0;
  MappingUpdate update;
  for (auto _ : state) {
    const std::string& source = docs[i++ % docs.size()];
    Status status = parser.Parse(mapping, "id", source, &doc, &update);
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      return;
    }
    bytes += source.size();
    values += doc.fields().size();
    benchmark::DoNotOptimize(doc.fields().data());
  }
  state.counters["docs_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["values_per_doc"] =
      static_cast<double>(values) / static_cast<double>(std::max<size_t>(1, state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_ParseProducts(benchmark::State& state) {
  static const std::vector<std::string> docs = MakeDocs(false);
  RunParse(state, docs, ParseMapping(kProductMapping).value());
}
BENCHMARK(BM_ParseProducts);

void BM_ParseArticlesDynamic(benchmark::State& state) {
  static const std::vector<std::string> docs = MakeDocs(true);
  RunParse(state, docs, Mapping());
}
BENCHMARK(BM_ParseArticlesDynamic);

// First sight of every field: dynamic detection and a new MappingUpdate per document.
void BM_ParseProductsUnmapped(benchmark::State& state) {
  static const std::vector<std::string> docs = MakeDocs(false);
  DocumentParser parser;
  ParsedDocument doc;
  Mapping empty;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    MappingUpdate update;
    const std::string& source = docs[i++ % docs.size()];
    if (!parser.Parse(empty, "id", source, &doc, &update).ok()) {
      state.SkipWithError("document refused");
      return;
    }
    bytes += source.size();
    benchmark::DoNotOptimize(update.fields.data());
  }
  state.counters["docs_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ParseProductsUnmapped);

}  // namespace
}  // namespace holdfast::mapping
