// GET /_cat/indices[/{index}] and /_cat/shards[/{index}]: Elasticsearch's
// compact tables. Text with aligned columns (numbers and sizes right-aligned,
// ?v adds the header row, ?h=a,b picks columns, ?bytes=b|kb|mb|gb fixes the
// size unit) or, with ?format=json, an array of objects of strings.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "server/api_errors.h"
#include "server/index_api_support.h"
#include "server/node_config.h"

namespace holdfast {

namespace {

// "225b", "4.5kb", "1mb" like Elasticsearch's ByteSizeValue; a fixed unit
// ("b", "kb", ...) gives a bare number in it.
std::string FormatBytes(uint64_t bytes, std::string_view fixed_unit) {
  static constexpr const char* kUnits[] = {"b", "kb", "mb", "gb", "tb", "pb"};
  if (!fixed_unit.empty()) {
    for (int u = 0; u < 6; ++u) {
      if (fixed_unit == kUnits[u]) return std::to_string(bytes >> (10 * u));
    }
  }
  int unit = 0;
  double value = static_cast<double>(bytes);
  while (value >= 1024 && unit < 5) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  const double rounded = std::round(value * 10) / 10;
  if (rounded == std::floor(rounded)) {
    std::snprintf(buf, sizeof(buf), "%.0f%s", rounded, kUnits[unit]);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f%s", rounded, kUnits[unit]);
  }
  return buf;
}

// One table: named columns, rows of cells; renders as text or JSON.
class CatTable {
 public:
  struct Column {
    const char* name;
    bool right_aligned;
  };
  explicit CatTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

  void AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

  HttpResponse Render(const HttpRequest& req) const {
    std::vector<size_t> shown;
    if (req.HasQueryParam("h")) {
      const std::string h = req.QueryParam("h");
      size_t start = 0;
      while (start <= h.size()) {
        const size_t comma = std::min(h.find(',', start), h.size());
        const std::string_view name(h.data() + start, comma - start);
        for (size_t c = 0; c < columns_.size(); ++c) {
          if (name == columns_[c].name) shown.push_back(c);
        }
        start = comma + 1;
      }
    } else {
      for (size_t c = 0; c < columns_.size(); ++c) shown.push_back(c);
    }
    return req.QueryParam("format") == "json" ? Json(shown) : Text(shown, req.HasQueryParam("v"));
  }

 private:
  HttpResponse Json(const std::vector<size_t>& shown) const {
    JsonWriter w;
    w.StartArray();
    for (const auto& row : rows_) {
      w.StartObject();
      for (size_t c : shown) w.Field(columns_[c].name, row[c]);
      w.EndObject();
    }
    w.EndArray();
    return JsonResponse(200, w);
  }

  HttpResponse Text(const std::vector<size_t>& shown, bool header) const {
    std::vector<size_t> width(columns_.size(), 0);
    for (size_t c : shown) {
      if (header) width[c] = std::string_view(columns_[c].name).size();
      for (const auto& row : rows_) width[c] = std::max(width[c], row[c].size());
    }
    std::string out;
    auto line = [&](auto cell_of, bool is_header) {
      std::string text;
      for (size_t i = 0; i < shown.size(); ++i) {
        const size_t c = shown[i];
        const std::string_view cell = cell_of(c);
        const std::string pad(width[c] - cell.size(), ' ');
        if (i > 0) text += ' ';
        if (columns_[c].right_aligned && !is_header) {
          text.append(pad).append(cell);
        } else {
          text.append(cell).append(pad);
        }
      }
      while (!text.empty() && text.back() == ' ') text.pop_back();
      out.append(text).push_back('\n');
    };
    if (header) line([&](size_t c) { return std::string_view(columns_[c].name); }, true);
    for (const auto& row : rows_) line([&](size_t c) { return std::string_view(row[c]); }, false);
    HttpResponse r;
    r.content_type = "text/plain; charset=UTF-8";
    r.body = std::move(out);
    return r;
  }

  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

const char* HealthOf(const LocalIndex& index) { return index.settings().number_of_replicas > 0 ? "yellow" : "green"; }

HttpResponse CatIndices(IndexRegistry& registry, const HttpRequest& req) {
  auto indices = ResolveIndices(registry, req.PathParam("index"));
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  const std::string unit = req.QueryParam("bytes");
  CatTable table({{"health", false}, {"status", false}, {"index", false}, {"uuid", false}, {"pri", true},
                  {"rep", true}, {"docs.count", true}, {"docs.deleted", true}, {"store.size", true},
                  {"pri.store.size", true}});
  for (const auto& index : *indices) {
    const ShardStats stats = index->Stats();
    const std::string size = FormatBytes(stats.segment_bytes, unit);
    table.AddRow({HealthOf(*index), "open", index->name(), index->uuid(), std::to_string(index->num_shards()),
                  std::to_string(index->settings().number_of_replicas), std::to_string(stats.docs),
                  std::to_string(stats.deleted_docs), size, size});
  }
  return table.Render(req);
}

HttpResponse CatShards(ApiContext* ctx, IndexRegistry& registry, const HttpRequest& req) {
  auto indices = ResolveIndices(registry, req.PathParam("index"));
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  const std::string unit = req.QueryParam("bytes");
  std::string ip = "127.0.0.1", node = "holdfast";
  if (ctx->config != nullptr) {
    uint16_t port = 0;
    if (!SplitHostPort(ctx->config->http_address, &ip, &port).ok()) ip = "127.0.0.1";
    node = ctx->config->node_name;
  }
  CatTable table({{"index", false}, {"shard", true}, {"prirep", false}, {"state", false}, {"docs", true},
                  {"store", true}, {"ip", false}, {"node", false}});
  for (const auto& index : *indices) {
    for (uint32_t s = 0; s < index->num_shards(); ++s) {
      const ShardStats stats = index->shard(s).Stats();
      table.AddRow({index->name(), std::to_string(s), "p", "STARTED", std::to_string(stats.docs),
                    FormatBytes(stats.segment_bytes, unit), ip, node});
      // Replicas cannot be allocated on the node that holds the primary.
      for (uint32_t r = 0; r < index->settings().number_of_replicas; ++r) {
        table.AddRow({index->name(), std::to_string(s), "r", "UNASSIGNED", "", "", "", ""});
      }
    }
  }
  return table.Render(req);
}

}  // namespace

void AddCatApiRoutes(ApiContext* ctx, HttpRouter* router) {
  for (const char* pattern : {"/_cat/indices", "/_cat/indices/{index}"}) {
    router->Add(HttpMethod::kGet, pattern, "cat_indices", WithIndices(ctx, CatIndices));
  }
  for (const char* pattern : {"/_cat/shards", "/_cat/shards/{index}"}) {
    router->Add(HttpMethod::kGet, pattern, "cat_shards",
                WithIndices(ctx, [ctx](IndexRegistry& r, const HttpRequest& req) { return CatShards(ctx, r, req); }));
  }
}

}  // namespace holdfast
