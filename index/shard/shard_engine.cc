#include "index/shard/shard_engine.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <set>

#include "index/mapping/document_parser.h"
#include "index/segment/analyzed_document.h"
#include "index/segment/segment_builder.h"
#include "index/segment/segment_merger.h"
#include "index/shard/document_merge.h"
#include "index/shard/merge_policy.h"
#include "index/util/file_util.h"
#include "index/util/mmap_file.h"
#include "index/util/rate_limiter.h"

namespace holdfast {

namespace {

using Clock = std::chrono::steady_clock;
constexpr char kManifestName[] = "MANIFEST";

// Per-thread parsing and analysis state: parsers and analyzers are not
// thread-safe and are expensive to build, so each indexing thread keeps one.
struct ThreadState {
  mapping::DocumentParser parser;
  segment::DocumentAnalyzer analyzer;
};
ThreadState& LocalState() {
  thread_local ThreadState state;
  return state;
}

std::string SegmentFileName(uint64_t number) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "seg_%08" PRIu64 ".hfs", number);
  return buf;
}

std::string LiveFileName(uint64_t number, uint32_t gen) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "seg_%08" PRIu64 "_%u.liv", number, gen);
  return buf;
}

// A flushed segment's file. Unlinked when marked obsolete (merged away) and
// the last reader holding it is gone: searches in flight keep their files.
struct SegmentFile {
  std::shared_ptr<MmapFile> map;
  std::string path;
  std::atomic<bool> obsolete{false};
  ~SegmentFile() {
    map.reset();
    if (obsolete.load()) ::unlink(path.c_str());
  }
};

struct Entry {
  uint64_t number = 0;
  std::shared_ptr<const segment::SegmentReader> reader;
  std::shared_ptr<const segment::LiveDocs> live;  // null: nothing deleted
  std::shared_ptr<SegmentFile> file;              // null while only in memory
  std::shared_ptr<const std::string> memory;      // the bytes while only in memory
  std::shared_ptr<const segment::LiveDocs> live_written;
  std::string live_file;
  uint32_t live_gen = 0;
};

struct VersionEntry {
  int64_t version = 0;
  OpStamp stamp;
  bool deleted = false;
};

// Optimistic concurrency (if_seq_no / if_primary_term) and create-only checks.
Status CheckPreconditions(const WriteRequest& r, const std::optional<VersionEntry>& cur) {
  const bool exists = cur && !cur->deleted;
  if (r.if_seq_no || r.if_primary_term) {
    const int64_t want_seq = r.if_seq_no.value_or(-1), want_term = r.if_primary_term.value_or(-1);
    const std::string required = "[" + r.id + "]: version conflict, required seqNo [" + std::to_string(want_seq) +
                                 "], primary term [" + std::to_string(want_term) + "]. ";
    if (!exists) return Status::Conflict(required + "but no document was found");
    if (cur->stamp.seq_no != want_seq || cur->stamp.primary_term != want_term) {
      return Status::Conflict(required + "current document has seqNo [" + std::to_string(cur->stamp.seq_no) +
                              "] and primary term [" + std::to_string(cur->stamp.primary_term) + "]");
    }
  }
  if (r.type == WriteOpType::kCreate && exists) {
    return Status::Conflict("[" + r.id + "]: version conflict, document already exists (current version [" +
                            std::to_string(cur->version) + "])");
  }
  return Status::OK();
}

struct Prepared {
  Status status;
  mapping::ParsedDocument parsed;
  segment::AnalyzedDocument analyzed;
};

}  // namespace

const char* WriteOutcomeName(WriteOutcome o) {
  switch (o) {
    case WriteOutcome::kCreated: return "created";
    case WriteOutcome::kUpdated: return "updated";
    case WriteOutcome::kDeleted: return "deleted";
    case WriteOutcome::kNotFound: return "not_found";
    case WriteOutcome::kNoop: return "noop";
  }
  return "unknown";
}

class ShardEngine::Impl {
 public:
  Impl(ShardEngineOptions options, std::shared_ptr<MappingSource> mappings)
      : options_(std::move(options)),
        mappings_(std::move(mappings)),
        segments_dir_(options_.dir + "/segments"),
        lanes_(std::max<size_t>(options_.indexing_lanes, 1)) {
    for (auto& lane : lanes_) lane = std::make_unique<Lane>();
  }

  Status Open();
  void StartBackground();
  void StopBackground();

  std::vector<WriteResult> Write(const std::vector<WriteRequest>& requests);
  WriteResult Update(const std::string& id, const std::string& partial, bool doc_as_upsert,
                     std::optional<int64_t> if_seq_no, std::optional<int64_t> if_primary_term);
  Result<GetResult> Get(const std::string& id) const;
  Result<OpStamp> WriteEvents(std::string payload, const EventBatch& batch);
  const ShardStore& store() const { return *store_; }
  Status Refresh();
  bool WaitForRefresh(int64_t seq_no, std::chrono::milliseconds timeout);
  Status Flush();
  Status ForceMerge(size_t max_segments);
  Status FinishMerges();
  search::SearcherSnapshot AcquireSearcher() const;
  ShardStats Stats() const;
  Status CheckConsistency() const;

 private:
  Status PrepareDocument(const std::string& id, const std::string& source, Prepared* out);
  // Under write_mu_: the latest version of `id` (version map, then store).
  Result<std::optional<VersionEntry>> LookupVersion(const std::string& id);
  // Under write_mu_: adds a doc to the buffer, superseding an older buffered copy.
  // One indexing buffer of the shard. Ids map to a fixed lane, so all ops on
  // one id are buffered in seq_no order under that lane's lock, while
  // different lanes index in parallel. Each lane becomes its own segment.
  struct Lane {
    std::mutex mu;
    std::unique_ptr<segment::SegmentBuilder> builder = std::make_unique<segment::SegmentBuilder>();
    absl::flat_hash_map<std::string, uint32_t> ids;  // id → local doc of its newest buffered copy
    std::vector<uint32_t> deleted;                    // superseded local docs
  };
  size_t LaneOf(std::string_view id) const;
  size_t BufferBytes() const;
  // Under the lane's lock: adds a doc to the lane, superseding an older buffered copy.
  void BufferDocument(Lane& lane, const std::string& id, const segment::AnalyzedDocument* doc);
  Status Replay(int64_t from_seq_no);
  Status OpenManifest();
  Status WriteManifestLocked(int64_t max_seq_no, std::vector<Entry>* written);
  Status MergeOnce(size_t max_segments, bool* merged);
  void BackgroundLoop();
  void MergeLoop();
  void RemoveUnreferencedFiles();

  const ShardEngineOptions options_;
  std::shared_ptr<MappingSource> mappings_;
  const std::string segments_dir_;
  std::unique_ptr<ShardStore> store_;
  std::unique_ptr<LocalCheckpointTracker> tracker_;

  // Write path state.
  mutable std::mutex write_mu_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::vector<std::string> pending_deletes_;
  absl::flat_hash_map<std::string, VersionEntry> version_map_;
  Status failed_;
  std::atomic<uint64_t> ops_since_flush_{0};

  // Published segments.
  std::mutex refresh_mu_;
  mutable std::mutex segments_mu_;
  std::condition_variable refreshed_cv_;
  std::vector<Entry> segments_;
  int64_t refreshed_seq_ = kNoOpsPerformed;
  std::set<uint64_t> merging_;

  // Flushed state.
  std::mutex flush_mu_;
  ShardManifest manifest_;
  std::atomic<uint64_t> next_segment_{1};
  std::atomic<uint64_t> merges_done_{0};
  RateLimiter merge_limiter_{options_.merge_max_bytes_per_sec};

  // Background work.
  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  std::condition_variable merge_cv_;
  bool stop_ = false;
  bool merge_wanted_ = false;
  std::thread bg_thread_;
  std::thread merge_thread_;
};

// ---------------------------------------------------------------- opening

Status ShardEngine::Impl::Open() {
  HOLDFAST_RETURN_IF_ERROR(CreateDirectories(segments_dir_));
  ShardStoreOptions store_options;
  store_options.durability = options_.durability;
  store_options.source_cache = options_.source_cache;
  auto store = ShardStore::Open(options_.dir + "/store", store_options);
  if (!store.ok()) return store.status();
  store_ = std::move(store).value();
  HOLDFAST_RETURN_IF_ERROR(OpenManifest());
  auto max_seq = store_->MaxSeqNo();
  if (!max_seq.ok()) return max_seq.status();
  const int64_t top = std::max(max_seq.value(), manifest_.max_seq_no);
  // Every op in the store is durable; a gap left by a crash was never acknowledged.
  tracker_ = std::make_unique<LocalCheckpointTracker>(top, top);
  HOLDFAST_RETURN_IF_ERROR(Replay(manifest_.max_seq_no + 1));
  HOLDFAST_RETURN_IF_ERROR(Refresh());
  RemoveUnreferencedFiles();
  return Status::OK();
}

Status ShardEngine::Impl::OpenManifest() {
  const std::string path = segments_dir_ + "/" + kManifestName;
  auto text = ReadFileToString(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return Status::OK();
    return text.status();
  }
  auto manifest = DecodeManifest(text.value(), path);
  if (!manifest.ok()) return manifest.status();
  manifest_ = manifest.value();
  next_segment_ = manifest_.next_segment;
  for (const ManifestSegment& ms : manifest_.segments) {
    Entry e;
    const std::string file_path = segments_dir_ + "/" + ms.file;
    auto map = MmapFile::Open(file_path);
    if (!map.ok()) return Status::Corruption("segment " + file_path + " listed in the manifest: " + map.status().message());
    e.file = std::make_shared<SegmentFile>();
    e.file->map = map.value();
    e.file->path = file_path;
    auto reader = segment::SegmentReader::Open(e.file, e.file->map->bytes(), file_path);
    if (!reader.ok()) return reader.status();
    if (reader.value()->doc_count() != ms.doc_count) {
      return Status::Corruption(file_path + ": holds " + std::to_string(reader.value()->doc_count()) +
                                " docs, the manifest says " + std::to_string(ms.doc_count));
    }
    e.reader = reader.value();
    if (unsigned n = 0; std::sscanf(ms.file.c_str(), "seg_%u.hfs", &n) == 1) e.number = n;
    if (!ms.live_file.empty()) {
      const std::string live_path = segments_dir_ + "/" + ms.live_file;
      auto bytes = ReadFileToString(live_path);
      if (!bytes.ok()) return Status::Corruption("live docs " + live_path + ": " + bytes.status().message());
      auto live = segment::LiveDocs::Decode(bytes.value(), live_path);
      if (!live.ok()) return live.status();
      if (live->doc_count() != e.reader->doc_count()) return Status::Corruption(live_path + ": wrong doc count");
      e.live = std::make_shared<const segment::LiveDocs>(std::move(live).value());
      e.live_written = e.live;
      e.live_file = ms.live_file;
      unsigned n = 0, gen = 0;
      if (std::sscanf(ms.live_file.c_str(), "seg_%u_%u.liv", &n, &gen) == 2) e.live_gen = gen;
    }
    segments_.push_back(std::move(e));
  }
  refreshed_seq_ = manifest_.max_seq_no;
  return Status::OK();
}

void ShardEngine::Impl::RemoveUnreferencedFiles() {
  std::set<std::string> keep = {kManifestName};
  {
    std::lock_guard<std::mutex> lock(flush_mu_);
    for (const ManifestSegment& s : manifest_.segments) {
      keep.insert(s.file);
      if (!s.live_file.empty()) keep.insert(s.live_file);
    }
  }
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(segments_dir_, ec)) {
    const std::string name = e.path().filename().string();
    if (!keep.count(name)) std::filesystem::remove(e.path(), ec);
  }
}

Status ShardEngine::Impl::Replay(int64_t from_seq_no) {
  return store_->ForEachOp(from_seq_no, [&](const ShardOp& op) {
    // Event ops were applied to the event spaces in the same atomic write as
    // their op log entry: nothing to rebuild.
    if (op.type == OpType::kEvent) return true;
    Lane& lane = *lanes_[LaneOf(op.id)];
    std::lock_guard<std::mutex> lane_lock(lane.mu);
    std::lock_guard<std::mutex> lock(write_mu_);
    pending_deletes_.push_back(op.id);
    if (op.type == OpType::kIndex) {
      Prepared p;
      p.status = PrepareDocument(op.id, op.source, &p);
      if (!p.status.ok()) {
        // Accepted once, so it fit the mapping then; keep the op log and say so.
        failed_ = Status::Corruption("op " + std::to_string(op.stamp.seq_no) + " no longer parses: " + p.status.message());
        return false;
      }
      BufferDocument(lane, op.id, &p.analyzed);
    } else {
      BufferDocument(lane, op.id, nullptr);
    }
    return true;
  });
}

// ---------------------------------------------------------------- writes

Status ShardEngine::Impl::PrepareDocument(const std::string& id, const std::string& source, Prepared* out) {
  ThreadState& ts = LocalState();
  auto mapping = mappings_->Current();
  for (int attempt = 0; attempt < 4; ++attempt) {
    mapping::MappingUpdate update;
    HOLDFAST_RETURN_IF_ERROR(ts.parser.Parse(*mapping, id, source, &out->parsed, &update));
    if (update.empty()) return ts.analyzer.Analyze(out->parsed, &out->analyzed);
    auto merged = mappings_->Apply(update);
    if (!merged.ok()) return merged.status();
    mapping = merged.value();
  }
  return Status::Internal("mapping kept changing while parsing document " + id);
}

Result<std::optional<VersionEntry>> ShardEngine::Impl::LookupVersion(const std::string& id) {
  if (auto it = version_map_.find(id); it != version_map_.end()) return std::optional<VersionEntry>(it->second);
  auto record = store_->GetRecord(id);
  if (!record.ok()) {
    if (record.status().code() == StatusCode::kNotFound) return std::optional<VersionEntry>();
    return record.status();
  }
  return std::optional<VersionEntry>(VersionEntry{record->version, record->stamp, record->deleted});
}

size_t ShardEngine::Impl::LaneOf(std::string_view id) const {
  // Seeded differently from shard routing, so the ids of one shard spread over its lanes.
  return static_cast<size_t>(XXH3_64bits_withSeed(id.data(), id.size(), 0x9e3779b97f4a7c15ull) % lanes_.size());
}

size_t ShardEngine::Impl::BufferBytes() const {
  size_t total = 0;
  for (const auto& lane : lanes_) {
    std::lock_guard<std::mutex> lock(lane->mu);
    total += lane->builder->MemoryUsage();
  }
  return total;
}

void ShardEngine::Impl::BufferDocument(Lane& lane, const std::string& id, const segment::AnalyzedDocument* doc) {
  auto it = lane.ids.find(id);
  if (it != lane.ids.end()) {
    lane.deleted.push_back(it->second);
    lane.ids.erase(it);
  }
  if (doc != nullptr) {
    auto local = lane.builder->Add(*doc);
    if (local.ok()) lane.ids.emplace(id, local.value());
  }
}

std::vector<WriteResult> ShardEngine::Impl::Write(const std::vector<WriteRequest>& requests) {
  std::vector<WriteResult> results(requests.size());
  std::vector<Prepared> prepared(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const WriteRequest& r = requests[i];
    if (r.id.empty() || r.id.size() > 512) {
      results[i].status = Status::InvalidArgument("id must be 1 to 512 bytes long");
    } else if (r.type != WriteOpType::kDelete) {
      results[i].status = PrepareDocument(r.id, r.source, &prepared[i]);
    }
  }
  std::vector<ShardOp> ops;
  std::vector<size_t> op_items;
  std::vector<std::vector<size_t>> by_lane(lanes_.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    if (results[i].status.ok()) by_lane[LaneOf(requests[i].id)].push_back(i);
  }
  for (size_t l = 0; l < lanes_.size(); ++l) {
    if (by_lane[l].empty()) continue;
    Lane& lane = *lanes_[l];
    std::lock_guard<std::mutex> lane_lock(lane.mu);
    const size_t first_op = ops.size();
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      for (size_t i : by_lane[l]) {
        WriteResult& res = results[i];
        if (!failed_.ok()) res.status = failed_;
        if (!res.status.ok()) continue;
        const WriteRequest& r = requests[i];
        auto current = LookupVersion(r.id);
        if (!current.ok()) {
          res.status = current.status();
          continue;
        }
        const std::optional<VersionEntry>& cur = current.value();
        res.status = CheckPreconditions(r, cur);
        if (!res.status.ok()) continue;
        const bool exists = cur && !cur->deleted;
        ShardOp op;
        op.type = r.type == WriteOpType::kDelete ? OpType::kDelete : OpType::kIndex;
        op.id = r.id;
        op.version = cur ? cur->version + 1 : 1;
        op.stamp = {options_.primary_term, tracker_->GenerateSeqNo()};
        if (op.type == OpType::kIndex) op.source = r.source;
        if (cur.has_value()) pending_deletes_.push_back(r.id);  // older copies in published segments
        version_map_[r.id] = VersionEntry{op.version, op.stamp, op.type == OpType::kDelete};
        res.version = op.version;
        res.stamp = op.stamp;
        res.outcome = op.type == OpType::kDelete ? (exists ? WriteOutcome::kDeleted : WriteOutcome::kNotFound)
                                                 : (exists ? WriteOutcome::kUpdated : WriteOutcome::kCreated);
        ops.push_back(std::move(op));
        op_items.push_back(i);
      }
    }
    // Still under the lane lock: buffered in seq_no order per id.
    for (size_t k = first_op; k < ops.size(); ++k) {
      const size_t i = op_items[k];
      BufferDocument(lane, ops[k].id, ops[k].type == OpType::kIndex ? &prepared[i].analyzed : nullptr);
    }
  }
  if (ops.empty()) return results;
  Status s = store_->Write(ops);
  if (!s.ok()) {
    // Nothing of this batch is acknowledged, and the buffer now holds docs the
    // store may not: the shard stops taking writes until it is reopened.
    std::lock_guard<std::mutex> lock(write_mu_);
    failed_ = Status::IOError("shard failed: " + s.message());
    for (size_t i : op_items) results[i].status = failed_;
    return results;
  }
  for (const ShardOp& op : ops) tracker_->MarkProcessed(op.stamp.seq_no);
  ops_since_flush_ += ops.size();
  if (BufferBytes() > options_.indexing_buffer_bytes) bg_cv_.notify_one();
  return results;
}

Result<OpStamp> ShardEngine::Impl::WriteEvents(std::string payload, const EventBatch& batch) {
  ShardOp op;
  op.type = OpType::kEvent;
  op.source = std::move(payload);
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    if (!failed_.ok()) return failed_;
    op.stamp = {options_.primary_term, tracker_->GenerateSeqNo()};
  }
  Status s = store_->WriteEventOp(op, batch);
  if (!s.ok()) {
    std::lock_guard<std::mutex> lock(write_mu_);
    failed_ = Status::IOError("shard failed: " + s.message());
    return failed_;
  }
  tracker_->MarkProcessed(op.stamp.seq_no);
  ops_since_flush_ += 1;
  return op.stamp;
}

WriteResult ShardEngine::Impl::Update(const std::string& id, const std::string& partial, bool doc_as_upsert,
                                      std::optional<int64_t> if_seq_no, std::optional<int64_t> if_primary_term) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto current = Get(id);
    WriteResult res;
    if (!current.ok()) {
      res.status = current.status();
      return res;
    }
    WriteRequest req;
    req.id = id;
    if (!current->found) {
      if (!doc_as_upsert) {
        res.status = Status::DocumentMissing("[" + id + "]: document missing");
        return res;
      }
      req.type = WriteOpType::kCreate;
      req.source = partial;
    } else {
      if ((if_seq_no && *if_seq_no != current->stamp.seq_no) ||
          (if_primary_term && *if_primary_term != current->stamp.primary_term)) {
        res.status = Status::Conflict("[" + id + "]: version conflict, required seqNo [" + std::to_string(if_seq_no.value_or(-1)) +
                                      "], primary term [" + std::to_string(if_primary_term.value_or(-1)) +
                                      "]. current document has seqNo [" + std::to_string(current->stamp.seq_no) +
                                      "] and primary term [" + std::to_string(current->stamp.primary_term) + "]");
        return res;
      }
      bool changed = false;
      auto merged = MergeDocuments(current->source, partial, &changed);
      if (!merged.ok()) {
        res.status = merged.status();
        return res;
      }
      if (!changed) {
        res.outcome = WriteOutcome::kNoop;
        res.version = current->version;
        res.stamp = current->stamp;
        return res;
      }
      req.type = WriteOpType::kIndex;
      req.source = std::move(merged).value();
      req.if_seq_no = current->stamp.seq_no;
      req.if_primary_term = current->stamp.primary_term;
    }
    res = Write({req}).front();
    const bool raced = res.status.kind() == StatusCode::kConflict;
    if (!raced) return res;
  }
  WriteResult res;
  res.status = Status::Conflict("[" + id + "]: too many concurrent updates");
  return res;
}

// A get's answer from the latest record (a tombstone: not found).
static GetResult FromRecord(DocRecord&& record) {
  GetResult g;
  if (record.deleted) return g;
  g.found = true;
  g.version = record.version;
  g.stamp = record.stamp;
  g.source = std::move(record.source);
  return g;
}

Result<GetResult> ShardEngine::Impl::Get(const std::string& id) const {
  auto record = store_->GetRecord(id);
  if (!record.ok()) {
    if (record.status().code() == StatusCode::kNotFound) return GetResult{};
    return record.status();
  }
  return FromRecord(std::move(record).value());
}

// ---------------------------------------------------------------- refresh

Status ShardEngine::Impl::Refresh() {
  std::lock_guard<std::mutex> refresh_lock(refresh_mu_);
  struct Taken {
    std::unique_ptr<segment::SegmentBuilder> builder;
    std::vector<uint32_t> deleted;
  };
  std::vector<Taken> taken;
  std::vector<std::string> pending;
  int64_t covered;
  {
    std::vector<std::unique_lock<std::mutex>> lane_locks;
    for (auto& lane : lanes_) lane_locks.emplace_back(lane->mu);
    std::lock_guard<std::mutex> lock(write_mu_);
    covered = tracker_->max_seq_no();
    for (auto& lane : lanes_) {
      if (lane->builder->doc_count() > 0) {
        Taken t;
        t.builder = std::make_unique<segment::SegmentBuilder>();
        t.builder.swap(lane->builder);
        t.deleted.swap(lane->deleted);
        taken.push_back(std::move(t));
      }
      lane->deleted.clear();
      lane->ids.clear();
    }
    pending.swap(pending_deletes_);
    const int64_t checkpoint = tracker_->checkpoint();
    absl::erase_if(version_map_, [&](const auto& kv) { return kv.second.stamp.seq_no <= checkpoint; });
  }
  std::vector<Entry> fresh_entries;
  for (Taken& t : taken) {
    Entry fresh;
    auto bytes = std::make_shared<std::string>(t.builder->Build());
    t.builder.reset();
    fresh.number = next_segment_++;
    auto reader = segment::SegmentReader::Open(bytes, *bytes, "in-memory segment " + std::to_string(fresh.number));
    if (!reader.ok()) return reader.status();
    fresh.reader = reader.value();
    fresh.memory = bytes;
    if (!t.deleted.empty()) {
      auto live = std::make_shared<segment::LiveDocs>(fresh.reader->doc_count());
      for (uint32_t d : t.deleted) live->Delete(d);
      fresh.live = live;
    }
    fresh_entries.push_back(std::move(fresh));
  }
  std::lock_guard<std::mutex> lock(segments_mu_);
  std::vector<Entry> next = segments_;
  if (!pending.empty()) {
    for (Entry& e : next) {
      std::shared_ptr<segment::LiveDocs> copy;
      for (const std::string& id : pending) {
        const int64_t doc = e.reader->FindDoc(id);
        if (doc < 0) continue;
        const uint32_t d = static_cast<uint32_t>(doc);
        if (e.live && e.live->IsDeleted(d) && !copy) continue;
        if (!copy) copy = e.live ? std::make_shared<segment::LiveDocs>(*e.live) : std::make_shared<segment::LiveDocs>(e.reader->doc_count());
        copy->Delete(d);
      }
      if (copy) e.live = copy;
    }
  }
  for (Entry& fresh : fresh_entries) next.push_back(std::move(fresh));
  segments_.swap(next);
  refreshed_seq_ = std::max(refreshed_seq_, covered);
  refreshed_cv_.notify_all();
  return Status::OK();
}

bool ShardEngine::Impl::WaitForRefresh(int64_t seq_no, std::chrono::milliseconds timeout) {
  if (options_.refresh_interval.count() <= 0) return Refresh().ok();
  std::unique_lock<std::mutex> lock(segments_mu_);
  return refreshed_cv_.wait_for(lock, timeout, [&] { return refreshed_seq_ >= seq_no; });
}

search::SearcherSnapshot ShardEngine::Impl::AcquireSearcher() const {
  search::SearcherSnapshot snap;
  std::lock_guard<std::mutex> lock(segments_mu_);
  for (const Entry& e : segments_) {
    snap.readers.push_back(e.reader);
    snap.live.push_back(e.live);
  }
  return snap;
}

// ---------------------------------------------------------------- flush

Status ShardEngine::Impl::WriteManifestLocked(int64_t max_seq_no, std::vector<Entry>* entries) {
  ShardManifest m;
  m.generation = manifest_.generation + 1;
  m.max_seq_no = max_seq_no;
  for (Entry& e : *entries) {
    if (!e.file) continue;  // in-memory: its ops are above max_seq_no and replay
    if (e.live && e.live != e.live_written) {
      const std::string name = LiveFileName(e.number, e.live_gen + 1);
      HOLDFAST_RETURN_IF_ERROR(WriteFileDurably(segments_dir_ + "/" + name, e.live->Encode()));
      e.live_written = e.live;
      e.live_file = name;
      ++e.live_gen;
    }
    m.segments.push_back({std::filesystem::path(e.file->path).filename().string(), e.reader->doc_count(), e.live_file});
  }
  m.next_segment = next_segment_.load();
  HOLDFAST_RETURN_IF_ERROR(WriteFileDurably(segments_dir_ + "/" + kManifestName, EncodeManifest(m)));
  // Live-docs files of older generations are no longer referenced.
  std::set<std::string> referenced;
  for (const auto& s : m.segments) referenced.insert(s.live_file);
  for (const auto& s : manifest_.segments) {
    if (!s.live_file.empty() && !referenced.count(s.live_file)) ::unlink((segments_dir_ + "/" + s.live_file).c_str());
  }
  manifest_ = std::move(m);
  return Status::OK();
}

// Writes `bytes` as segment file `number` and opens it through mmap.
static Result<std::pair<std::shared_ptr<SegmentFile>, std::shared_ptr<const segment::SegmentReader>>> WriteSegmentFile(
    const std::string& dir, uint64_t number, std::string_view bytes, RateLimiter* limiter = nullptr) {
  const std::string path = dir + "/" + SegmentFileName(number);
  HOLDFAST_RETURN_IF_ERROR(WriteFileDurably(path, bytes, limiter));
  auto map = MmapFile::Open(path);
  if (!map.ok()) return map.status();
  auto file = std::make_shared<SegmentFile>();
  file->map = map.value();
  file->path = path;
  auto reader = segment::SegmentReader::Open(file, file->map->bytes(), path);
  if (!reader.ok()) {
    file->obsolete = true;
    return reader.status();
  }
  return std::make_pair(file, std::shared_ptr<const segment::SegmentReader>(reader.value()));
}

Status ShardEngine::Impl::Flush() {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  HOLDFAST_RETURN_IF_ERROR(Refresh());
  std::vector<Entry> snapshot;
  int64_t covered;
  {
    std::lock_guard<std::mutex> lock(segments_mu_);
    snapshot = segments_;
    covered = refreshed_seq_;
  }
  // Every op up to `covered` is in the segments; wait until each is also
  // durable in the store (or failed), so segments never hold more than the op log.
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (tracker_->checkpoint() < covered) {
    if (Clock::now() > deadline) {
      return Status::Unavailable("flush: writes below seq_no " + std::to_string(covered) + " did not finish");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (Entry& e : snapshot) {
    if (e.file) continue;
    auto written = WriteSegmentFile(segments_dir_, e.number, *e.memory);
    if (!written.ok()) return written.status();
    e.file = written->first;
    e.reader = written->second;
    e.memory.reset();
  }
  // Segments published after the snapshot are in memory and above `covered`.
  HOLDFAST_RETURN_IF_ERROR(WriteManifestLocked(covered, &snapshot));
  {
    std::lock_guard<std::mutex> lock(segments_mu_);
    for (Entry& cur : segments_) {
      for (const Entry& done : snapshot) {
        if (done.number != cur.number) continue;
        cur.file = done.file;
        cur.reader = done.reader;
        cur.memory.reset();
        cur.live_file = done.live_file;
        cur.live_gen = done.live_gen;
        // Deletes applied since the snapshot differ from live_written: the
        // next flush writes them.
        cur.live_written = done.live_written;
      }
    }
  }
  ops_since_flush_ = 0;
  HOLDFAST_RETURN_IF_ERROR(store_->TrimOpLog(covered));
  {
    std::lock_guard<std::mutex> lock(bg_mu_);
    merge_wanted_ = true;
  }
  merge_cv_.notify_one();
  return Status::OK();
}

// ---------------------------------------------------------------- merges

Status ShardEngine::Impl::MergeOnce(size_t max_segments, bool* merged) {
  *merged = false;
  std::vector<Entry> chosen;
  {
    std::lock_guard<std::mutex> lock(segments_mu_);
    std::vector<MergeCandidate> candidates;
    for (size_t i = 0; i < segments_.size(); ++i) {
      const Entry& e = segments_[i];
      if (!e.file || merging_.count(e.number)) continue;  // only flushed segments merge
      candidates.push_back({i, e.reader->doc_count(), e.live ? e.live->deleted_count() : 0u, e.reader->size_bytes()});
    }
    std::vector<size_t> pick = max_segments > 0 ? SelectForceMerge(candidates, max_segments)
                                                : SelectTieredMerge(candidates, options_.merge_factor);
    if (pick.empty()) return Status::OK();
    for (size_t idx : pick) {
      chosen.push_back(segments_[idx]);
      merging_.insert(segments_[idx].number);
    }
  }
  std::vector<segment::MergeInput> inputs;
  for (const Entry& e : chosen) inputs.push_back({e.reader.get(), e.live.get()});
  auto release = [&] {
    std::lock_guard<std::mutex> lock(segments_mu_);
    for (const Entry& e : chosen) merging_.erase(e.number);
  };
  auto out = segment::MergeSegments(inputs);
  if (!out.ok()) {
    release();
    return out.status();
  }
  const uint64_t number = next_segment_++;
  auto written = WriteSegmentFile(segments_dir_, number, out->bytes, &merge_limiter_);
  out->bytes.clear();
  out->bytes.shrink_to_fit();
  if (!written.ok()) {
    release();
    return written.status();
  }
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  std::vector<Entry> snapshot;
  {
    std::lock_guard<std::mutex> lock(segments_mu_);
    Entry merged_entry;
    merged_entry.number = number;
    merged_entry.file = written->first;
    merged_entry.reader = written->second;
    // Deletes that arrived while merging move over to the merged segment.
    std::shared_ptr<segment::LiveDocs> live;
    std::vector<Entry> next;
    bool placed = false;
    for (const Entry& cur : segments_) {
      size_t k = 0;
      while (k < chosen.size() && chosen[k].number != cur.number) ++k;
      if (k == chosen.size()) {
        next.push_back(cur);
        continue;
      }
      if (cur.live && cur.live != chosen[k].live) {
        for (uint32_t d = 0; d < cur.reader->doc_count(); ++d) {
          if (!cur.live->IsDeleted(d) || (chosen[k].live && chosen[k].live->IsDeleted(d))) continue;
          const int32_t nd = out->doc_maps[k][d];
          if (nd < 0) continue;
          if (!live) live = std::make_shared<segment::LiveDocs>(out->doc_count);
          live->Delete(static_cast<uint32_t>(nd));
        }
      }
      cur.file->obsolete = true;
      if (!placed) {
        next.push_back(merged_entry);
        placed = true;
      }
    }
    if (live) next[static_cast<size_t>(std::find_if(next.begin(), next.end(), [&](const Entry& e) { return e.number == number; }) - next.begin())].live = live;
    segments_.swap(next);
    for (const Entry& e : chosen) merging_.erase(e.number);
    snapshot = segments_;
  }
  HOLDFAST_RETURN_IF_ERROR(WriteManifestLocked(manifest_.max_seq_no, &snapshot));
  {
    std::lock_guard<std::mutex> lock(segments_mu_);
    for (Entry& cur : segments_) {
      for (const Entry& done : snapshot) {
        if (done.number == cur.number && done.file) {
          cur.live_file = done.live_file;
          cur.live_gen = done.live_gen;
          cur.live_written = done.live_written;
        }
      }
    }
  }
  ++merges_done_;
  *merged = true;
  return Status::OK();
}

Status ShardEngine::Impl::ForceMerge(size_t max_segments) {
  HOLDFAST_RETURN_IF_ERROR(Flush());
  for (int round = 0; round < 64; ++round) {
    bool merged = false;
    HOLDFAST_RETURN_IF_ERROR(MergeOnce(std::max<size_t>(max_segments, 1), &merged));
    if (!merged) break;
  }
  return Status::OK();
}

Status ShardEngine::Impl::FinishMerges() {
  HOLDFAST_RETURN_IF_ERROR(Flush());
  // Run the tiered policy's merges here until it wants none and no
  // background merge is still running (whose output may want another).
  for (int round = 0; round < 100'000; ++round) {
    bool merged = false;
    HOLDFAST_RETURN_IF_ERROR(MergeOnce(0, &merged));
    if (merged) continue;
    bool busy;
    {
      std::lock_guard<std::mutex> lock(segments_mu_);
      busy = !merging_.empty();
    }
    if (!busy) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Flush();
}

// ---------------------------------------------------------------- background

void ShardEngine::Impl::StartBackground() {
  bg_thread_ = std::thread([this] { BackgroundLoop(); });
  if (options_.background_merges) merge_thread_ = std::thread([this] { MergeLoop(); });
}

void ShardEngine::Impl::StopBackground() {
  {
    std::lock_guard<std::mutex> lock(bg_mu_);
    stop_ = true;
  }
  bg_cv_.notify_all();
  merge_cv_.notify_all();
  if (bg_thread_.joinable()) bg_thread_.join();
  if (merge_thread_.joinable()) merge_thread_.join();
}

void ShardEngine::Impl::BackgroundLoop() {
  auto last_refresh = Clock::now(), last_sync = Clock::now();
  const auto tick = std::chrono::milliseconds(100);
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(bg_mu_);
      bg_cv_.wait_for(lock, tick);
      if (stop_) return;
    }
    const auto now = Clock::now();
    bool refresh = BufferBytes() > options_.indexing_buffer_bytes;
    if (options_.refresh_interval.count() > 0 && now - last_refresh >= options_.refresh_interval) refresh = true;
    if (refresh) {
      last_refresh = now;
      (void)Refresh();
    }
    size_t memory_bytes = 0, memory_segments = 0;
    {
      std::lock_guard<std::mutex> lock(segments_mu_);
      for (const Entry& e : segments_) {
        if (e.memory) {
          memory_bytes += e.memory->size();
          ++memory_segments;
        }
      }
    }
    if (memory_bytes > options_.indexing_buffer_bytes || memory_segments > options_.merge_factor ||
        ops_since_flush_ > options_.flush_threshold_ops) {
      (void)Flush();
    }
    if (options_.durability == Durability::kAsync && now - last_sync >= options_.async_sync_interval) {
      last_sync = now;
      (void)store_->SyncWal();
    }
  }
}

void ShardEngine::Impl::MergeLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(bg_mu_);
      merge_cv_.wait(lock, [&] { return stop_ || merge_wanted_; });
      if (stop_) return;
      merge_wanted_ = false;
    }
    for (int i = 0; i < 16; ++i) {
      bool merged = false;
      if (!MergeOnce(0, &merged).ok() || !merged) break;
      std::lock_guard<std::mutex> lock(bg_mu_);
      if (stop_) return;
    }
  }
}

// ---------------------------------------------------------------- stats and checks

ShardStats ShardEngine::Impl::Stats() const {
  ShardStats st;
  {
    std::lock_guard<std::mutex> lock(segments_mu_);
    for (const Entry& e : segments_) {
      const uint32_t deleted = e.live ? e.live->deleted_count() : 0;
      st.docs += e.reader->doc_count() - deleted;
      st.deleted_docs += deleted;
      st.segment_bytes += e.reader->size_bytes();
      ++st.segments;
    }
  }
  for (const auto& lane : lanes_) {
    std::lock_guard<std::mutex> lock(lane->mu);
    st.buffered_docs += lane->builder->doc_count();
    st.buffer_bytes += lane->builder->MemoryUsage();
  }
  st.max_seq_no = tracker_->max_seq_no();
  st.local_checkpoint = tracker_->checkpoint();
  {
    std::lock_guard<std::mutex> lock(const_cast<std::mutex&>(flush_mu_));
    st.flushed_seq_no = manifest_.max_seq_no;
  }
  st.merges_done = merges_done_;
  return st;
}

Status ShardEngine::Impl::CheckConsistency() const {
  absl::flat_hash_map<std::string, int> in_segments;
  search::SearcherSnapshot snap = AcquireSearcher();
  for (const search::SegmentView& v : snap.Views()) {
    for (uint32_t d = 0; d < v.reader->doc_count(); ++d) {
      if (!v.IsLive(d)) continue;
      if (++in_segments[std::string(v.reader->id(d))] > 1) {
        return Status::Corruption("document [" + std::string(v.reader->id(d)) + "] is live in more than one place");
      }
    }
  }
  size_t live_in_store = 0;
  Status mismatch;
  Status s = store_->ForEachDoc([&](std::string_view id, const DocRecord& r) {
    const bool searchable = in_segments.contains(std::string(id));
    if (r.deleted && searchable) {
      mismatch = Status::Corruption("deleted document [" + std::string(id) + "] is still searchable");
      return false;
    }
    if (!r.deleted) {
      ++live_in_store;
      if (!searchable) {
        mismatch = Status::Corruption("document [" + std::string(id) + "] is stored but not searchable");
        return false;
      }
    }
    return true;
  });
  HOLDFAST_RETURN_IF_ERROR(s);
  HOLDFAST_RETURN_IF_ERROR(mismatch);
  if (live_in_store != in_segments.size()) {
    return Status::Corruption(std::to_string(in_segments.size()) + " searchable documents but " +
                              std::to_string(live_in_store) + " stored");
  }
  return Status::OK();
}

// ---------------------------------------------------------------- ShardEngine

ShardEngine::ShardEngine(std::unique_ptr<Impl> impl, std::shared_ptr<MappingSource> mappings,
                         const ShardEngineOptions& options)
    : impl_(std::move(impl)), mappings_(std::move(mappings)), options_(options) {}

ShardEngine::~ShardEngine() { impl_->StopBackground(); }

Result<std::unique_ptr<ShardEngine>> ShardEngine::Open(const ShardEngineOptions& options,
                                                       std::shared_ptr<MappingSource> mappings) {
  auto impl = std::make_unique<Impl>(options, mappings);
  HOLDFAST_RETURN_IF_ERROR(impl->Open());
  impl->StartBackground();
  return std::unique_ptr<ShardEngine>(new ShardEngine(std::move(impl), std::move(mappings), options));
}

std::vector<WriteResult> ShardEngine::Write(const std::vector<WriteRequest>& requests) { return impl_->Write(requests); }
WriteResult ShardEngine::Write(const WriteRequest& request) { return impl_->Write({request}).front(); }
WriteResult ShardEngine::Update(const std::string& id, const std::string& partial_doc, bool doc_as_upsert,
                                std::optional<int64_t> if_seq_no, std::optional<int64_t> if_primary_term) {
  return impl_->Update(id, partial_doc, doc_as_upsert, if_seq_no, if_primary_term);
}
Result<GetResult> ShardEngine::Get(const std::string& id) const { return impl_->Get(id); }
Status ShardEngine::MultiGet(const std::vector<std::string_view>& ids, std::vector<GetResult>* out) const {
  std::vector<std::optional<DocRecord>> records;
  HOLDFAST_RETURN_IF_ERROR(impl_->store().GetRecords(ids, &records));
  out->assign(ids.size(), GetResult{});
  for (size_t i = 0; i < ids.size(); ++i) {
    if (records[i]) (*out)[i] = FromRecord(std::move(*records[i]));
  }
  return Status::OK();
}
Result<OpStamp> ShardEngine::WriteEvents(std::string payload, const EventBatch& batch) {
  return impl_->WriteEvents(std::move(payload), batch);
}
const ShardStore& ShardEngine::store() const { return impl_->store(); }
Status ShardEngine::Refresh() { return impl_->Refresh(); }
bool ShardEngine::WaitForRefresh(int64_t seq_no, std::chrono::milliseconds timeout) {
  return impl_->WaitForRefresh(seq_no, timeout);
}
Status ShardEngine::Flush() { return impl_->Flush(); }
Status ShardEngine::ForceMerge(size_t max_segments) { return impl_->ForceMerge(max_segments); }
Status ShardEngine::FinishMerges() { return impl_->FinishMerges(); }
Status ShardEngine::Close() {
  impl_->StopBackground();
  return impl_->Flush();
}
search::SearcherSnapshot ShardEngine::AcquireSearcher() const { return impl_->AcquireSearcher(); }
ShardStats ShardEngine::Stats() const { return impl_->Stats(); }
Status ShardEngine::CheckConsistency() const { return impl_->CheckConsistency(); }

}  // namespace holdfast
