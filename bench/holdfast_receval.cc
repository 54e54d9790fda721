// holdfast-receval: next-basket recommendation quality on Online Retail,
// exactly as ../shared/data/online-retail/EVAL.md defines it.
//
//   holdfast-receval --events events.tsv [--products products.jsonl]
//                    [--shards 1] [--json] [--setting name=value ...]
//
// The train events (ts < cutoff) go through holdfast's own event ingestion
// (IndexHandle::IngestEvents, through the shard clients as the HTTP API
// does; durable, 1,000 events per request, in file order) into an index that also holds the products as documents; every test
// user's list comes from holdfast's recommend path (Recommend with the
// candidate filter the HTTP API uses), decayed to the cutoff:
//   variant a: ?user=U (own items allowed)
//   variant b: ?user=U&exclude_seen=true plus every item U bought in train
// and is padded as EVAL.md says (popularity order, skipping excluded and
// listed items). Items with exactly equal scores are ordered by EVAL.md's
// popularity order. The popularity baseline is computed here on the same
// split. Prints a table (or, with --json, one JSON object per line with
// recommender, variant, users, hr@10, recall@10, ndcg@10, coverage@10), and
// on stderr the ingestion rate and recommend latencies.
#include <CLI/CLI.hpp>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "bench/bench_corpus.h"
#include "index/mapping/date_parser.h"
#include "index/recommend/recommend_model.h"
#include "server/process/embedded_node.h"

using namespace holdfast;

namespace {

constexpr char kCutoff[] = "2011-11-01T00:00:00Z";
constexpr char kPopularWindow[] = "2011-10-02T00:00:00Z";
constexpr size_t kListSize = 10;

struct Line {
  std::string user, item, ts;
};

struct Metrics {
  size_t users = 0;
  double hr = 0, recall = 0, ndcg = 0;
  std::set<std::string> covered;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "holdfast-receval: %s\n", message.c_str());
  return 1;
}

int64_t Millis(const std::string& ts) {
  int64_t ms = 0;
  mapping::ParseDate(ts, mapping::DateFormatList::Default(), &ms);
  return ms;
}

// One list scored against its targets (EVAL.md "Metrics").
void Score(const std::vector<std::string>& list, const std::set<std::string>& targets, Metrics* m) {
  size_t hits = 0;
  double dcg = 0, idcg = 0;
  for (size_t r = 0; r < list.size(); ++r) {
    if (targets.count(list[r])) {
      ++hits;
      dcg += 1.0 / std::log2(static_cast<double>(r) + 2.0);
    }
  }
  for (size_t r = 0; r < std::min(kListSize, targets.size()); ++r) idcg += 1.0 / std::log2(static_cast<double>(r) + 2.0);
  m->users += 1;
  m->hr += hits > 0 ? 1.0 : 0.0;
  m->recall += static_cast<double>(hits) / static_cast<double>(targets.size());
  m->ndcg += idcg > 0 ? dcg / idcg : 0;
  m->covered.insert(list.begin(), list.end());
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"holdfast-receval: HR@10, Recall@10, NDCG@10, coverage@10 on Online Retail (EVAL.md)"};
  std::string events_path, products_path;
  uint32_t shards = 1;
  bool json = false;
  std::vector<std::string> overrides;
  app.add_option("--events", events_path, "events.tsv (user item ts type quantity)")->required();
  app.add_option("--products", products_path, "products.jsonl (default: next to events.tsv)");
  app.add_option("--shards", shards, "number of shards")->capture_default_str();
  app.add_flag("--json", json, "one JSON object per line");
  app.add_option("--setting", overrides, "index.recommend.* override, name=value (e.g. popularity_weight=0.3)");
  CLI11_PARSE(app, argc, argv);
  if (products_path.empty()) {
    const size_t slash = events_path.rfind('/');
    products_path = (slash == std::string::npos ? std::string() : events_path.substr(0, slash + 1)) + "products.jsonl";
  }

  // --- Read the events; split (EVAL.md "Split").
  std::ifstream in(events_path);
  if (!in) return Fail("cannot read " + events_path);
  std::string text;
  std::getline(in, text);  // header
  std::vector<Line> train;
  std::map<std::string, std::string> first_test_ts;               // user → smallest ts >= cutoff
  std::vector<Line> test;
  while (std::getline(in, text)) {
    std::vector<std::string> cols;
    size_t pos = 0;
    for (size_t tab; (tab = text.find('\t', pos)) != std::string::npos; pos = tab + 1) cols.push_back(text.substr(pos, tab - pos));
    cols.push_back(text.substr(pos));
    if (cols.size() < 3) return Fail("bad line in " + events_path + ": " + text);
    Line l{cols[0], cols[1], cols[2]};
    if (l.ts < kCutoff) {
      train.push_back(std::move(l));
    } else {
      auto [it, inserted] = first_test_ts.try_emplace(l.user, l.ts);
      if (!inserted && l.ts < it->second) it->second = l.ts;
      test.push_back(std::move(l));
    }
  }
  std::unordered_map<std::string, std::unordered_set<std::string>> bought;  // train items per user
  std::unordered_map<std::string, std::set<std::string>> users_all, users_recent;  // item → users
  std::set<std::string> catalogue;
  for (const Line& l : train) {
    bought[l.user].insert(l.item);
    catalogue.insert(l.item);
    users_all[l.item].insert(l.user);
    if (l.ts >= kPopularWindow) users_recent[l.item].insert(l.user);
  }
  std::map<std::string, std::set<std::string>> targets;  // test user → target basket
  for (const Line& l : test) {
    if (bought.count(l.user) && first_test_ts[l.user] == l.ts) targets[l.user].insert(l.item);
  }
  // EVAL.md popularity order.
  std::vector<std::string> popular(catalogue.begin(), catalogue.end());
  std::sort(popular.begin(), popular.end(), [&](const std::string& a, const std::string& b) {
    const size_t ra = users_recent[a].size(), rb = users_recent[b].size();
    if (ra != rb) return ra > rb;
    const size_t aa = users_all[a].size(), ab = users_all[b].size();
    if (aa != ab) return aa > ab;
    return a < b;
  });
  std::unordered_map<std::string, size_t> pop_rank;
  for (size_t i = 0; i < popular.size(); ++i) pop_rank[popular[i]] = i;
  auto rank_of = [&](const std::string& item) {
    auto it = pop_rank.find(item);
    return it == pop_rank.end() ? popular.size() : it->second;
  };
  std::fprintf(stderr, "split: %zu train lines, catalogue %zu, %zu test users\n", train.size(), catalogue.size(), targets.size());

  // --- The index: products as documents, recommend settings.
  IndexMetadata meta;
  meta.settings.number_of_shards = shards;
  meta.settings.number_of_replicas = 0;
  meta.settings.refresh_interval = std::chrono::milliseconds(0);
  meta.settings.durability = Durability::kRequest;
  for (const std::string& o : overrides) {
    const size_t eq = o.find('=');
    if (eq == std::string::npos) return Fail("--setting wants name=value: " + o);
    const std::string name = o.substr(0, eq);
    const double v = std::strtod(o.c_str() + eq + 1, nullptr);
    recommend::RecommendSettings& r = meta.settings.recommend;
    if (name == "popularity_weight") r.popularity_weight = v;
    else if (name == "own_weight") r.own_weight = v;
    else if (name == "own_smoothing") r.own_smoothing = v;
    else if (name == "cooccurrence_weight") r.cooccurrence_weight = v;
    else if (name == "alpha") r.alpha = v;
    else if (name == "history_size") r.history_size = static_cast<uint32_t>(v);
    else if (name == "profile_size") r.profile_size = static_cast<uint32_t>(v);
    else if (name == "profile_decay") r.profile_decay = v;
    else if (name == "popularity_half_life_days") r.popularity_half_life_ms = static_cast<int64_t>(v * 86400000.0);
    else if (name == "pair_window") r.pair_window = static_cast<uint32_t>(v);
    else if (name == "pair_new") r.pair_new = v;
    else if (name == "pair_same") r.pair_same = v;
    else return Fail("unknown --setting " + name);
  }
  bench::ScratchDir scratch;
  EmbeddedNodeOptions node_options;
  node_options.data_dir = scratch.path() + "/node";
  auto node = EmbeddedNode::Open(node_options);
  if (!node.ok()) return Fail(node.status().ToString());
  auto created = (*node)->indices().Create("retail", meta.settings, std::make_shared<const mapping::Mapping>());
  if (!created.ok()) return Fail(created.status().ToString());
  const IndexHandle& index = **created;
  {
    std::ifstream products(products_path);
    if (!products) return Fail("cannot read " + products_path);
    std::vector<WriteRequest> batch;
    auto flush = [&]() -> bool {
      for (const WriteResult& r : index.Write(batch)) {
        if (!r.status.ok()) return false;
      }
      batch.clear();
      return true;
    };
    while (std::getline(products, text)) {
      rapidjson::Document d;
      d.Parse(text.c_str());
      if (d.HasParseError() || !d.IsObject() || !d.HasMember("id") || !d["id"].IsString()) continue;
      batch.push_back({WriteOpType::kIndex, d["id"].GetString(), text, {}, {}});
      if (batch.size() == 1000 && !flush()) return Fail("indexing products failed");
    }
    if (!flush() || !index.Refresh().ok()) return Fail("indexing products failed");
  }

  // --- Ingest the train events, durable, 1,000 per request.
  std::vector<recommend::Event> batch;
  size_t refused = 0;
  bench::Stopwatch ingest_clock;
  auto ingest = [&] {
    for (const Status& s : index.IngestEvents(batch, nullptr)) refused += !s.ok();
    batch.clear();
  };
  for (const Line& l : train) {
    batch.push_back({l.user, l.item, recommend::EventType::kPurchase, Millis(l.ts), 1.0});
    if (batch.size() == 1000) ingest();
  }
  ingest();
  const double ingest_s = ingest_clock.seconds();
  if (refused > 0) return Fail(std::to_string(refused) + " events refused");
  std::fprintf(stderr, "ingest: %zu events in %.2f s = %.0f events/s (durable, %u shard%s)\n", train.size(), ingest_s,
               static_cast<double>(train.size()) / ingest_s, shards, shards == 1 ? "" : "s");

  // --- Lists per test user.
  const int64_t now = Millis(kCutoff);
  pb::SearchSource match_all;
  match_all.set_query_json(R"({"match_all":{}})");
  auto filter = [&index, &match_all](const std::vector<std::string>& ids) { return index.MatchingIds(match_all, ids); };
  auto pad = [&](std::vector<std::string> list, const std::unordered_set<std::string>* excluded) {
    std::unordered_set<std::string> in_list(list.begin(), list.end());
    for (const std::string& item : popular) {
      if (list.size() >= kListSize) break;
      if (in_list.count(item) || (excluded && excluded->count(item))) continue;
      list.push_back(item);
      in_list.insert(item);
    }
    return list;
  };
  Metrics ours[2], pop[2];
  std::vector<double> user_latency_us;
  for (const auto& [user, basket] : targets) {
    const std::unordered_set<std::string>& own = bought[user];
    for (int variant = 0; variant < 2; ++variant) {
      std::set<std::string> t = basket;
      if (variant == 1) {
        for (auto it = t.begin(); it != t.end();) it = own.count(*it) ? t.erase(it) : std::next(it);
        if (t.empty()) continue;
      }
      recommend::RecommendRequest req;
      req.user = user;
      req.size = kListSize;
      req.now_ms = now;
      req.fallback_popular = false;
      req.filter = filter;
      if (variant == 1) {
        req.exclude_seen = true;
        req.exclude.assign(own.begin(), own.end());
      }
      bench::Stopwatch clock;
      auto got = index.Recommend(req);
      user_latency_us.push_back(clock.seconds() * 1e6);
      if (!got.ok()) return Fail(got.status().ToString());
      std::vector<std::pair<double, std::string>> scored;
      for (const auto& r : got->items) scored.emplace_back(r.score, r.item);
      std::stable_sort(scored.begin(), scored.end(), [&](const auto& a, const auto& b) {
        if (a.first != b.first) return a.first > b.first;
        return rank_of(a.second) < rank_of(b.second);
      });
      std::vector<std::string> list;
      for (auto& [score, item] : scored) list.push_back(std::move(item));
      Score(pad(std::move(list), variant == 1 ? &own : nullptr), t, &ours[variant]);
      Score(pad({}, variant == 1 ? &own : nullptr), t, &pop[variant]);
    }
  }

  // --- Item requests ("also bought"), for throughput: the 1,000 most popular items.
  std::vector<double> item_latency_us;
  for (size_t i = 0; i < std::min<size_t>(1000, popular.size()); ++i) {
    recommend::RecommendRequest req;
    req.item = popular[i];
    req.size = kListSize;
    req.now_ms = now;
    req.filter = filter;
    bench::Stopwatch clock;
    auto got = index.Recommend(req);
    item_latency_us.push_back(clock.seconds() * 1e6);
    if (!got.ok()) return Fail(got.status().ToString());
  }
  auto qps = [](const std::vector<double>& us) {
    double total = 0;
    for (double x : us) total += x;
    return total > 0 ? 1e6 * static_cast<double>(us.size()) / total : 0.0;
  };
  std::fprintf(stderr, "recommend ?user: %zu requests, %.0f QPS, p50 %.0f us, p99 %.0f us\n", user_latency_us.size(),
               qps(user_latency_us), Percentile(user_latency_us, 0.5), Percentile(user_latency_us, 0.99));
  std::fprintf(stderr, "recommend ?item: %zu requests, %.0f QPS, p50 %.0f us, p99 %.0f us\n", item_latency_us.size(),
               qps(item_latency_us), Percentile(item_latency_us, 0.5), Percentile(item_latency_us, 0.99));

  // --- Report.
  const double catalogue_size = static_cast<double>(catalogue.size());
  auto row = [&](const char* name, const char* variant, const Metrics& m) {
    const double n = static_cast<double>(std::max<size_t>(m.users, 1));
    if (json) {
      std::printf("{\"recommender\":\"%s\",\"variant\":\"%s\",\"users\":%zu,\"hr@10\":%.4f,\"recall@10\":%.4f,"
                  "\"ndcg@10\":%.4f,\"coverage@10\":%.4f}\n",
                  name, variant, m.users, m.hr / n, m.recall / n, m.ndcg / n,
                  static_cast<double>(m.covered.size()) / catalogue_size);
    } else {
      std::printf("%-24s %-7s %6zu %8.4f %10.4f %8.4f %12.4f\n", name, variant, m.users, m.hr / n, m.recall / n,
                  m.ndcg / n, static_cast<double>(m.covered.size()) / catalogue_size);
    }
  };
  if (!json) {
    std::printf("%-24s %-7s %6s %8s %10s %8s %12s\n", "recommender", "variant", "users", "HR@10", "Recall@10", "NDCG@10",
                "coverage@10");
  }
  for (int v = 0; v < 2; ++v) {
    row("holdfast-personalized", v == 0 ? "a" : "b", ours[v]);
    row("popularity", v == 0 ? "a" : "b", pop[v]);
  }
  return 0;
}
