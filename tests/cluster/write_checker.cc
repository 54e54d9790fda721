#include "tests/cluster/write_checker.h"

#include <rapidjson/document.h>

#include <random>
#include <set>

namespace holdfast::testing {

namespace {

rapidjson::Document Parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  return d;
}

int64_t Int(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject() || !v.HasMember(key)) return -1;
  const rapidjson::Value& x = v[key];
  if (x.IsInt64()) return x.GetInt64();
  if (x.IsString()) {
    try {
      return std::stoll(x.GetString());
    } catch (...) {
      return -1;
    }
  }
  return -1;
}

WriteOutcome Classify(int status) {
  if (status >= 200 && status < 300) return WriteOutcome::kAcked;
  if (status == 409) return WriteOutcome::kConflict;
  if (status >= 400 && status < 500) return WriteOutcome::kFailed;
  return WriteOutcome::kUnknown;  // 0 (no answer in time, reset, refused), 5xx
}

// Up to `limit` ids, for a message.
std::string Sample(const std::vector<std::string>& ids, size_t limit = 20) {
  std::string out;
  for (size_t i = 0; i < ids.size() && i < limit; ++i) out += (i ? " " : "") + ids[i];
  if (ids.size() > limit) out += " ... (" + std::to_string(ids.size()) + " in all)";
  return out;
}

}  // namespace

WriteLoad::WriteLoad(const ChaosCluster* cluster, std::string index, WriteLoadOptions options, uint64_t seed)
    : cluster_(cluster), index_(std::move(index)), options_(options), seed_(seed) {}

WriteLoad::~WriteLoad() { Stop(); }

void WriteLoad::Start() {
  for (size_t w = 0; w < options_.writers; ++w) threads_.emplace_back([this, w] { Run(w); });
}

void WriteLoad::Stop() {
  stop_ = true;
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

std::map<int, size_t> WriteLoad::statuses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return statuses_;
}

void WriteLoad::Run(size_t writer) {
  std::mt19937_64 rng(seed_ * 1000003u + writer);
  for (uint64_t n = 0; !stop_; ++n) {
    if (sent_.fetch_add(1) >= options_.max_writes) break;
    const size_t node = rng() % cluster_->size();
    const std::string id = "w" + std::to_string(writer) + "-" + std::to_string(n);
    const std::string body = R"({"writer": )" + std::to_string(writer) + R"(, "n": )" + std::to_string(n) + "}";
    const HttpReply reply = cluster_->Http(node, "PUT", "/" + index_ + "/_create/" + id, body, options_.request_timeout);
    {
      std::lock_guard<std::mutex> lock(mu_);
      history_[id] = Classify(reply.status);
      ++statuses_[reply.status];
    }
    std::this_thread::sleep_for(options_.pause);  // the writer's pace
  }
}

namespace {

// One copy, page by page through a scroll on the copy's own node.
CopyContents ReadCopy(ChaosCluster& cluster, const std::string& index, const ShardCopyRow& row) {
  CopyContents copy;
  copy.shard = row.shard;
  copy.node = row.node;
  copy.primary = row.primary;
  if (row.state != "STARTED") {
    copy.error = "copy is " + row.state;
    return copy;
  }
  const size_t via = cluster.IndexOf(row.node);
  if (via >= cluster.size()) {
    copy.error = "unknown node '" + row.node + "'";
    return copy;
  }
  const std::string target = "/" + index + "/_search?scroll=1m&preference=_shards:" + std::to_string(row.shard) +
                             "%7C_only_nodes:" + row.node;
  HttpReply reply = cluster.Http(via, "POST", target,
                                 R"({"size": 1000, "seq_no_primary_term": true, "_source": false,
                                     "query": {"match_all": {}}})",
                                 std::chrono::seconds(30));
  std::string scroll_id;
  int64_t total = -1;
  for (int page = 0; page < 10000; ++page) {
    auto d = Parse(reply.body);
    if (reply.status != 200 || !d.IsObject() || !d.HasMember("hits") || !d["hits"].IsObject() ||
        !d["hits"].HasMember("hits") || !d["hits"]["hits"].IsArray()) {
      copy.error = "search answered " + std::to_string(reply.status) + ": " + reply.body.substr(0, 500);
      return copy;
    }
    if (page == 0) {
      const bool one_copy = d.HasMember("_shards") && Int(d["_shards"], "total") == 1 &&
                            Int(d["_shards"], "successful") == 1 && Int(d["_shards"], "failed") == 0;
      if (!one_copy) {
        copy.error = "the search did not run on exactly this copy: " + reply.body.substr(0, 500);
        return copy;
      }
      if (d["hits"].HasMember("total")) total = Int(d["hits"]["total"], "value");
    }
    if (d.HasMember("_scroll_id") && d["_scroll_id"].IsString()) scroll_id = d["_scroll_id"].GetString();
    const auto& hits = d["hits"]["hits"];
    if (hits.Empty()) break;
    for (const auto& h : hits.GetArray()) {
      if (!h.HasMember("_id") || !h["_id"].IsString() || Int(h, "_seq_no") < 0 || Int(h, "_primary_term") < 1) {
        copy.error = "a hit without _id, _seq_no or _primary_term: " + reply.body.substr(0, 500);
        return copy;
      }
      const std::string id = h["_id"].GetString();
      if (copy.docs.count(id)) ++copy.duplicates;
      copy.docs[id] = {Int(h, "_seq_no"), Int(h, "_primary_term")};
    }
    reply = cluster.Http(via, "POST", "/_search/scroll", R"({"scroll": "1m", "scroll_id": ")" + scroll_id + "\"}",
                         std::chrono::seconds(30));
  }
  if (!scroll_id.empty()) cluster.Http(via, "DELETE", "/_search/scroll", R"({"scroll_id": ")" + scroll_id + "\"}");
  if (total >= 0 && static_cast<size_t>(total) != copy.docs.size() + copy.duplicates) {
    copy.error = "hits.total says " + std::to_string(total) + ", the scroll returned " +
                 std::to_string(copy.docs.size() + copy.duplicates);
  }
  return copy;
}

}  // namespace

std::vector<CopyContents> ReadEveryCopy(ChaosCluster& cluster, const std::string& index) {
  std::vector<CopyContents> out;
  for (const ShardCopyRow& row : cluster.ShardCopies(index)) out.push_back(ReadCopy(cluster, index, row));
  return out;
}

std::vector<CopyCheckpoints> ReadCheckpoints(ChaosCluster& cluster, const std::string& index, bool cat_columns) {
  std::vector<CopyCheckpoints> out;
  auto failed = [&out](std::string source, std::string node, std::string why) {
    CopyCheckpoints c;
    c.source = std::move(source);
    c.shard = -1;
    c.node = std::move(node);
    c.error = std::move(why);
    out.push_back(std::move(c));
  };
  for (size_t i = 0; i < cluster.size(); ++i) {
    const HttpReply reply = cluster.Http(i, "GET", "/_lifecycle/status", "", std::chrono::seconds(5));
    auto d = Parse(reply.body);
    if (!d.IsObject() || !d.HasMember("shards") || !d["shards"].IsArray()) {
      failed("status", cluster.name(i), "/_lifecycle/status answered " + std::to_string(reply.status));
      continue;
    }
    for (const auto& s : d["shards"].GetArray()) {
      if (!s.IsObject() || !s.HasMember("index") || !s["index"].IsString() || s["index"].GetString() != index) continue;
      CopyCheckpoints c;
      c.source = "status";
      c.node = cluster.name(i);
      c.shard = static_cast<int>(Int(s, "shard"));
      c.primary = s.HasMember("primary") && s["primary"].IsBool() && s["primary"].GetBool();
      c.primary_term = Int(s, "primary_term");
      c.local_checkpoint = Int(s, "local_checkpoint");
      c.global_checkpoint = Int(s, "global_checkpoint");
      c.max_seq_no = Int(s, "max_seq_no");
      c.docs = Int(s, "docs");
      out.push_back(c);
    }
  }
  if (!cat_columns) return out;
  const HttpReply reply = cluster.Http(0, "GET", "/_cat/shards/" + index +
                                                     "?format=json&h=shard,prirep,node,local_checkpoint,"
                                                     "global_checkpoint,max_seq_no", "", std::chrono::seconds(5));
  auto d = Parse(reply.body);
  if (!d.IsArray()) {
    failed("_cat/shards", cluster.name(0), "no checkpoint columns: " + std::to_string(reply.status) + " " +
                                               reply.body.substr(0, 300));
    return out;
  }
  for (const auto& row : d.GetArray()) {
    if (!row.IsObject() || !row.HasMember("local_checkpoint") || !row.HasMember("global_checkpoint") ||
        !row.HasMember("max_seq_no")) {
      failed("_cat/shards", cluster.name(0), "a row without the checkpoint columns: " + reply.body.substr(0, 300));
      return out;
    }
    CopyCheckpoints c;
    c.source = "_cat/shards";
    c.shard = static_cast<int>(Int(row, "shard"));
    c.node = row.HasMember("node") && row["node"].IsString() ? row["node"].GetString() : "";
    c.primary = row.HasMember("prirep") && row["prirep"].IsString() && row["prirep"].GetString() == std::string("p");
    c.local_checkpoint = Int(row, "local_checkpoint");
    c.global_checkpoint = Int(row, "global_checkpoint");
    c.max_seq_no = Int(row, "max_seq_no");
    out.push_back(c);
  }
  return out;
}

namespace {

// Copies of one shard agree on every id, its _seq_no and _primary_term.
// Returns the ids some copies of the shard lack.
std::set<std::string> CompareCopies(int shard, const std::vector<const CopyContents*>& copies, SafetyReport* report) {
  std::set<std::string> all;
  for (const CopyContents* c : copies) {
    for (const auto& [id, at] : c->docs) all.insert(id);
  }
  std::set<std::string> partial;
  std::vector<std::string> differing;
  for (const std::string& id : all) {
    const std::pair<int64_t, int64_t>* first = nullptr;
    for (const CopyContents* c : copies) {
      auto it = c->docs.find(id);
      if (it == c->docs.end()) {
        partial.insert(id);
        continue;
      }
      if (first == nullptr) {
        first = &it->second;
      } else if (it->second != *first) {
        differing.push_back(id + "@" + c->node);
      }
    }
  }
  if (!partial.empty()) {
    report->violations.push_back("shard " + std::to_string(shard) + ": ids missing from some copies: " +
                                 Sample({partial.begin(), partial.end()}));
  }
  if (!differing.empty()) {
    report->violations.push_back("shard " + std::to_string(shard) + ": _seq_no/_primary_term differ across copies: " +
                                 Sample(differing));
  }
  return partial;
}

void CompareCheckpoints(const std::vector<CopyCheckpoints>& checkpoints, const std::vector<CopyContents>& copies,
                        size_t shards, size_t expected, SafetyReport* report) {
  std::map<std::pair<std::string, int>, std::vector<const CopyCheckpoints*>> by_shard;
  for (const CopyCheckpoints& c : checkpoints) {
    if (!c.error.empty()) {
      report->violations.push_back("checkpoints (" + c.source + ") from " + c.node + " not read: " + c.error);
      continue;
    }
    by_shard[{c.source, c.shard}].push_back(&c);
  }
  for (size_t s = 0; s < shards; ++s) {
    const auto& listed = by_shard[{"status", static_cast<int>(s)}];
    if (listed.size() != expected) {
      report->violations.push_back("shard " + std::to_string(s) + ": " + std::to_string(listed.size()) +
                                   " nodes report a copy in /_lifecycle/status, expected " + std::to_string(expected));
    }
  }
  for (const auto& entry : by_shard) {
    const std::string& source = entry.first.first;
    const int shard = entry.first.second;
    const std::vector<const CopyCheckpoints*>& list = entry.second;
    auto line = [&](const std::string& what) {
      std::string values;
      for (const CopyCheckpoints* c : list) {
        values += " " + c->node + (c->primary ? "(p)" : "(r)") + ": term " + std::to_string(c->primary_term) +
                  " local " + std::to_string(c->local_checkpoint) + " global " +
                  std::to_string(c->global_checkpoint) + " max_seq_no " + std::to_string(c->max_seq_no) + ";";
      }
      return "shard " + std::to_string(shard) + " (" + source + "): " + what + ":" + values;
    };
    for (const CopyCheckpoints* c : list) {
      if (c->max_seq_no != list[0]->max_seq_no || c->local_checkpoint != list[0]->local_checkpoint ||
          c->global_checkpoint != list[0]->global_checkpoint ||
          (source == "status" && c->primary_term != list[0]->primary_term)) {
        report->violations.push_back(line("copies differ in checkpoints"));
        break;
      }
    }
    for (const CopyCheckpoints* c : list) {
      if (c->local_checkpoint < c->max_seq_no) {
        report->notes.push_back(line("a copy's local checkpoint is below its max_seq_no (a gap in its history)"));
        break;
      }
    }
    if (source != "status") continue;
    // What the node counts is what a search of the copy returns.
    for (const CopyCheckpoints* c : list) {
      for (const CopyContents& read : copies) {
        if (read.shard == shard && read.node == c->node && read.error.empty() &&
            static_cast<int64_t>(read.docs.size()) != c->docs) {
          report->violations.push_back("shard " + std::to_string(shard) + " on " + c->node + ": the node counts " +
                                       std::to_string(c->docs) + " docs, a search of the copy returns " +
                                       std::to_string(read.docs.size()));
        }
      }
    }
  }
}

}  // namespace

SafetyReport CheckWrites(const std::map<std::string, WriteOutcome>& history, const std::vector<CopyContents>& copies,
                         const std::vector<CopyCheckpoints>& checkpoints, size_t shards,
                         size_t expected_copies_per_shard) {
  SafetyReport report;
  std::map<int, std::vector<const CopyContents*>> by_shard;
  for (const CopyContents& c : copies) {
    if (!c.error.empty()) {
      report.violations.push_back("shard " + std::to_string(c.shard) + " on " + (c.node.empty() ? "(no node)" : c.node) +
                                  " could not be read: " + c.error);
      continue;
    }
    if (c.duplicates > 0) {
      report.violations.push_back("shard " + std::to_string(c.shard) + " on " + c.node + ": " +
                                  std::to_string(c.duplicates) + " ids returned twice");
    }
    by_shard[c.shard].push_back(&c);
    report.docs_read += c.docs.size();
    ++report.copies_compared;
  }
  std::map<std::string, int> shard_of;  // id → the shard it was found in
  std::set<std::string> partial;
  std::vector<std::string> in_two_shards;
  for (size_t s = 0; s < shards; ++s) {
    const auto& list = by_shard[static_cast<int>(s)];
    if (list.size() != expected_copies_per_shard) {
      report.violations.push_back("shard " + std::to_string(s) + ": " + std::to_string(list.size()) +
                                  " copies read, expected " + std::to_string(expected_copies_per_shard));
    }
    for (const std::string& id : CompareCopies(static_cast<int>(s), list, &report)) partial.insert(id);
    for (const CopyContents* c : list) {
      for (const auto& [id, at] : c->docs) {
        auto [it, fresh] = shard_of.emplace(id, static_cast<int>(s));
        if (!fresh && it->second != static_cast<int>(s)) in_two_shards.push_back(id);
      }
    }
  }
  if (!in_two_shards.empty()) report.violations.push_back("ids found in two shards: " + Sample(in_two_shards));

  std::vector<std::string> lost, refused_present;
  for (const auto& [id, outcome] : history) {
    const bool present = shard_of.count(id) > 0;
    const bool everywhere = present && !partial.count(id);
    switch (outcome) {
      case WriteOutcome::kAcked:
      case WriteOutcome::kConflict:
        (outcome == WriteOutcome::kAcked ? report.acked : report.conflict)++;
        if (!everywhere) lost.push_back(id);
        break;
      case WriteOutcome::kFailed:
        ++report.failed;
        if (present) refused_present.push_back(id);
        break;
      case WriteOutcome::kUnknown:
        ++report.unknown;
        if (present) ++report.unknown_present;
        break;
    }
  }
  report.sent = history.size();
  report.lost = lost.size();
  report.refused_present = refused_present.size();
  if (!lost.empty()) report.violations.push_back("acknowledged ids missing: " + Sample(lost));
  if (!refused_present.empty()) {
    report.violations.push_back("ids refused with a 4xx yet present: " + Sample(refused_present));
  }
  std::vector<std::string> phantom;
  for (const auto& [id, shard] : shard_of) {
    if (!history.count(id)) phantom.push_back(id);
  }
  report.phantom = phantom.size();
  if (!phantom.empty()) report.violations.push_back("ids present that no client sent: " + Sample(phantom));
  CompareCheckpoints(checkpoints, copies, shards, expected_copies_per_shard, &report);
  return report;
}

std::string SafetyReport::Summary() const {
  std::string out = "write safety: sent=" + std::to_string(sent) + " acked=" + std::to_string(acked) +
                    " conflict=" + std::to_string(conflict) + " failed=" + std::to_string(failed) +
                    " unknown=" + std::to_string(unknown) + " unknown_present=" + std::to_string(unknown_present) +
                    " lost=" + std::to_string(lost) + " phantom=" + std::to_string(phantom) +
                    " refused_present=" + std::to_string(refused_present) +
                    " copies_compared=" + std::to_string(copies_compared) + " docs_read=" + std::to_string(docs_read) +
                    " violations=" + std::to_string(violations.size()) + "\n";
  for (const std::string& v : violations) out += "  VIOLATION: " + v + "\n";
  for (const std::string& n : notes) out += "  note: " + n + "\n";
  return out;
}

}  // namespace holdfast::testing
