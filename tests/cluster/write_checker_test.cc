// The write-safety checker's verdicts (tests/cluster/write_checker.h) on
// histories and copies made up here: each kind of violation is caught, and
// a clean run is clean — including the comparisons of copies that a run
// without replicas never exercises.
#include <gtest/gtest.h>

#include <string>

#include "tests/cluster/write_checker.h"

namespace holdfast::testing {
namespace {

using History = std::map<std::string, WriteOutcome>;

CopyContents Copy(int shard, const std::string& node, bool primary,
                  std::map<std::string, std::pair<int64_t, int64_t>> docs) {
  CopyContents c;
  c.shard = shard;
  c.node = node;
  c.primary = primary;
  c.docs = std::move(docs);
  return c;
}

CopyCheckpoints Checkpoints(int shard, const std::string& node, bool primary, int64_t max_seq_no, int64_t docs) {
  CopyCheckpoints c;
  c.source = "status";
  c.shard = shard;
  c.node = node;
  c.primary = primary;
  c.primary_term = 1;
  c.local_checkpoint = max_seq_no;
  c.global_checkpoint = max_seq_no;
  c.max_seq_no = max_seq_no;
  c.docs = docs;
  return c;
}

// Two shards with one replica each: a (shard 0), b and c (shard 1).
struct MadeUpRun {
  History history = {{"a", WriteOutcome::kAcked},
                     {"b", WriteOutcome::kConflict},
                     {"c", WriteOutcome::kUnknown},
                     {"d", WriteOutcome::kUnknown},
                     {"e", WriteOutcome::kFailed}};
  std::vector<CopyContents> copies = {Copy(0, "n1", true, {{"a", {0, 1}}}), Copy(0, "n2", false, {{"a", {0, 1}}}),
                                      Copy(1, "n2", true, {{"b", {0, 1}}, {"c", {1, 1}}}),
                                      Copy(1, "n3", false, {{"b", {0, 1}}, {"c", {1, 1}}})};
  std::vector<CopyCheckpoints> checkpoints = {Checkpoints(0, "n1", true, 0, 1), Checkpoints(0, "n2", false, 0, 1),
                                              Checkpoints(1, "n2", true, 1, 2), Checkpoints(1, "n3", false, 1, 2)};
  SafetyReport Check() const { return CheckWrites(history, copies, checkpoints, 2, 2); }
};

bool Says(const SafetyReport& r, const std::string& needle) {
  for (const std::string& v : r.violations) {
    if (v.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(WriteChecker, ACleanRunIsCleanAndCounted) {
  const SafetyReport r = MadeUpRun().Check();
  EXPECT_TRUE(r.ok()) << r.Summary();
  EXPECT_EQ(r.sent, 5u);
  EXPECT_EQ(r.acked, 1u);
  EXPECT_EQ(r.conflict, 1u);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.unknown, 2u);
  EXPECT_EQ(r.unknown_present, 1u);
  EXPECT_EQ(r.copies_compared, 4u);
  EXPECT_EQ(r.docs_read, 6u);
}

TEST(WriteChecker, AnAcknowledgedIdMissingAnywhereIsLost) {
  MadeUpRun run;
  run.copies[1].docs.clear();  // the replica of shard 0 lacks "a"
  run.checkpoints[1].docs = 0;
  SafetyReport r = run.Check();
  EXPECT_EQ(r.lost, 1u) << r.Summary();
  EXPECT_TRUE(Says(r, "ids missing from some copies: a")) << r.Summary();
  run.copies[0].docs.clear();  // and now every copy does
  run.checkpoints[0].docs = 0;
  r = run.Check();
  EXPECT_EQ(r.lost, 1u);
  EXPECT_TRUE(Says(r, "acknowledged ids missing: a")) << r.Summary();
}

TEST(WriteChecker, AConflictIdMustBeThereAndARefusedOneMustNot) {
  MadeUpRun run;
  run.copies[2].docs.erase("b");
  run.copies[3].docs.erase("b");
  run.checkpoints[2].docs = run.checkpoints[3].docs = 1;
  SafetyReport r = run.Check();
  EXPECT_TRUE(Says(r, "acknowledged ids missing: b")) << r.Summary();
  run = MadeUpRun();
  run.copies[0].docs["e"] = {1, 1};
  run.copies[1].docs["e"] = {1, 1};
  run.checkpoints[0].docs = run.checkpoints[1].docs = 2;
  run.checkpoints[0].max_seq_no = run.checkpoints[1].max_seq_no = 1;
  run.checkpoints[0].local_checkpoint = run.checkpoints[1].local_checkpoint = 1;
  run.checkpoints[0].global_checkpoint = run.checkpoints[1].global_checkpoint = 1;
  r = run.Check();
  EXPECT_EQ(r.refused_present, 1u);
  EXPECT_TRUE(Says(r, "refused with a 4xx yet present: e")) << r.Summary();
}

TEST(WriteChecker, AnIdNobodySentIsAPhantom) {
  MadeUpRun run;
  run.copies[2].docs["zz"] = {2, 1};
  run.copies[3].docs["zz"] = {2, 1};
  const SafetyReport r = run.Check();
  EXPECT_EQ(r.phantom, 1u);
  EXPECT_TRUE(Says(r, "no client sent: zz")) << r.Summary();
}

TEST(WriteChecker, CopiesThatDisagreeAreCaught) {
  MadeUpRun run;
  run.copies[3].docs["c"] = {1, 2};  // another term for the same id
  SafetyReport r = run.Check();
  EXPECT_TRUE(Says(r, "_seq_no/_primary_term differ across copies: c@n3")) << r.Summary();
  run = MadeUpRun();
  run.copies[3].docs["d"] = {2, 1};  // an unknown write only the replica has
  r = run.Check();
  EXPECT_TRUE(Says(r, "ids missing from some copies: d")) << r.Summary();
  run = MadeUpRun();
  run.checkpoints[3].max_seq_no = 2;
  r = run.Check();
  EXPECT_TRUE(Says(r, "copies differ in checkpoints")) << r.Summary();
  run = MadeUpRun();
  run.checkpoints[3].docs = 3;
  r = run.Check();
  EXPECT_TRUE(Says(r, "the node counts 3 docs, a search of the copy returns 2")) << r.Summary();
}

TEST(WriteChecker, ACopyNotReadOrMissingFailsTheRun) {
  MadeUpRun run;
  run.copies[1].error = "search answered 503";
  SafetyReport r = run.Check();
  EXPECT_TRUE(Says(r, "could not be read: search answered 503")) << r.Summary();
  EXPECT_TRUE(Says(r, "1 copies read, expected 2")) << r.Summary();
  run = MadeUpRun();
  run.copies.pop_back();
  run.checkpoints.pop_back();
  r = run.Check();
  EXPECT_TRUE(Says(r, "shard 1: 1 copies read, expected 2")) << r.Summary();
  EXPECT_TRUE(Says(r, "1 nodes report a copy")) << r.Summary();
  run = MadeUpRun();
  CopyCheckpoints unread;
  unread.source = "_cat/shards";
  unread.node = "n1";
  unread.error = "no checkpoint columns";
  run.checkpoints.push_back(unread);
  r = run.Check();
  EXPECT_TRUE(Says(r, "checkpoints (_cat/shards) from n1 not read: no checkpoint columns")) << r.Summary();
  run = MadeUpRun();
  run.copies[0].duplicates = 1;
  r = run.Check();
  EXPECT_TRUE(Says(r, "1 ids returned twice")) << r.Summary();
}

TEST(WriteChecker, AGapInACopysHistoryIsANoteNotAFailure) {
  MadeUpRun run;
  run.checkpoints[2].local_checkpoint = run.checkpoints[3].local_checkpoint = 0;
  const SafetyReport r = run.Check();
  EXPECT_TRUE(r.ok()) << r.Summary();
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("below its max_seq_no"), std::string::npos);
}

}  // namespace
}  // namespace holdfast::testing
