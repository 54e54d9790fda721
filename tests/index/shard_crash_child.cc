// A child process for the crash-safety test: indexes, updates and deletes
// documents in a shard and appends one line per acknowledged write to a log
// ("ACK <id>" or "DEL <id>"; "TRY-DEL <id>" before a delete is sent), until
// it is killed. Small buffers and flush
// thresholds make it flush and merge often, so kills land everywhere.
//
// Usage: shard_crash_child <shard-dir> <ack-log> <round>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include "index/mapping/mapping_parser.h"
#include "index/shard/shard_engine.h"

using namespace holdfast;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <shard-dir> <ack-log> <round>\n", argv[0]);
    return 2;
  }
  const std::string round = argv[3];
  auto mapping = mapping::ParseMapping(R"({"properties":{"title":{"type":"text"},"n":{"type":"long"}}})");
  if (!mapping.ok()) return 3;
  auto source = std::make_shared<InMemoryMappingSource>(std::make_shared<const mapping::Mapping>(std::move(mapping).value()));
  ShardEngineOptions o;
  o.dir = argv[1];
  o.refresh_interval = std::chrono::milliseconds(10);
  o.indexing_buffer_bytes = 256 << 10;
  o.flush_threshold_ops = 150;
  o.merge_factor = 3;
  o.sole_copy = true;  // the op log is trimmed at flushes, as on a single node
  auto engine = ShardEngine::Open(o, source);
  if (!engine.ok()) {
    std::fprintf(stderr, "open failed: %s\n", engine.status().ToString().c_str());
    return 4;
  }
  if (Status filled = (*engine)->FillGaps(); !filled.ok()) {  // opened as the primary
    std::fprintf(stderr, "fill gaps failed: %s\n", filled.ToString().c_str());
    return 4;
  }
  int log = ::open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (log < 0) return 5;
  std::mt19937 rng(static_cast<unsigned>(std::stoi(round)));
  std::vector<std::string> acked;
  for (int i = 0;; ++i) {
    std::vector<WriteRequest> batch;
    const int n = 1 + static_cast<int>(rng() % 16);
    for (int k = 0; k < n; ++k) {
      if (!acked.empty() && rng() % 8 == 0) {
        // Delete one of this round's acknowledged docs (never written again).
        size_t pick = rng() % acked.size();
        batch.push_back({WriteOpType::kDelete, acked[pick], "", {}, {}});
        acked.erase(acked.begin() + static_cast<ptrdiff_t>(pick));
      } else {
        const std::string id = "r" + round + "-" + std::to_string(i) + "-" + std::to_string(k);
        batch.push_back({WriteOpType::kIndex, id, R"({"title":"round )" + round + R"( doc","n":)" + std::to_string(i) + "}", {}, {}});
      }
    }
    // Deletes are announced before they are sent: one may land and then the
    // kill may come before its acknowledgement is logged.
    std::string intents;
    for (const WriteRequest& r : batch) {
      if (r.type == WriteOpType::kDelete) intents += "TRY-DEL " + r.id + "\n";
    }
    if (!intents.empty() && ::write(log, intents.data(), intents.size()) != static_cast<ssize_t>(intents.size())) return 7;
    auto results = (*engine)->Write(batch);
    std::string lines;
    for (size_t k = 0; k < batch.size(); ++k) {
      if (!results[k].status.ok()) {
        std::fprintf(stderr, "write failed: %s\n", results[k].status.ToString().c_str());
        return 6;
      }
      if (batch[k].type == WriteOpType::kDelete) {
        lines += "DEL " + batch[k].id + "\n";
      } else {
        lines += "ACK " + batch[k].id + "\n";
        acked.push_back(batch[k].id);
      }
    }
    if (::write(log, lines.data(), lines.size()) != static_cast<ssize_t>(lines.size())) return 7;
  }
}
