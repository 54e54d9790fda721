#include "server/api/cat_table.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <map>
#include <optional>

#include "index/mapping/mapping_error.h"
#include "index/util/clock.h"
#include "index/util/comma_list.h"
#include "index/util/text_table.h"
#include "server/api/api_errors.h"
#include "server/api/index_api_support.h"
#include "server/http/json_writer.h"
#include "server/process/node_config.h"

namespace holdfast {

namespace {

// The value of a cell that is a number, a size ("4.5kb"), a percentage
// ("97.5%") or a duration ("12ms", "3s"); nullopt for text.
std::optional<double> CellValue(const std::string& cell) {
  if (cell.empty()) return std::nullopt;
  double v = 0;
  const char* begin = cell.data();
  const char* end = cell.data() + cell.size();
  auto [rest, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || rest == begin) return std::nullopt;
  const std::string_view unit(rest, static_cast<size_t>(end - rest));
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"", 1},          {"%", 1},          {"b", 1},          {"kb", 1024.0},       {"mb", 1048576.0},
      {"gb", 1073741824.0}, {"tb", 1099511627776.0}, {"pb", 1125899906842624.0}, {"nanos", 1e-6},
      {"micros", 1e-3}, {"ms", 1},         {"s", 1000},       {"m", 60'000},        {"h", 3'600'000},
      {"d", 86'400'000}};
  for (const auto& [name, scale] : kUnits) {
    if (unit == name) return v * scale;
  }
  return std::nullopt;
}

// Elasticsearch's short names for the columns (?h=dc,ss and ?s=dc work as
// ?h=docs.count,store.size) and what each column holds (?help). Per name:
// a column means the same in every table that has it.
struct ColumnInfo {
  const char* aliases;  // comma-separated
  const char* description;
};
const std::map<std::string_view, ColumnInfo>& Columns() {
  static const std::map<std::string_view, ColumnInfo> kColumns = {
      {"health", {"h", "current health status"}},
      {"status", {"s,st", "open/close status (indices), health status (cluster)"}},
      {"index", {"i,idx", "index name"}},
      {"uuid", {"id", "index uuid"}},
      {"pri", {"p,shards.primary,shardsPrimary", "number of primary shards"}},
      {"rep", {"r,shards.replica,shardsReplica", "number of replica shards"}},
      {"docs.count", {"dc,docsCount", "available docs"}},
      {"docs.deleted", {"dd,docsDeleted", "deleted docs"}},
      {"store.size", {"ss,storeSize", "store size of primaries & replicas"}},
      {"pri.store.size", {"", "store size of primaries"}},
      {"shard", {"s,sh", "shard name"}},
      {"prirep", {"p,pr,primaryOrReplica", "primary or replica"}},
      {"state", {"st", "shard state"}},
      {"docs", {"d,dc", "number of docs in shard"}},
      {"store", {"sto", "store size of shard (how much disk it uses)"}},
      {"ip", {"", "ip of node where it lives"}},
      {"node", {"n", "name of node where it lives"}},
      {"allocation_id", {"", "allocation id of the copy"}},
      {"primary_term", {"", "primary term of the shard"}},
      {"local_checkpoint", {"", "every op up to it is applied on this copy"}},
      {"global_checkpoint", {"", "every in-sync copy has every op up to it (as this copy knows it)"}},
      {"max_seq_no", {"", "highest seq_no on this copy"}},
      {"unassigned.reason", {"ur", "reason shard is unassigned"}},
      {"failure", {"", "why the copy failed"}},
      {"epoch", {"t,time", "seconds since 1970-01-01 00:00:00"}},
      {"timestamp", {"ts,hms,hhmmss", "time in HH:MM:SS"}},
      {"count", {"dc,docs.count,docsCount", "the document count"}},
      {"cluster", {"cl", "cluster name"}},
      {"node.total", {"nt,nodeTotal", "total number of nodes"}},
      {"node.data", {"nd,nodeData", "number of nodes that can store data"}},
      {"shards", {"t,sh,shards.total,shardsTotal", "total number of shards"}},
      {"relo", {"r,shards.relocating,shardsRelocating", "number of relocating nodes"}},
      {"init", {"i,shards.initializing,shardsInitializing", "number of initializing nodes"}},
      {"unassign", {"u,shards.unassigned,shardsUnassigned", "number of unassigned shards"}},
      {"pending_tasks", {"pt,pendingTasks", "number of pending tasks"}},
      {"max_task_wait_time", {"mtwt,maxTaskWaitTime", "wait time of longest task pending"}},
      {"active_shards_percent", {"asp,activeShardsPercent", "active number of shards in percent"}},
  };
  return kColumns;
}

}  // namespace

std::string IpOf(const std::string& address) {
  std::string ip;
  uint16_t port = 0;
  if (!SplitHostPort(address, &ip, &port).ok()) ip.clear();
  return ip;
}

std::pair<std::string, std::string> CatNow() {
  const int64_t now_ms = WallClockMs();
  const std::time_t secs = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char hms[16];
  std::strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
  return {std::to_string(now_ms / 1000), hms};
}

std::optional<size_t> CatTable::Find(std::string_view name) const {
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (name == columns_[c].name) return c;
  }
  for (size_t c = 0; c < columns_.size(); ++c) {
    auto info = Columns().find(columns_[c].name);
    if (info == Columns().end()) continue;
    for (const std::string& alias : SplitCommaList(info->second.aliases)) {
      if (alias == name) return c;
    }
  }
  return std::nullopt;
}

HttpResponse CatTable::Render(const HttpRequest& req) {
  if (req.HasQueryParam("help")) {
    std::vector<std::vector<std::string>> rows;
    for (const Column& c : columns_) {
      auto info = Columns().find(c.name);
      rows.push_back({c.name, "|", info != Columns().end() ? info->second.aliases : "", "|",
                      info != Columns().end() ? info->second.description : ""});
    }
    HttpResponse r;
    r.content_type = "text/plain; charset=UTF-8";
    r.body = RenderTextTable({{"name", false}, {"", false}, {"aliases", false}, {"", false}, {"description", false}},
                             rows, {0, 1, 2, 3, 4}, false);
    return r;
  }
  std::vector<size_t> shown;
  if (req.HasQueryParam("h")) {
    for (const std::string& name : SplitCommaList(req.QueryParam("h"))) {
      if (auto c = Find(name)) shown.push_back(*c);
    }
  } else {
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (columns_[c].shown_by_default) shown.push_back(c);
    }
  }
  if (req.HasQueryParam("s")) {
    struct Key {
      size_t column;
      bool descending;
    };
    std::vector<Key> keys;
    for (std::string name : SplitCommaList(req.QueryParam("s"))) {
      bool descending = false;
      if (const size_t colon = name.rfind(':'); colon != std::string::npos) {
        const std::string order = name.substr(colon + 1);
        if (order != "asc" && order != "desc") {
          return ErrorFromStatus(mapping::IllegalArgumentError("Unsupported sort order [" + order + "] in [" + name + "]"));
        }
        descending = order == "desc";
        name.resize(colon);
      }
      auto c = Find(name);
      if (!c) return ErrorFromStatus(mapping::IllegalArgumentError("Unable to sort by unknown sort key `" + name + "`"));
      keys.push_back({*c, descending});
    }
    std::stable_sort(rows_.begin(), rows_.end(), [&](const std::vector<std::string>& a, const std::vector<std::string>& b) {
      for (const Key& k : keys) {
        const std::string& x = a[k.column];
        const std::string& y = b[k.column];
        int cmp = 0;
        const auto vx = CellValue(x), vy = CellValue(y);
        if (vx && vy) {
          cmp = *vx < *vy ? -1 : *vx > *vy ? 1 : 0;
        } else if (vx || vy) {
          cmp = vx ? -1 : 1;  // values before text (and before empty cells)
        } else {
          cmp = x.compare(y);
        }
        if (cmp != 0) return k.descending ? cmp > 0 : cmp < 0;
      }
      return false;
    });
  }
  return req.QueryParam("format") == "json" ? Json(shown) : Text(shown, req.HasQueryParam("v"));
}

HttpResponse CatTable::Json(const std::vector<size_t>& shown) const {
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

HttpResponse CatTable::Text(const std::vector<size_t>& shown, bool header) const {
  std::vector<TextColumn> columns;
  for (const Column& c : columns_) columns.push_back({c.name, c.right_aligned});
  HttpResponse r;
  r.content_type = "text/plain; charset=UTF-8";
  r.body = RenderTextTable(columns, rows_, shown, header);
  return r;
}

}  // namespace holdfast
