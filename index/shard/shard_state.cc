#include "index/shard/shard_state.h"

#include <charconv>

#include "index/codec/file_footer.h"
#include "index/util/file_util.h"
#include "index/util/uuid.h"

namespace holdfast {

namespace {

constexpr uint32_t kStateMagic = 0x41545348;  // "HSTA"
constexpr uint32_t kStateVersion = 1;
constexpr std::string_view kHeader = "holdfast-shard-state\n";

bool ParseInt(std::string_view s, int64_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string EncodeShardState(const ShardState& state) {
  std::string out(kHeader);
  out += "allocation_id=" + state.allocation_id + "\n";
  out += "primary_term=" + std::to_string(state.primary_term) + "\n";
  out += "local_checkpoint=" + std::to_string(state.local_checkpoint) + "\n";
  out += "history_uuid=" + state.history_uuid + "\n";
  out += "global_checkpoint=" + std::to_string(state.global_checkpoint) + "\n";
  codec::AppendFileFooter(&out, kStateMagic, kStateVersion);
  return out;
}

Result<ShardState> DecodeShardState(std::string_view bytes, std::string_view file_name) {
  auto verified = codec::VerifyFileFooter(bytes, file_name, kStateMagic);
  if (!verified.ok()) return verified.status();
  auto bad = [&](const std::string& why) { return Status::Corruption(std::string(file_name) + ": " + why); };
  if (verified->version > kStateVersion) return bad("version " + std::to_string(verified->version) + " is newer than this build");
  std::string_view rest = verified->body;
  if (rest.substr(0, kHeader.size()) != kHeader) return bad("not a shard state file");
  rest.remove_prefix(kHeader.size());
  ShardState state;
  while (!rest.empty()) {
    const size_t eol = rest.find('\n');
    if (eol == std::string_view::npos) return bad("unterminated line");
    const std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 1);
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) return bad("malformed line");
    const std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    bool ok = true;
    if (key == "allocation_id") {
      state.allocation_id = value;
    } else if (key == "primary_term") {
      ok = ParseInt(value, &state.primary_term);
    } else if (key == "local_checkpoint") {
      ok = ParseInt(value, &state.local_checkpoint);
    } else if (key == "history_uuid") {
      state.history_uuid = value;
    } else if (key == "global_checkpoint") {
      ok = ParseInt(value, &state.global_checkpoint);
    }  // unknown keys: a newer minor writer's additions
    if (!ok) return bad("bad value for " + std::string(key));
  }
  if (state.primary_term < 1 || state.history_uuid.empty() || state.local_checkpoint < kNoOpsPerformed) {
    return bad("incomplete shard state");
  }
  return state;
}

Result<std::unique_ptr<ShardStateFile>> ShardStateFile::OpenOrCreate(const std::string& shard_dir, ShardState initial,
                                                                     bool* created) {
  const std::string path = shard_dir + "/" + kFileName;
  *created = false;
  auto bytes = ReadFileToString(path);
  if (bytes.ok()) {
    auto state = DecodeShardState(bytes.value(), path);
    if (!state.ok()) return state.status();
    return std::unique_ptr<ShardStateFile>(new ShardStateFile(path, std::move(state).value()));
  }
  if (bytes.status().code() != StatusCode::kNotFound) return bytes.status();
  initial.history_uuid = NewUuid();
  HOLDFAST_RETURN_IF_ERROR(WriteFileDurably(path, EncodeShardState(initial)));
  *created = true;
  return std::unique_ptr<ShardStateFile>(new ShardStateFile(path, std::move(initial)));
}

ShardState ShardStateFile::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

Status ShardStateFile::Update(const std::function<void(ShardState*)>& change) {
  std::lock_guard<std::mutex> lock(mu_);
  ShardState next = state_;
  change(&next);
  if (next == state_) return Status::OK();
  HOLDFAST_RETURN_IF_ERROR(WriteFileDurably(path_, EncodeShardState(next)));
  state_ = std::move(next);
  return Status::OK();
}

}  // namespace holdfast
