#include "replication/peer_recovery.h"
#include "index/util/clock.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "index/util/checksum.h"
#include "replication/op_history.h"
#include "replication/proto_convert.h"

namespace holdfast {

namespace {

constexpr uint32_t kChunkBytes = 1u << 20;
constexpr uint32_t kOpsPerRequest = 10000;
constexpr std::chrono::seconds kCallTimeout{60};


Status WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == ENOSPC ? Status::NoSpace("no space left while recovering a shard")
                             : Status::IOError(std::string("write: ") + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

// A file the source froze that `local` holds already (same length and
// checksum) is linked into `path` instead of copied. False: not here, or
// different (a corrupted or older file is fetched again).
bool ReuseLocal(const std::string& local, const std::string& path, const pb::RecoveryFile& f) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(local, ec) || std::filesystem::file_size(local, ec) != f.length() || ec) {
    return false;
  }
  uint64_t length = 0;
  auto sum = ChecksumFile(local, &length);
  if (!sum.ok() || length != f.length() || sum.value() != f.checksum()) return false;
  std::filesystem::create_hard_link(local, path, ec);
  return !ec;
}

}  // namespace

Result<bool> RecoverFromOps(const PeerRecoveryOptions& o, ShardEngine& existing, int64_t term) {
  RecoveryProgress progress;
  progress.started_ms = WallClockMs();
  progress.method = "ops";
  auto report = [&](const char* stage) {
    progress.stage = stage;
    if (o.on_progress) o.on_progress(progress);
  };
  // Ops up to the global checkpoint this copy last knew are the same on
  // every copy of its history: only the ops above it are compared (the
  // primary may have trimmed older ones — a replica promoted by a drain
  // trimmed its op log as a replica does).
  auto retained = existing.OplogRetainedFrom();
  if (!retained.ok()) return false;
  const int64_t shared = std::min(existing.persisted_global_checkpoint(), existing.local_checkpoint());
  Result<int64_t> from = std::max(retained.value(), shared + 1);
  pb::StartRecoveryRequest start;
  *start.mutable_target() = o.target;
  start.set_recovery_id(o.recovery_id);
  start.set_history_uuid(existing.history_uuid());
  start.set_ops_from_seq_no(from.value());
  pb::StartRecoveryResponse granted;
  HOLDFAST_RETURN_IF_ERROR(o.source->StartRecovery(start, &granted, DeadlineIn(kCallTimeout)));
  if (!granted.ops_based()) return false;
  report("translog");
  auto comparer = HistoryComparer::Open(existing, from.value(), term);
  if (!comparer.ok()) return false;
  int64_t next = from.value();
  while (true) {
    if (o.cancelled != nullptr && o.cancelled->load()) return Status::Unavailable("recovery cancelled");
    pb::OpsSinceRequest req;
    *req.mutable_target() = o.target;
    req.set_from_seq_no(next);
    req.set_max_ops(kOpsPerRequest);
    pb::OpsSinceResponse resp;
    HOLDFAST_RETURN_IF_ERROR(o.source->OpsSince(req, &resp, DeadlineIn(kCallTimeout)));
    std::vector<ShardOp> ops;
    ops.reserve(static_cast<size_t>(resp.ops_size()));
    for (const pb::Op& op : resp.ops()) ops.push_back(FromProto(op));
    // A page holds every op the source has from `next` to its last one.
    const int64_t through = resp.more() && !ops.empty() ? ops.back().stamp.seq_no : resp.max_seq_no();
    if (!(*comparer)->Next(ops, through)) return false;
    if (!resp.more() && !(*comparer)->Finish(resp.max_seq_no())) return false;
    HOLDFAST_RETURN_IF_ERROR(existing.ApplyOps(term, ops));
    progress.ops += ops.size();
    if (o.on_progress) o.on_progress(progress);
    if (!resp.more() || ops.empty()) break;
    next = ops.back().stamp.seq_no + 1;
  }
  progress.finished_ms = WallClockMs();
  report("done");
  return true;
}

Result<std::vector<ShardOp>> RecoverFromPeer(const PeerRecoveryOptions& o) {
  RecoveryProgress progress;
  progress.started_ms = WallClockMs();
  auto report = [&](const char* stage) {
    progress.stage = stage;
    if (o.on_progress) o.on_progress(progress);
  };
  auto cancelled = [&] { return o.cancelled != nullptr && o.cancelled->load(); };
  pb::StartRecoveryRequest start;
  *start.mutable_target() = o.target;
  start.set_recovery_id(o.recovery_id);
  pb::StartRecoveryResponse files;
  HOLDFAST_RETURN_IF_ERROR(o.source->StartRecovery(start, &files, DeadlineIn(kCallTimeout)));
  progress.method = "files";
  progress.files_total = static_cast<uint64_t>(files.files_size());
  for (const pb::RecoveryFile& f : files.files()) progress.bytes_total += f.length();
  report("index");

  const std::string incoming = o.dir + ".incoming";
  std::error_code ec;
  std::filesystem::remove_all(incoming, ec);
  for (const pb::RecoveryFile& f : files.files()) {
    if (f.path().find("..") != std::string::npos || f.path().empty() || f.path()[0] == '/') {
      return Status::Corruption("recovery source named a file outside the shard: " + f.path());
    }
    const std::string path = incoming + "/" + f.path();
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    if (ReuseLocal(o.dir + "/" + f.path(), path, f)) {
      ++progress.files_reused;
      progress.bytes_reused += f.length();
      if (o.on_progress) o.on_progress(progress);
      continue;
    }
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Status::IOError("cannot create " + path);
    uint64_t offset = 0;
    Status s;
    while (s.ok() && offset < f.length()) {
      if (cancelled()) {
        s = Status::Unavailable("recovery cancelled");
        break;
      }
      pb::RecoveryChunkRequest req;
      *req.mutable_target() = o.target;
      req.set_recovery_id(o.recovery_id);
      req.set_path(f.path());
      req.set_offset(offset);
      req.set_max_bytes(kChunkBytes);
      pb::RecoveryChunkResponse chunk;
      s = o.source->RecoveryChunk(req, &chunk, DeadlineIn(kCallTimeout));
      if (!s.ok()) break;
      if (chunk.data().empty()) {
        s = Status::Corruption("recovery source ended " + f.path() + " at " + std::to_string(offset) + " of " +
                               std::to_string(f.length()) + " bytes");
        break;
      }
      if (o.limiter != nullptr) o.limiter->Acquire(chunk.data().size());
      s = WriteAll(fd, chunk.data());
      offset += chunk.data().size();
      progress.bytes_done += chunk.data().size();
      if (o.on_progress) o.on_progress(progress);
    }
    if (s.ok() && ::fsync(fd) != 0) s = Status::IOError("fsync " + path);
    ::close(fd);
    if (!s.ok()) return s;
    uint64_t length = 0;
    auto sum = ChecksumFile(path, &length);
    if (!sum.ok()) return sum.status();
    if (length != f.length() || sum.value() != f.checksum()) {
      return Status::Corruption("recovered file " + f.path() + " does not match the source (length " +
                                std::to_string(length) + " of " + std::to_string(f.length()) + ", checksum " +
                                ChecksumHex(sum.value()) + " of " + ChecksumHex(f.checksum()) + ")");
    }
    ++progress.files_done;
  }
  // The ops written since the files were frozen; for a move, after the
  // source stopped taking writes, so none is missed.
  bool handed_off = false;
  auto lift = [&] {
    if (handed_off) LiftHandoff(o);
  };
  if (o.handoff) {
    report("handoff");
    pb::HandoffRequest h;
    *h.mutable_target() = o.target;
    h.set_recovery_id(o.recovery_id);
    pb::HandoffResponse hr;
    HOLDFAST_RETURN_IF_ERROR(o.source->Handoff(h, &hr, DeadlineIn(kCallTimeout)));
    handed_off = true;
  }
  report("translog");
  std::vector<ShardOp> ops;
  // After a flush the frozen op log may be empty: the files' segments then
  // hold everything up to their local checkpoint.
  int64_t from = std::max(files.local_checkpoint(), files.max_seq_no()) + 1;
  while (true) {
    pb::OpsSinceRequest req;
    *req.mutable_target() = o.target;
    req.set_from_seq_no(from);
    req.set_max_ops(kOpsPerRequest);
    pb::OpsSinceResponse resp;
    Status s = o.source->OpsSince(req, &resp, DeadlineIn(kCallTimeout));
    if (!s.ok()) {
      lift();
      return s;
    }
    for (const pb::Op& op : resp.ops()) {
      ops.push_back(FromProto(op));
      from = std::max(from, ops.back().stamp.seq_no + 1);
    }
    progress.ops = ops.size();
    if (!resp.more()) break;
  }
  std::filesystem::remove_all(o.dir, ec);
  std::filesystem::rename(incoming, o.dir, ec);
  if (ec) {
    lift();
    return Status::IOError("cannot move the recovered files into " + o.dir + ": " + ec.message());
  }
  progress.finished_ms = WallClockMs();
  report("done");
  return ops;
}

Status FinishReplicaRecovery(ShardClient* primary, int64_t term, const std::string& allocation_id, ShardCopy* copy) {
  pb::FinalizeRecoveryRequest request;
  request.mutable_target()->mutable_shard()->set_index_uuid(copy->id().index_uuid);
  request.mutable_target()->mutable_shard()->set_shard(copy->id().shard);
  request.mutable_target()->set_primary_term(term);
  request.set_recovery_id(allocation_id);
  request.set_from_seq_no(copy->engine().local_checkpoint() + 1);
  if (auto retained = copy->engine().OplogRetainedFrom(); retained.ok()) request.set_retained_from(retained.value());
  pb::FinalizeRecoveryResponse response;
  HOLDFAST_RETURN_IF_ERROR(primary->FinalizeRecovery(request, &response, DeadlineIn(kCallTimeout)));
  std::vector<ShardOp> ops;
  ops.reserve(static_cast<size_t>(response.ops_size()));
  for (const pb::Op& op : response.ops()) ops.push_back(FromProto(op));
  HOLDFAST_RETURN_IF_ERROR(copy->engine().ApplyOps(term, ops));
  copy->engine().UpdateGlobalCheckpoint(std::min(response.global_checkpoint(), copy->engine().local_checkpoint()));
  return Status::OK();
}

void LiftHandoff(const PeerRecoveryOptions& o) {
  pb::HandoffRequest cancel;
  *cancel.mutable_target() = o.target;
  cancel.set_recovery_id(o.recovery_id);
  cancel.set_cancel(true);
  pb::HandoffResponse ignored;
  (void)o.source->Handoff(cancel, &ignored, DeadlineIn(kCallTimeout));
}

void EndPeerRecovery(const PeerRecoveryOptions& o) {
  pb::EndRecoveryRequest req;
  *req.mutable_target() = o.target;
  req.set_recovery_id(o.recovery_id);
  pb::EndRecoveryResponse ignored;
  (void)o.source->EndRecovery(req, &ignored, DeadlineIn(std::chrono::seconds(10)));
}

}  // namespace holdfast
