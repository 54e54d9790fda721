// GET /_stats[/{metric}], /{index}/_stats[/{metric}]: Elasticsearch's index
// statistics in its shape — `_shards`, `_all` and `indices.<name>` with
// `uuid`, `primaries` and `total` — for the metrics holdfast keeps per shard:
// docs (count, deleted), store (size_in_bytes: every file of the copy),
// segments (count) and merges (total). Metrics: docs, store, segments,
// merges, _all (default); another is illegal_argument_exception.
#include <set>

#include "index/mapping/mapping_error.h"
#include "index/util/comma_list.h"
#include "server/api/api_context.h"
#include "server/api/api_errors.h"
#include "server/api/index_api_support.h"

namespace holdfast {

namespace {

struct Sums {
  uint64_t docs = 0, deleted = 0, store = 0, segments = 0, merges = 0;
  void Add(const Sums& o) {
    docs += o.docs;
    deleted += o.deleted;
    store += o.store;
    segments += o.segments;
    merges += o.merges;
  }
};

void WriteSums(JsonWriter& w, const Sums& s, const std::set<std::string>& metrics) {
  w.StartObject();
  if (metrics.count("docs")) w.Key("docs").StartObject().Field("count", s.docs).Field("deleted", s.deleted).EndObject();
  if (metrics.count("store")) w.Key("store").StartObject().Field("size_in_bytes", s.store).EndObject();
  if (metrics.count("segments")) w.Key("segments").StartObject().Field("count", s.segments).EndObject();
  if (metrics.count("merges")) w.Key("merges").StartObject().Field("total", s.merges).EndObject();
  w.EndObject();
}

HttpResponse IndexStats(ClusterIndices& registry, const HttpRequest& req) {
  static const std::set<std::string> kKnown = {"docs", "store", "segments", "merges"};
  std::set<std::string> metrics;
  for (const std::string& m : SplitCommaList(req.PathParam("metric"))) {
    if (m == "_all") {
      metrics = kKnown;
    } else if (kKnown.count(m)) {
      metrics.insert(m);
    } else {
      return ErrorFromStatus(mapping::IllegalArgumentError(
          "request [" + req.path + "] contains unrecognized metric: [" + m + "]"));
    }
  }
  if (metrics.empty()) metrics = kKnown;
  auto indices = ResolveRequestIndices(registry, req);
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  uint64_t copies = 0, read = 0, failed = 0;
  Sums all;
  std::vector<std::pair<const IndexHandle*, Sums>> per_index;
  for (const auto& index : *indices) {
    Sums sums;
    copies += uint64_t{index->num_shards()} * (1 + index->settings().number_of_replicas);
    for (uint32_t s = 0; s < index->num_shards(); ++s) {
      auto st = index->ShardStatsOf(s, /*with_store_bytes=*/metrics.count("store") > 0);
      if (!st.ok()) {
        ++failed;
        continue;
      }
      ++read;
      sums.Add({st->docs(), st->deleted_docs(), st->store_bytes(), st->segments(), st->merges_done()});
    }
    all.Add(sums);
    per_index.emplace_back(index.get(), sums);
  }
  JsonWriter w;
  w.StartObject();
  w.Key("_shards").StartObject().Field("total", copies).Field("successful", read).Field("failed", failed).EndObject();
  // `total` sums the primaries too: the statistics of a shard are read from
  // its primary copy (docs/api.md).
  w.Key("_all").StartObject().Key("primaries");
  WriteSums(w, all, metrics);
  w.Key("total");
  WriteSums(w, all, metrics);
  w.EndObject();
  w.Key("indices").StartObject();
  for (const auto& [index, sums] : per_index) {
    w.Key(index->name()).StartObject().Field("uuid", index->uuid()).Key("primaries");
    WriteSums(w, sums, metrics);
    w.Key("total");
    WriteSums(w, sums, metrics);
    w.EndObject();
  }
  w.EndObject().EndObject();
  return JsonResponse(200, w);
}

}  // namespace

void AddStatsApiRoutes(ApiContext* ctx, HttpRouter* router) {
  for (const char* pattern : {"/_stats", "/_stats/{metric}", "/{index}/_stats", "/{index}/_stats/{metric}"}) {
    router->Add(HttpMethod::kGet, pattern, "indices_stats", WithIndices(ctx, IndexStats));
  }
}

}  // namespace holdfast
