#include "index/shard/shard_flusher.h"

#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <set>

#include "index/segment/live_docs.h"
#include "index/segment/segment_reader.h"
#include "index/shard/shard_store.h"
#include "index/util/file_util.h"

namespace holdfast {

namespace {

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

// Opens one segment the manifest names, with its live docs.
Status OpenListed(const std::string& dir, const ManifestSegment& ms, SegmentEntry* e) {
  const std::string file_path = dir + "/" + ms.file;
  auto map = MmapFile::Open(file_path);
  if (!map.ok()) return Status::Corruption("segment " + file_path + " listed in the manifest: " + map.status().message());
  e->file = std::make_shared<SegmentFile>();
  e->file->map = map.value();
  e->file->path = file_path;
  auto reader = segment::SegmentReader::Open(e->file, e->file->map->bytes(), file_path);
  if (!reader.ok()) return reader.status();
  if (reader.value()->doc_count() != ms.doc_count) {
    return Status::Corruption(file_path + ": holds " + std::to_string(reader.value()->doc_count()) +
                              " docs, the manifest says " + std::to_string(ms.doc_count));
  }
  e->reader = reader.value();
  if (unsigned n = 0; std::sscanf(ms.file.c_str(), "seg_%u.hfs", &n) == 1) e->number = n;
  if (ms.live_file.empty()) return Status::OK();
  const std::string live_path = dir + "/" + ms.live_file;
  auto bytes = ReadFileToString(live_path);
  if (!bytes.ok()) return Status::Corruption("live docs " + live_path + ": " + bytes.status().message());
  auto live = segment::LiveDocs::Decode(bytes.value(), live_path);
  if (!live.ok()) return live.status();
  if (live->doc_count() != e->reader->doc_count()) return Status::Corruption(live_path + ": wrong doc count");
  e->live = std::make_shared<const segment::LiveDocs>(std::move(live).value());
  e->live_written = e->live;
  e->live_file = ms.live_file;
  unsigned n = 0, gen = 0;
  if (std::sscanf(ms.live_file.c_str(), "seg_%u_%u.liv", &n, &gen) == 2) e->live_gen = gen;
  return Status::OK();
}

}  // namespace

Status ShardFlusher::Open(std::vector<SegmentEntry>* segments) {
  Lock lock(mu_);
  const std::string path = dir_ + "/" + kManifestName;
  auto text = ReadFileToString(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return Status::OK();
    return text.status();
  }
  auto manifest = DecodeManifest(text.value(), path);
  if (!manifest.ok()) return manifest.status();
  manifest_ = manifest.value();
  flushed_checkpoint_ = manifest_.local_checkpoint;
  for (const ManifestSegment& ms : manifest_.segments) {
    SegmentEntry e;
    HOLDFAST_RETURN_IF_ERROR(OpenListed(dir_, ms, &e));
    segments->push_back(std::move(e));
  }
  return Status::OK();
}

void ShardFlusher::RemoveUnreferencedFiles() {
  std::set<std::string> keep = {kManifestName};
  {
    Lock lock(mu_);
    for (const ManifestSegment& s : manifest_.segments) {
      keep.insert(s.file);
      if (!s.live_file.empty()) keep.insert(s.live_file);
    }
  }
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = e.path().filename().string();
    if (!keep.count(name)) std::filesystem::remove(e.path(), ec);
  }
}

Result<std::pair<std::shared_ptr<SegmentFile>, std::shared_ptr<const segment::SegmentReader>>>
ShardFlusher::WriteSegmentFile(uint64_t number, std::string_view bytes, RateLimiter* limiter) {
  const std::string path = dir_ + "/" + SegmentFileName(number);
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

Status ShardFlusher::WriteSegments(const Lock& /*lock*/, std::vector<SegmentEntry>* segments) {
  for (SegmentEntry& e : *segments) {
    if (e.file) continue;
    auto written = WriteSegmentFile(e.number, *e.memory, nullptr);
    if (!written.ok()) return written.status();
    e.file = written->first;
    e.reader = written->second;
    e.memory.reset();
  }
  return Status::OK();
}

Status ShardFlusher::WriteManifest(const Lock& /*lock*/, SegmentCoverage coverage, uint64_t next_segment,
                                   std::vector<SegmentEntry>* segments) {
  ShardManifest m;
  m.generation = manifest_.generation + 1;
  m.local_checkpoint = coverage.local_checkpoint;
  m.max_seq_no = std::max(coverage.max_seq_no, coverage.local_checkpoint);
  for (SegmentEntry& e : *segments) {
    if (!e.file) continue;  // in memory: its ops are above the checkpoint and replay
    if (e.live && e.live != e.live_written) {
      const std::string name = LiveFileName(e.number, e.live_gen + 1);
      HOLDFAST_RETURN_IF_ERROR(WriteFileDurably(dir_ + "/" + name, e.live->Encode()));
      e.live_written = e.live;
      e.live_file = name;
      ++e.live_gen;
    }
    m.segments.push_back({std::filesystem::path(e.file->path).filename().string(), e.reader->doc_count(), e.live_file});
  }
  m.next_segment = next_segment;
  HOLDFAST_RETURN_IF_ERROR(WriteFileDurably(dir_ + "/" + kManifestName, EncodeManifest(m)));
  // Live-docs files of older generations are no longer referenced.
  std::set<std::string> referenced;
  for (const auto& s : m.segments) referenced.insert(s.live_file);
  for (const auto& s : manifest_.segments) {
    if (!s.live_file.empty() && !referenced.count(s.live_file)) ::unlink((dir_ + "/" + s.live_file).c_str());
  }
  manifest_ = std::move(m);
  flushed_checkpoint_ = manifest_.local_checkpoint;
  return Status::OK();
}

Status ShardFlusher::TrimOpLog(const Lock& /*lock*/, int64_t up_to) {
  return store_->TrimOpLog(std::min(up_to, manifest_.local_checkpoint));
}

}  // namespace holdfast
