#include "replication/shard_copy.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "index/shard/shard_state.h"

namespace holdfast {

namespace {

// The allocation id the directory's STATE names ("" when it has none or
// cannot be read).
std::string StoredAllocationId(const std::string& dir) {
  std::ifstream in(dir + "/" + ShardStateFile::kFileName, std::ios::binary);
  if (!in) return "";
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto state = DecodeShardState(bytes, ShardStateFile::kFileName);
  return state.ok() ? state->allocation_id : "";
}

Status PrepareForcedPrimary(const ShardCopyOptions& o, const std::string& where) {
  std::error_code ec;
  const std::string stored = StoredAllocationId(o.dir);
  if (o.forced_primary == "stale") {
    if (stored.empty()) {
      return Status::NotFound(where + ": no copy of the shard on this node's volume (allocate_stale_primary opens "
                              "one that is there)");
    }
    return Status::OK();
  }
  // "empty": what another allocation left here is set aside for good.
  if (stored != o.allocation_id && std::filesystem::exists(o.dir, ec)) {
    std::filesystem::remove_all(o.dir, ec);
    if (ec) return Status::IOError(where + ": removing what the volume held for an empty primary: " + ec.message());
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<ShardCopy>> ShardCopy::Open(ShardCopyOptions options) {
  std::unique_ptr<ShardCopy> copy(new ShardCopy(std::move(options)));
  copy->primary_ = copy->options_.primary;
  {
    // Left by copies that moved away before a crash (MoveFilesAside); one
    // still held in this process keeps its open files and mappings.
    const std::filesystem::path dir(copy->options_.dir);
    const std::string prefix = dir.filename().string() + ".retired.";
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir.parent_path(), ec)) {
      if (e.path().filename().string().rfind(prefix, 0) == 0) std::filesystem::remove_all(e.path(), ec);
    }
  }
  const std::string where = "shard " + std::to_string(copy->options_.id.shard) + " of index [" +
                            copy->options_.index_name + "]";
  if (!copy->options_.forced_primary.empty()) HOLDFAST_RETURN_IF_ERROR(PrepareForcedPrimary(copy->options_, where));
  ShardEngineOptions eo = copy->options_.engine;
  eo.dir = copy->options_.dir;
  eo.new_history_if_reallocated = copy->options_.forced_primary == "stale";
  eo.primary_term = copy->options_.primary_term;
  eo.allocation_id = copy->options_.allocation_id;
  eo.sole_copy = copy->options_.sole_copy;
  if (copy->options_.on_failure) {
    const ShardId id = copy->options_.id;
    auto report = copy->options_.on_failure;
    eo.on_failure = [id, report](const Status& failure) { report(id, failure); };
  }
  auto engine = ShardEngine::Open(eo, copy->options_.mappings);
  if (!engine.ok()) return Status(engine.status().code(), where + ": " + engine.status().message());
  copy->engine_ = std::move(engine).value();
  auto events = recommend::EventShard::Open(copy->engine_.get(), copy->options_.recommend);
  if (!events.ok()) return Status(events.status().code(), "events of " + where + ": " + events.status().message());
  copy->events_ = std::move(events).value();
  if (copy->options_.primary) {
    // A primary's history has no holes: a seq_no issued but never written
    // (a crash mid-batch; never acknowledged) becomes a no-op.
    // Without space (a store opened read-only) the gaps wait for the reopen.
    Status filled = copy->engine_->FillGaps();
    if (!filled.ok() && filled.code() != StatusCode::kNoSpace) {
      return Status(filled.code(), where + ": filling seq_no gaps: " + filled.message());
    }
  }
  return copy;
}

ShardCopy::~ShardCopy() {
  events_.reset();
  engine_.reset();  // stops background threads, closes the store
  if (!aside_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(aside_dir_, ec);
  } else if (remove_files_) {
    std::error_code ec;
    std::filesystem::remove_all(options_.dir, ec);
    // The index directory goes with its last shard (what else it holds —
    // an INDEX file of an older version — goes with it).
    const std::filesystem::path index_dir = std::filesystem::path(options_.dir).parent_path();
    bool shards_left = false;
    for (const auto& e : std::filesystem::directory_iterator(index_dir, ec)) shards_left |= e.is_directory();
    if (!shards_left) std::filesystem::remove_all(index_dir, ec);
  }
}

Status ShardCopy::Promote(int64_t term) {
  std::lock_guard<std::mutex> lock(promote_mu_);
  if (primary_ && engine_->primary_term() >= term) return Status::OK();
  HOLDFAST_RETURN_IF_ERROR(engine_->SetPrimaryTerm(term));
  // Seq_nos the old primary issued that never reached this copy become
  // no-ops of the new term, so the new primary's history has no holes.
  HOLDFAST_RETURN_IF_ERROR(engine_->FillGaps());
  primary_ = true;
  promoted_.notify_all();
  return Status::OK();
}

Status ShardCopy::Demote(int64_t term) {
  {
    std::lock_guard<std::mutex> lock(promote_mu_);
    if (!primary_) return Status::OK();
    if (engine_->primary_term() < term) HOLDFAST_RETURN_IF_ERROR(engine_->SetPrimaryTerm(term));
    primary_ = false;
  }
  std::lock_guard<std::mutex> lock(handoff_mu_);
  // Writes that waited are refused below (not the primary); a later
  // Promote takes them again. A finalizing recovery lifts its own pause.
  move_pause_ = false;
  drain_pause_ = false;
  handoff_cv_.notify_all();
  return Status::OK();
}

bool ShardCopy::WaitPrimary(int64_t term, std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(promote_mu_);
  return promoted_.wait_for(lock, wait, [&] { return primary_ && engine_->primary_term() >= term; });
}

ShardCopyState ShardCopy::state() const {
  if (!engine_->failure().ok() && !out_of_space()) return ShardCopyState::kFailed;
  if (closed_) return ShardCopyState::kClosed;
  return ShardCopyState::kStarted;
}

std::string ShardCopy::failure() const {
  const Status f = engine_->failure();
  return f.ok() ? std::string() : f.ToString();
}

bool ShardCopy::out_of_space() const { return engine_->failure().code() == StatusCode::kNoSpace; }

Status ShardCopy::Close() {
  if (closed_.exchange(true)) return Status::OK();
  Status closed = engine_->Close();
  return closed.code() == StatusCode::kNoSpace ? Status::OK() : closed;
}

uint64_t ShardCopy::StoreBytes() const {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(options_.dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const uint64_t size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

void ShardCopy::MoveFilesAside() {
  if (!aside_dir_.empty()) return;
  const std::string aside = options_.dir + ".retired." + allocation_id();
  std::error_code ec;
  std::filesystem::remove_all(aside, ec);
  std::filesystem::rename(options_.dir, aside, ec);
  if (!ec) {
    aside_dir_ = aside;
    remove_files_ = true;
  }
}

ShardCopy::WriteTicket::~WriteTicket() {
  if (copy_ == nullptr) return;
  std::lock_guard<std::mutex> lock(copy_->handoff_mu_);
  if (--copy_->writes_in_flight_ == 0) copy_->handoff_cv_.notify_all();
}

Result<ShardCopy::WriteTicket> ShardCopy::EnterWrite(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(handoff_mu_);
  if (Paused()) handoff_cv_.wait_for(lock, wait, [&] { return !Paused() || handed_off_; });
  if (handed_off_ || Paused() || !primary_) {
    return Status::Fenced("shard " + options_.id.ToString() + " has moved to another node (write not applied; retry it)");
  }
  ++writes_in_flight_;
  return WriteTicket(this);
}

void ShardCopy::SetPause(WritePause why, bool on) {
  switch (why) {
    case WritePause::kMove:
      move_pause_ = on;
      break;
    case WritePause::kDrain:
      drain_pause_ = on;
      break;
    case WritePause::kRecovery:
      recovery_pauses_ = on ? recovery_pauses_ + 1 : std::max(0, recovery_pauses_ - 1);
      break;
  }
}

Status ShardCopy::BeginHandoff(std::chrono::milliseconds wait, WritePause why) {
  std::unique_lock<std::mutex> lock(handoff_mu_);
  SetPause(why, true);
  if (!handoff_cv_.wait_for(lock, wait, [&] { return writes_in_flight_ == 0; })) {
    SetPause(why, false);
    handoff_cv_.notify_all();
    return Status::Unavailable("shard " + options_.id.ToString() + ": writes in flight did not finish for the handoff");
  }
  return Status::OK();
}

void ShardCopy::CancelHandoff(WritePause why) {
  std::lock_guard<std::mutex> lock(handoff_mu_);
  SetPause(why, false);
  handoff_cv_.notify_all();
}

void ShardCopy::MarkHandedOff() {
  std::lock_guard<std::mutex> lock(handoff_mu_);
  handed_off_ = true;
  handoff_cv_.notify_all();
}

bool ShardCopy::handoff_active() const {
  std::lock_guard<std::mutex> lock(handoff_mu_);
  return move_pause_ && !handed_off_;
}

}  // namespace holdfast
