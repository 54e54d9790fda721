// A Jepsen-style write-safety checker (DESIGN.md §9): writer threads index
// unique ids with op_type=create through random nodes and record what each
// client was told; after the faults every copy of every shard is read whole
// and held against that history.
//
// What a client was told, per id:
//   acked     2xx: the write must be on every copy, whatever happened after;
//   conflict  409: "already exists" for an id sent once — the write must be
//             there (an earlier attempt inside the cluster applied it);
//   failed    any other 4xx, a definite refusal: the write must not be there;
//   unknown   no answer in time, a reset or refused connection, a 5xx: may
//             or may not be there.
// Violations: an acked or conflict id missing; an id present that no client
// sent or that was refused; copies of one shard that differ in ids, _seq_no
// or _primary_term, or in checkpoints; a copy that cannot be read.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/cluster/chaos_cluster.h"

namespace holdfast::testing {

enum class WriteOutcome : uint8_t { kAcked, kConflict, kFailed, kUnknown };

struct WriteLoadOptions {
  size_t writers = 4;
  std::chrono::milliseconds request_timeout{4000};  // the client's deadline per write
  std::chrono::milliseconds pause{10};               // between two writes of one writer
  size_t max_writes = 50000;                         // in all, whatever the run's length
};

// Writer threads, from Start() until Stop() or max_writes.
class WriteLoad {
 public:
  WriteLoad(const ChaosCluster* cluster, std::string index, WriteLoadOptions options, uint64_t seed);
  ~WriteLoad();  // stops the writers
  void Start();
  void Stop();  // joins them; the history is final after this
  // id → what its client was told (after Stop).
  const std::map<std::string, WriteOutcome>& history() const { return history_; }
  // Statuses seen, for the report: "201", "409", "0" (no answer), ...
  std::map<int, size_t> statuses() const;
  size_t sent() const { return sent_.load(); }

 private:
  void Run(size_t writer);

  const ChaosCluster* cluster_;
  std::string index_;
  WriteLoadOptions options_;
  uint64_t seed_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> sent_{0};
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::map<std::string, WriteOutcome> history_;
  std::map<int, size_t> statuses_;
};

// One copy's documents as a search on that copy alone returns them.
struct CopyContents {
  int shard = 0;
  std::string node;
  bool primary = false;
  std::map<std::string, std::pair<int64_t, int64_t>> docs;  // id → (_seq_no, _primary_term)
  size_t duplicates = 0;  // hits of an id already seen on this copy
  std::string error;      // "" when the copy was read whole
};

// A copy's numbers from its node's /_lifecycle/status, or from _cat/shards.
struct CopyCheckpoints {
  std::string source;  // "status" or "_cat/shards": copies are compared within one source
  int shard = 0;
  std::string node;
  bool primary = false;
  int64_t primary_term = -1;
  int64_t local_checkpoint = -1;
  int64_t global_checkpoint = -1;
  int64_t max_seq_no = -1;
  int64_t docs = -1;
  std::string error;  // set: this reading failed (a node did not answer, a column is missing)
};

// Reads every started copy of `index` whole (scroll, preference
// _shards:<n>|_only_nodes:<node>, _seq_no and _primary_term on).
std::vector<CopyContents> ReadEveryCopy(ChaosCluster& cluster, const std::string& index);
// Every node's own report of its copies of `index` (/_lifecycle/status);
// with `cat_columns`, also _cat/shards' local_checkpoint, global_checkpoint
// and max_seq_no columns (the replication issue adds them).
std::vector<CopyCheckpoints> ReadCheckpoints(ChaosCluster& cluster, const std::string& index, bool cat_columns);

struct SafetyReport {
  size_t sent = 0, acked = 0, conflict = 0, failed = 0, unknown = 0;
  size_t unknown_present = 0;  // unknown outcome, found on the copies
  size_t lost = 0;             // acked or conflict, missing from some copy of its shard
  size_t phantom = 0;          // present, never sent
  size_t refused_present = 0;  // a definite failure, present all the same
  size_t copies_compared = 0;
  size_t docs_read = 0;
  std::vector<std::string> violations;  // each violation once (ids listed up to a bound)
  std::vector<std::string> notes;       // worth reading, not failures

  bool ok() const { return violations.empty(); }
  std::string Summary() const;  // the counts on one line, then violations and notes
};

// Holds what every copy holds against `history` (WriteLoad::history()).
// `expected_copies_per_shard`: 1 + number_of_replicas.
SafetyReport CheckWrites(const std::map<std::string, WriteOutcome>& history, const std::vector<CopyContents>& copies,
                         const std::vector<CopyCheckpoints>& checkpoints, size_t shards,
                         size_t expected_copies_per_shard);

}  // namespace holdfast::testing
