// ShardService: the source side of peer recovery (shard.proto "peer
// recovery"): a started copy keeps its ops for a target whose volume holds
// the same history (ops-based), or freezes its files for it and serves them
// in chunks (file-based); for a move it hands its writes off.
#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>

#include "index/shard/file_snapshot.h"
#include "replication/shard_service.h"

namespace holdfast {

namespace {

constexpr uint32_t kMaxChunkBytes = 4u << 20;
constexpr std::chrono::minutes kIdleRecoveryExpiry{30};

}  // namespace

struct ShardService::RecoverySource {
  ShardId shard;
  std::shared_ptr<ShardCopy> copy;  // kept open while the target reads
  std::unique_ptr<FileSnapshot> snapshot;
  std::chrono::steady_clock::time_point last_used;
};

Result<std::shared_ptr<ShardService::RecoverySource>> ShardService::RecoveryFor(const pb::ShardTarget& target,
                                                                               const std::string& id) {
  std::lock_guard<std::mutex> lock(recoveries_mu_);
  auto it = recoveries_.find(id);
  if (it == recoveries_.end() || it->second->shard != ShardId{target.shard().index_uuid(), target.shard().shard()}) {
    return Status::NotFound("no recovery [" + id + "] of this shard on this node (it ended or expired)");
  }
  it->second->last_used = std::chrono::steady_clock::now();
  return it->second;
}

Status ShardService::StartRecovery(const pb::StartRecoveryRequest& request, pb::StartRecoveryResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  const std::string& id = request.recovery_id();
  if (id.empty() || id.find('/') != std::string::npos) return Status::InvalidArgument("bad recovery id");
  {
    std::lock_guard<std::mutex> lock(recoveries_mu_);
    const auto now = std::chrono::steady_clock::now();
    for (auto it = recoveries_.begin(); it != recoveries_.end();) {
      it = now - it->second->last_used > kIdleRecoveryExpiry || it->first == id ? recoveries_.erase(it) : std::next(it);
    }
  }
  auto source = std::make_shared<RecoverySource>();
  source->shard = (*copy)->id();
  source->copy = *copy;
  const std::string lease = "peer_recovery/" + id;
  ShardEngine& engine = (*copy)->engine();
  if (request.has_ops_from_seq_no() && request.ops_from_seq_no() >= 0 &&
      request.history_uuid() == engine.history_uuid()) {
    // Ops-based: the lease first, then the check that the ops are still
    // here — a flush between the two cannot trim them away.
    Status leased = engine.AddRetentionLease(lease, request.ops_from_seq_no(), "peer recovery (ops)");
    if (leased.code() == StatusCode::kAlreadyExists) leased = engine.RenewRetentionLease(lease, request.ops_from_seq_no());
    auto held = leased.ok() ? engine.OpsSince(request.ops_from_seq_no()) : Result<std::unique_ptr<OpLogSnapshot>>(leased);
    if (held.ok()) {
      response->set_ops_based(true);
      response->set_local_checkpoint(request.ops_from_seq_no() - 1);
      response->set_max_seq_no((*held)->max_seq_no());
      source->last_used = std::chrono::steady_clock::now();
      std::lock_guard<std::mutex> lock(recoveries_mu_);
      recoveries_[id] = std::move(source);
      return Status::OK();
    }
    (void)engine.RemoveRetentionLease(lease);  // trimmed already: file-based below
    auto retained = engine.OplogRetainedFrom();
    spdlog::info("recovery {} of shard {}: the ops from seq_no {} are trimmed here (the op log starts at {}): "
                 "copying files",
                 id, (*copy)->id().ToString(), request.ops_from_seq_no(), retained.ok() ? retained.value() : -1);
  } else if (request.has_ops_from_seq_no()) {
    spdlog::info("recovery {} of shard {}: another history ({} here, {} there): copying files", id,
                 (*copy)->id().ToString(), engine.history_uuid(), request.history_uuid());
  }
  auto snapshot = (*copy)->engine().TakeFileSnapshot((*copy)->options().dir + ".recovery-" + id);
  if (!snapshot.ok()) return snapshot.status();
  source->snapshot = std::move(snapshot).value();
  // The ops after the frozen files stay in the op log until the target has
  // them (a flush would trim them otherwise once the global checkpoint passed).
  const int64_t keep_from = std::max(source->snapshot->local_checkpoint(), source->snapshot->max_seq_no()) + 1;
  Status leased = engine.AddRetentionLease(lease, keep_from, "peer recovery");
  if (leased.code() == StatusCode::kAlreadyExists) leased = engine.RenewRetentionLease(lease, keep_from);
  if (!leased.ok() && leased.code() != StatusCode::kAlreadyExists) return leased;
  source->last_used = std::chrono::steady_clock::now();
  for (const SnapshotFile& f : source->snapshot->files()) {
    pb::RecoveryFile* out = response->add_files();
    out->set_path(f.path);
    out->set_length(f.length);
    out->set_checksum(f.checksum);
  }
  response->set_local_checkpoint(source->snapshot->local_checkpoint());
  response->set_max_seq_no(source->snapshot->max_seq_no());
  std::lock_guard<std::mutex> lock(recoveries_mu_);
  recoveries_[id] = std::move(source);
  return Status::OK();
}

Status ShardService::RecoveryChunk(const pb::RecoveryChunkRequest& request, pb::RecoveryChunkResponse* response) {
  auto source = RecoveryFor(request.target(), request.recovery_id());
  if (!source.ok()) return source.status();
  if ((*source)->snapshot == nullptr) {
    return Status::InvalidArgument("recovery " + request.recovery_id() + " is ops-based: it has no files");
  }
  const auto& files = (*source)->snapshot->files();
  auto file = std::find_if(files.begin(), files.end(), [&](const SnapshotFile& f) { return f.path == request.path(); });
  if (file == files.end()) return Status::NotFound("no file [" + request.path() + "] in recovery " + request.recovery_id());
  if (request.offset() >= file->length) return Status::OK();
  const uint64_t want = std::min<uint64_t>({request.max_bytes() == 0 ? kMaxChunkBytes : request.max_bytes(),
                                            kMaxChunkBytes, file->length - request.offset()});
  const std::string path = (*source)->snapshot->dir() + "/" + file->path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + path);
  std::string* data = response->mutable_data();
  data->resize(want);
  size_t done = 0;
  while (done < want) {
    ssize_t n = ::pread(fd, data->data() + done, want - done, static_cast<off_t>(request.offset() + done));
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (done != want) return Status::IOError("short read of " + path);
  return Status::OK();
}

Status ShardService::Handoff(const pb::HandoffRequest& request, pb::HandoffResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  if (request.cancel()) {
    (*copy)->CancelHandoff(ShardCopy::WritePause::kMove);
    return Status::OK();
  }
  HOLDFAST_RETURN_IF_ERROR((*copy)->BeginHandoff(std::chrono::seconds(30), ShardCopy::WritePause::kMove));
  response->set_max_seq_no((*copy)->engine().max_seq_no());
  return Status::OK();
}

Status ShardService::EndRecovery(const pb::EndRecoveryRequest& request, pb::EndRecoveryResponse* /*response*/) {
  std::shared_ptr<RecoverySource> ended;
  {
    std::lock_guard<std::mutex> lock(recoveries_mu_);
    auto it = recoveries_.find(request.recovery_id());
    if (it == recoveries_.end()) return Status::OK();
    ended = std::move(it->second);
    recoveries_.erase(it);
  }
  (void)ended->copy->engine().RemoveRetentionLease("peer_recovery/" + request.recovery_id());
  return Status::OK();
}

}  // namespace holdfast
