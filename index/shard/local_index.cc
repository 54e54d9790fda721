#include "index/shard/local_index.h"

#include <xxhash.h>

#include <algorithm>
#include <filesystem>

#include "index/recommend/recommender.h"
#include "index/util/file_util.h"

namespace holdfast {

LocalIndex::LocalIndex(std::string dir, IndexMetadata metadata, LocalIndexOptions options)
    : dir_(std::move(dir)), metadata_(std::move(metadata)), options_(options) {}

LocalIndex::~LocalIndex() {
  recommender_.reset();
  shards_.clear();  // stops background threads, closes stores
  if (remove_files_) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

Status LocalIndex::PersistMetadata(const mapping::Mapping& mapping) {
  std::lock_guard<std::mutex> lock(metadata_mu_);
  IndexMetadata m = metadata_;
  m.mapping = std::make_shared<const mapping::Mapping>(mapping);
  return WriteFileDurably(dir_ + "/INDEX", EncodeIndexMetadata(m));
}

Status LocalIndex::OpenShards() {
  mappings_ = std::make_shared<InMemoryMappingSource>(metadata_.mapping);
  mappings_->set_on_change([this](const mapping::Mapping& m) { return PersistMetadata(m); });
  for (uint32_t i = 0; i < metadata_.settings.number_of_shards; ++i) {
    ShardEngineOptions o;
    o.dir = dir_ + "/" + std::to_string(i);
    o.durability = metadata_.settings.durability;
    o.refresh_interval = metadata_.settings.refresh_interval;
    o.indexing_buffer_bytes = options_.indexing_buffer_bytes;
    o.background_merges = options_.background_merges;
    o.source_cache = options_.source_cache;
    o.flush_threshold_ops = options_.flush_threshold_ops;
    o.sole_copy = true;  // no replicas here: the global checkpoint is the local one
    auto shard = ShardEngine::Open(o, mappings_);
    if (!shard.ok()) return Status(shard.status().code(), "shard " + std::to_string(i) + " of index [" + metadata_.name + "]: " + shard.status().message());
    // Single node: every shard opens as the primary, so a write in flight
    // at a crash (never acknowledged) leaves no gap behind.
    Status filled = shard.value()->FillGaps();
    if (!filled.ok()) return Status(filled.code(), "shard " + std::to_string(i) + " of index [" + metadata_.name + "]: " + filled.message());
    shards_.push_back(std::move(shard).value());
  }
  auto rec = recommend::IndexRecommender::Open(this, metadata_.settings.recommend);
  if (!rec.ok()) return Status(rec.status().code(), "events of index [" + metadata_.name + "]: " + rec.status().message());
  recommender_ = std::move(rec).value();
  return Status::OK();
}

Result<std::unique_ptr<LocalIndex>> LocalIndex::Create(const std::string& dir, IndexMetadata metadata,
                                                       const LocalIndexOptions& options) {
  if (PathExists(dir + "/INDEX")) return Status::AlreadyExists("index directory " + dir + " exists");
  if (metadata.settings.number_of_shards == 0) return Status::InvalidArgument("number_of_shards must be at least 1");
  if (!metadata.mapping) metadata.mapping = std::make_shared<const mapping::Mapping>();
  HOLDFAST_RETURN_IF_ERROR(CreateDirectories(dir));
  HOLDFAST_RETURN_IF_ERROR(WriteFileDurably(dir + "/INDEX", EncodeIndexMetadata(metadata)));
  std::unique_ptr<LocalIndex> index(new LocalIndex(dir, std::move(metadata), options));
  HOLDFAST_RETURN_IF_ERROR(index->OpenShards());
  return index;
}

Result<std::unique_ptr<LocalIndex>> LocalIndex::Open(const std::string& dir, const LocalIndexOptions& options) {
  auto bytes = ReadFileToString(dir + "/INDEX");
  if (!bytes.ok()) return bytes.status();
  auto metadata = DecodeIndexMetadata(bytes.value(), dir + "/INDEX");
  if (!metadata.ok()) return metadata.status();
  std::unique_ptr<LocalIndex> index(new LocalIndex(dir, std::move(metadata).value(), options));
  HOLDFAST_RETURN_IF_ERROR(index->OpenShards());
  return index;
}

Status LocalIndex::PutMapping(const mapping::MappingUpdate& update) {
  auto merged = mappings_->Apply(update);
  return merged.ok() ? Status::OK() : merged.status();
}

uint32_t LocalIndex::ShardOf(std::string_view id) const {
  return static_cast<uint32_t>(XXH3_64bits(id.data(), id.size()) % shards_.size());
}

std::vector<WriteResult> LocalIndex::Write(const std::vector<WriteRequest>& requests) {
  std::vector<WriteResult> results(requests.size());
  if (shards_.size() == 1) return shards_[0]->Write(requests);
  std::vector<std::vector<WriteRequest>> per_shard(shards_.size());
  std::vector<std::vector<size_t>> positions(shards_.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const uint32_t s = ShardOf(requests[i].id);
    per_shard[s].push_back(requests[i]);
    positions[s].push_back(i);
  }
  for (size_t s = 0; s < shards_.size(); ++s) {
    if (per_shard[s].empty()) continue;
    auto shard_results = shards_[s]->Write(per_shard[s]);
    for (size_t k = 0; k < shard_results.size(); ++k) results[positions[s][k]] = std::move(shard_results[k]);
  }
  return results;
}

WriteResult LocalIndex::Write(const WriteRequest& request) { return shards_[ShardOf(request.id)]->Write(request); }

WriteResult LocalIndex::Update(const std::string& id, const std::string& partial_doc, bool doc_as_upsert,
                               std::optional<int64_t> if_seq_no, std::optional<int64_t> if_primary_term) {
  return shards_[ShardOf(id)]->Update(id, partial_doc, doc_as_upsert, if_seq_no, if_primary_term);
}

Result<GetResult> LocalIndex::Get(const std::string& id) const { return shards_[ShardOf(id)]->Get(id); }

Status LocalIndex::MultiGet(const std::vector<std::string_view>& ids, std::vector<GetResult>* out) const {
  out->assign(ids.size(), GetResult{});
  std::vector<std::vector<size_t>> by_shard(shards_.size());
  for (size_t i = 0; i < ids.size(); ++i) by_shard[ShardOf(ids[i])].push_back(i);
  std::vector<std::string_view> shard_ids;
  std::vector<GetResult> shard_out;
  for (size_t s = 0; s < shards_.size(); ++s) {
    if (by_shard[s].empty()) continue;
    shard_ids.clear();
    for (size_t i : by_shard[s]) shard_ids.push_back(ids[i]);
    HOLDFAST_RETURN_IF_ERROR(shards_[s]->MultiGet(shard_ids, &shard_out));
    for (size_t k = 0; k < by_shard[s].size(); ++k) (*out)[by_shard[s][k]] = std::move(shard_out[k]);
  }
  return Status::OK();
}

Status LocalIndex::Refresh() {
  for (auto& s : shards_) HOLDFAST_RETURN_IF_ERROR(s->Refresh());
  return Status::OK();
}

bool LocalIndex::WaitForRefresh(const std::vector<std::pair<uint32_t, int64_t>>& shard_seq_nos,
                                std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& [shard, seq] : shard_seq_nos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!shards_[shard]->WaitForRefresh(seq, std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

Status LocalIndex::Flush() {
  for (auto& s : shards_) HOLDFAST_RETURN_IF_ERROR(s->Flush());
  return Status::OK();
}

Status LocalIndex::ForceMerge(size_t max_segments) {
  for (auto& s : shards_) HOLDFAST_RETURN_IF_ERROR(s->ForceMerge(max_segments));
  return Status::OK();
}

Status LocalIndex::FinishMerges() {
  for (auto& s : shards_) HOLDFAST_RETURN_IF_ERROR(s->FinishMerges());
  return Status::OK();
}

Status LocalIndex::Close() {
  Status first;
  for (auto& s : shards_) {
    Status st = s->Close();
    if (first.ok() && !st.ok()) first = st;
  }
  return first;
}

std::vector<search::SearcherSnapshot> LocalIndex::AcquireSearchers() const {
  std::vector<search::SearcherSnapshot> out;
  for (const auto& s : shards_) out.push_back(s->AcquireSearcher());
  return out;
}

search::SegmentStatistics LocalIndex::StatisticsOf(const std::vector<search::SearcherSnapshot>& snapshots) {
  std::vector<search::SegmentView> views;
  for (const auto& snap : snapshots) {
    for (const auto& v : snap.Views()) views.push_back(v);
  }
  return search::SegmentStatistics(std::move(views));
}

Result<IndexSearchResult> LocalIndex::Search(const search::Query& query, const search::SearchOptions& options) const {
  IndexSearchResult out;
  out.snapshots = AcquireSearchers();
  const search::SegmentStatistics stats = StatisticsOf(out.snapshots);
  // Every shard returns its best from + size; the merge keeps the global page.
  search::SearchOptions shard_options = options;
  shard_options.from = 0;
  shard_options.size = options.from + options.size;
  std::vector<Result<search::SearchResult>> results;
  if (options_.search_pool && out.snapshots.size() > 1) {
    std::vector<std::future<Result<search::SearchResult>>> futures;
    for (const auto& snap : out.snapshots) {
      futures.push_back(options_.search_pool->Submit([&snap, &query, &stats, shard_options] {
        return search::Search(snap, query, stats, shard_options);
      }));
    }
    for (auto& f : futures) results.push_back(f.get());
  } else {
    for (const auto& snap : out.snapshots) results.push_back(search::Search(snap, query, stats, shard_options));
  }
  std::vector<IndexHit> all;
  for (uint32_t s = 0; s < results.size(); ++s) {
    if (!results[s].ok()) return results[s].status();
    const search::SearchResult& r = results[s].value();
    out.total += r.total;
    if (r.total_relation == "gte") out.total_relation = "gte";
    for (const auto& h : r.hits) all.push_back({s, h.segment, h.doc, h.score});
  }
  if (out.total_relation == "gte") out.total = std::min<uint64_t>(out.total, options.track_total_hits);
  std::sort(all.begin(), all.end(), [](const IndexHit& a, const IndexHit& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.shard != b.shard) return a.shard < b.shard;
    if (a.segment != b.segment) return a.segment < b.segment;
    return a.doc < b.doc;
  });
  if (!all.empty()) out.max_score = all.front().score;
  for (size_t i = options.from; i < all.size() && out.hits.size() < options.size; ++i) out.hits.push_back(all[i]);
  return out;
}

Result<std::vector<bool>> LocalIndex::MatchingIds(const search::Query& query,
                                                  const std::vector<std::string>& ids) const {
  std::vector<bool> out(ids.size(), false);
  const auto snapshots = AcquireSearchers();
  const search::SegmentStatistics stats = StatisticsOf(snapshots);
  auto weight = query.CreateWeight(stats, /*needs_scores=*/false);
  if (!weight.ok()) return weight.status();
  // (shard, segment, doc, position in ids), visited in doc order per segment
  // because scorers only move forward.
  struct Probe {
    uint32_t shard, segment, doc;
    size_t pos;
  };
  std::vector<Probe> probes;
  for (size_t i = 0; i < ids.size(); ++i) {
    const uint32_t s = ShardOf(ids[i]);
    const auto views = snapshots[s].Views();
    for (uint32_t g = 0; g < views.size(); ++g) {
      const int64_t doc = views[g].reader->FindDoc(ids[i]);
      if (doc >= 0 && views[g].IsLive(static_cast<uint32_t>(doc))) {
        probes.push_back({s, g, static_cast<uint32_t>(doc), i});
        break;
      }
    }
  }
  std::sort(probes.begin(), probes.end(), [](const Probe& a, const Probe& b) {
    if (a.shard != b.shard) return a.shard < b.shard;
    if (a.segment != b.segment) return a.segment < b.segment;
    return a.doc < b.doc;
  });
  for (size_t k = 0; k < probes.size();) {
    const Probe& first = probes[k];
    const auto views = snapshots[first.shard].Views();
    auto scorer = weight.value()->MakeScorer(views[first.segment]);
    if (!scorer.ok()) return scorer.status();
    for (; k < probes.size() && probes[k].shard == first.shard && probes[k].segment == first.segment; ++k) {
      if (scorer.value() == nullptr) continue;
      search::Scorer& sc = *scorer.value();
      const bool positioned = sc.doc() != search::kUnpositioned;
      const uint32_t at = positioned && sc.doc() >= probes[k].doc ? sc.doc() : sc.Advance(probes[k].doc);
      out[probes[k].pos] = at == probes[k].doc;
    }
  }
  return out;
}

Result<uint64_t> LocalIndex::Count(const search::Query& query) const {
  auto snapshots = AcquireSearchers();
  const search::SegmentStatistics stats = StatisticsOf(snapshots);
  uint64_t total = 0;
  for (const auto& snap : snapshots) {
    auto n = search::Count(snap, query, stats);
    if (!n.ok()) return n.status();
    total += n.value();
  }
  return total;
}

ShardStats LocalIndex::Stats() const {
  ShardStats total;
  for (const auto& s : shards_) {
    ShardStats st = s->Stats();
    total.docs += st.docs;
    total.deleted_docs += st.deleted_docs;
    total.segments += st.segments;
    total.segment_bytes += st.segment_bytes;
    total.buffered_docs += st.buffered_docs;
    total.buffer_bytes += st.buffer_bytes;
    total.merges_done += st.merges_done;
  }
  return total;
}

Status LocalIndex::CheckConsistency() const {
  for (uint32_t i = 0; i < shards_.size(); ++i) {
    Status s = shards_[i]->CheckConsistency();
    if (!s.ok()) return Status(s.code(), "shard " + std::to_string(i) + ": " + s.message());
  }
  return Status::OK();
}

}  // namespace holdfast
