// SearchPlan's statistics (server/coordinator/search_plan.h): the phase that
// sums every shard's field and term statistics before any shard scores, and
// the keys and lookups of the StatsCache that lets a search skip that phase.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <map>
#include <set>

#include "index/search/shard_query.h"
#include "replication/proto_convert.h"
#include "server/coordinator/fan_out.h"
#include "server/coordinator/search_plan.h"

namespace holdfast {

namespace {

// A term's key across shards: field NUL term.
std::string TermKey(const std::string& field, const std::string& term) {
  return search::GlobalStatistics::TermKey(field, term);
}

}  // namespace

Result<std::vector<pb::GlobalStatistics>> SearchPlan::Statistics(ThreadPool* pool, std::chrono::milliseconds keep_alive,
                                                                 std::vector<std::string>* contexts,
                                                                 std::vector<Status>* failed,
                                                                 std::vector<uint64_t>* versions) const {
  contexts->assign(shards_.size(), std::string());
  versions->assign(shards_.size(), 0);
  auto client_of = [this](size_t s) { return shards_[s].target.client; };
  auto answers = ShardFanOut<pb::StatisticsResponse>(
      shards_.size(), ShardMethod::kStatistics, pool, client_of, [&](size_t s) -> Result<pb::StatisticsRequest> {
        const PlanShard& shard = shards_[s];
        if (!(*failed)[s].ok()) return (*failed)[s];
        pb::StatisticsRequest request;
        *request.mutable_target() = shard.target.target;
        *request.mutable_source() = indices_[shard.index].source;
        request.set_keep_context_ms(keep_alive.count());
        return request;
      });
  for (size_t s = 0; s < answers.size(); ++s) {
    if (answers[s].ok()) {
      (*contexts)[s] = answers[s]->context_id();
      (*versions)[s] = answers[s]->stats_version();
    } else {
      (*failed)[s] = answers[s].status();
    }
  }
  if (Status all = AllFailed(*failed); !all.ok()) return all;
  // Every field and term any shard looked up, and which shards answered for it.
  search::GlobalStatistics sums;
  std::map<std::string, std::set<size_t>> field_from, term_from;
  std::map<std::string, std::pair<std::string, std::string>> term_parts;
  std::vector<std::optional<double>> max_log(indices_.size());
  for (size_t s = 0; s < answers.size(); ++s) {
    if (!answers[s].ok()) continue;
    const pb::StatisticsResponse& a = answers[s].value();
    for (const pb::FieldStatistics& f : a.fields()) {
      sums.AddField(f.field(), {static_cast<uint32_t>(f.doc_count()), f.sum_total_term_freq(), f.sum_doc_freq()});
      field_from[f.field()].insert(s);
    }
    for (const pb::TermStatistics& t : a.terms()) {
      sums.AddDocFreq(t.field(), t.term(), t.doc_freq());
      const std::string key = TermKey(t.field(), t.term());
      term_from[key].insert(s);
      term_parts.emplace(key, std::make_pair(t.field(), t.term()));
    }
    if (a.has_max_popularity_log()) {
      std::optional<double>& m = max_log[shards_[s].index];
      m = std::max(m.value_or(a.max_popularity_log()), a.max_popularity_log());
    }
  }
  // A second round for what some shards did not look up themselves.
  // (Usually none: every shard looks up the same terms of the same query.)
  std::vector<bool> asked(shards_.size(), false);
  auto second = ShardFanOut<pb::StatisticsResponse>(
      shards_.size(), ShardMethod::kStatistics, pool, client_of, [&](size_t s) -> Result<pb::StatisticsRequest> {
        std::map<std::string, std::vector<std::string>> missing;  // field → terms ([] : the field only)
        for (const auto& [field, from] : field_from) {
          if (!from.count(s)) missing[field];
        }
        for (const auto& [key, from] : term_from) {
          if (!from.count(s)) missing[term_parts.at(key).first].push_back(term_parts.at(key).second);
        }
        if (missing.empty() || !(*failed)[s].ok()) return Status::NotFound("nothing to ask");
        asked[s] = true;
        pb::StatisticsRequest request;
        *request.mutable_target() = shards_[s].target.target;
        request.set_context_id((*contexts)[s]);
        for (const auto& [field, terms] : missing) {
          pb::FieldTerms* f = request.add_terms();
          f->set_field(field);
          for (const std::string& t : terms) f->add_terms()->set_term(t);
        }
        return request;
      });
  for (size_t s = 0; s < second.size(); ++s) {
    if (!asked[s]) continue;
    if (!second[s].ok()) {
      (*failed)[s] = second[s].status();
      continue;
    }
    for (const pb::FieldStatistics& f : second[s]->fields()) {
      auto from = field_from.find(f.field());
      if (from != field_from.end() && !from->second.count(s)) {
        sums.AddField(f.field(), {static_cast<uint32_t>(f.doc_count()), f.sum_total_term_freq(), f.sum_doc_freq()});
      }
    }
    for (const pb::TermStatistics& t : second[s]->terms()) sums.AddDocFreq(t.field(), t.term(), t.doc_freq());
  }
  if (Status all = AllFailed(*failed); !all.ok()) return all;
  std::vector<pb::GlobalStatistics> out(indices_.size());
  pb::GlobalStatistics common;
  ToProto(sums, &common);
  for (size_t i = 0; i < indices_.size(); ++i) {
    out[i] = common;
    if (max_log[i]) out[i].set_max_popularity_log(*max_log[i]);
  }
  return out;
}

std::string SearchPlan::ShardsKey() const {
  std::string key;
  for (const PlanShard& shard : shards_) {
    key += indices_[shard.index].index->shard_id(0).index_uuid;
    key += "/" + std::to_string(shard.id.shard) + ",";
  }
  return key;
}

std::shared_ptr<const CachedStats> SearchPlan::AssembleStats(StatsCache* cache) const {
  // What the requests look up, as weights ask for it (no segment: a
  // multi-term query's expansions are not known here; the shard says so).
  const search::SearcherSnapshot none;
  search::RecordingStatistics recording({});
  for (const PlanIndex& index : indices_) {
    if (index.parsed.query != nullptr) {
      if (!search::VisitStatistics(none, index.parsed, recording).ok()) return nullptr;
      continue;
    }
    // Not parsed here yet (the shards parse it): just the query, for its terms.
    search::SearchSourceParts parts;
    parts.query_json = index.source.query_json();
    parts.q = index.source.q();
    parts.alias_filter_json = index.source.alias_filter_json();
    if (index.source.has_popularity_boost()) parts.popularity_boost = index.source.popularity_boost();
    auto parsed = search::ParseSearch(index.mapping, parts, nullptr);
    if (!parsed.ok() || parsed->query == nullptr || !search::VisitStatistics(none, *parsed, recording).ok()) {
      return nullptr;
    }
  }
  return cache->Assemble(ShardsKey(), indices_.size(), recording.fields(), recording.terms());
}

std::string SearchPlan::StatsKey() const {
  std::string key;
  for (const PlanIndex& index : indices_) {
    key += index.index->shard_id(0).index_uuid;
    key.push_back('\0');
    std::string source;
    google::protobuf::io::StringOutputStream out(&source);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    index.source.SerializeToCodedStream(&coded);
    coded.Trim();
    key += std::to_string(source.size());
    key.push_back(':');
    key += source;
  }
  for (const PlanShard& shard : shards_) {
    key += std::to_string(shard.index) + "/" + std::to_string(shard.id.shard) + ",";
  }
  return key;
}

}  // namespace holdfast
