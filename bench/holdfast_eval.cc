// holdfast-eval: relevance of holdfast's ranking on a judged collection.
//
//   holdfast-eval --docs docs.jsonl --queries queries.tsv --qrels qrels.tsv
//                 [--analyzer english] [--shards 1]
//
// Indexes every document's title and text as one text field with the given
// analyzer, runs each query as a `match` (operator or) for the top 1000, and
// judges the ranking with the qrels. Prints one JSON line:
//   {"queries":N,"ndcg@10":…,"map@1000":…,"recall@100":…}
// nDCG uses graded gains (gain = grade, discount log2(rank + 1)); MAP and
// recall count every judged doc (grade >= 1) as relevant.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench/bench_corpus.h"
#include "index/mapping/mapping_parser.h"
#include "server/coordinator/search_plan.h"
#include "server/process/embedded_node.h"

using namespace holdfast;

int main(int argc, char** argv) {
  CLI::App app{"holdfast-eval: nDCG@10, MAP@1000 and recall@100 of holdfast's ranking"};
  std::string docs, queries, qrels, analyzer = "english";
  uint32_t shards = 1;
  app.add_option("--docs", docs, "docs.jsonl: {\"id\",\"title\",\"text\"} per line")->required();
  app.add_option("--queries", queries, "queries.tsv: qid<TAB>text")->required();
  app.add_option("--qrels", qrels, "qrels.tsv: qid<TAB>docid<TAB>grade")->required();
  app.add_option("--analyzer", analyzer, "analyzer of the text field")->capture_default_str();
  app.add_option("--shards", shards, "number of shards")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto mapping = mapping::ParseMapping(R"({"properties":{"body":{"type":"text","analyzer":)" +
                                       bench::JsonString(analyzer) + "}}}");
  if (!mapping.ok()) {
    std::fprintf(stderr, "holdfast-eval: %s\n", mapping.status().ToString().c_str());
    return 2;
  }
  bench::ScratchDir scratch;
  IndexSettings settings;
  settings.number_of_shards = shards;
  settings.number_of_replicas = 0;
  settings.refresh_interval = std::chrono::milliseconds(0);
  settings.durability = Durability::kAsync;
  EmbeddedNodeOptions node_options;
  node_options.data_dir = scratch.path() + "/node";
  auto node = EmbeddedNode::Open(node_options);
  if (!node.ok()) {
    std::fprintf(stderr, "holdfast-eval: %s\n", node.status().ToString().c_str());
    return 1;
  }
  auto index = (*node)->indices().Create("eval", settings, std::make_shared<const mapping::Mapping>(std::move(mapping).value()));
  if (!index.ok()) {
    std::fprintf(stderr, "holdfast-eval: %s\n", index.status().ToString().c_str());
    return 1;
  }
  std::vector<WriteRequest> batch;
  auto flush_batch = [&] {
    for (const WriteResult& r : (*index)->Write(batch)) {
      if (!r.status.ok()) std::fprintf(stderr, "holdfast-eval: indexing: %s\n", r.status.ToString().c_str());
    }
    batch.clear();
  };
  Status s = bench::ForEachDoc(docs, [&](std::string id, std::string title, std::string text) {
    batch.push_back({WriteOpType::kIndex, std::move(id),
                     "{\"body\":" + bench::JsonString(title + "\n" + text) + "}", {}, {}});
    if (batch.size() == 1000) flush_batch();
  });
  flush_batch();
  if (!s.ok() || !(*index)->Refresh().ok()) {
    std::fprintf(stderr, "holdfast-eval: %s\n", s.ToString().c_str());
    return 1;
  }
  auto query_list = bench::ReadQueries(queries);
  auto judgements = bench::ReadQrels(qrels);
  if (!query_list.ok() || !judgements.ok()) {
    std::fprintf(stderr, "holdfast-eval: cannot read queries or qrels\n");
    return 1;
  }
  double ndcg_sum = 0, ap_sum = 0, recall_sum = 0;
  size_t judged_queries = 0;
  for (const bench::Query& q : query_list.value()) {
    auto it = judgements->find(q.id);
    if (it == judgements->end() || it->second.empty()) continue;
    const auto& grades = it->second;
    // Through the server's coordinator: statistics over every shard, query, merge.
    SearchRequest request;
    request.query_json = "{\"match\":{\"body\":" + bench::JsonString(q.text) + "}}";
    request.size = 1000;
    request.track_total_hits = 0;
    auto plan = SearchPlan::Build(request, {{"eval", *index}});
    Result<QueryPhaseResult> result = plan.ok() ? plan.value()->RunQueryPhase(0, 1000, false, (*node)->search_pool(), nullptr)
                                                : Result<QueryPhaseResult>(plan.status());
    if (!result.ok()) {
      std::fprintf(stderr, "holdfast-eval: query %s: %s\n", q.id.c_str(), result.status().ToString().c_str());
      return 1;
    }
    std::vector<int> ranked;  // grade per rank (0 = not judged relevant)
    for (const PlanHit& h : result->hits) {
      auto g = grades.find(h.id);
      ranked.push_back(g == grades.end() ? 0 : g->second);
    }
    std::vector<int> ideal;
    for (const auto& [doc, grade] : grades) ideal.push_back(grade);
    std::sort(ideal.rbegin(), ideal.rend());
    double dcg = 0, idcg = 0;
    for (size_t i = 0; i < 10; ++i) {
      if (i < ranked.size()) dcg += ranked[i] / std::log2(static_cast<double>(i) + 2);
      if (i < ideal.size()) idcg += ideal[i] / std::log2(static_cast<double>(i) + 2);
    }
    ndcg_sum += idcg > 0 ? dcg / idcg : 0;
    size_t hits = 0, hits100 = 0;
    double precision_sum = 0;
    for (size_t i = 0; i < ranked.size(); ++i) {
      if (ranked[i] <= 0) continue;
      ++hits;
      if (i < 100) ++hits100;
      precision_sum += static_cast<double>(hits) / static_cast<double>(i + 1);
    }
    ap_sum += precision_sum / static_cast<double>(grades.size());
    recall_sum += static_cast<double>(hits100) / static_cast<double>(grades.size());
    ++judged_queries;
  }
  const double n = std::max<size_t>(judged_queries, 1);
  std::printf("{\"queries\":%zu,\"ndcg@10\":%.4f,\"map@1000\":%.4f,\"recall@100\":%.4f}\n", judged_queries,
              ndcg_sum / n, ap_sum / n, recall_sum / n);
  return 0;
}
