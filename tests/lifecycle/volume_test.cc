// The volume's identity, refusal rules and lock (lifecycle/volume.h), in process.
#include "lifecycle/volume.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "index/util/file_util.h"
#include "lifecycle/node_store.h"
#include "index/util/uuid.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using testing::TempDir;


std::unique_ptr<Volume> MustOpen(const VolumeOptions& options) {
  VolumeError err;
  auto v = Volume::Open(options, &err);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? std::move(v).value() : nullptr;
}

TEST(VolumeTest, FirstOpenCreatesIdentityAndLaterOpensKeepIt) {
  TempDir tmp;
  const std::string dir = tmp.Sub("data");
  VolumeIdentity first;
  {
    auto v = MustOpen({dir, ""});
    ASSERT_NE(v, nullptr);
    EXPECT_TRUE(v->created_now());
    first = v->identity();
    EXPECT_TRUE(IsUuid(first.volume_uuid));
    EXPECT_TRUE(IsUuid(first.node_id));
    EXPECT_TRUE(IsUuid(first.cluster_uuid));
    EXPECT_NE(first.volume_uuid, first.node_id);
    EXPECT_EQ(first.format_version, kVolumeFormatVersion);
    EXPECT_TRUE(PathExists(dir + "/VOLUME"));
    EXPECT_FALSE(PathExists(dir + "/VOLUME.tmp"));
    EXPECT_TRUE(PathExists(dir + "/node"));
    EXPECT_TRUE(PathExists(dir + "/indices"));
  }
  auto again = MustOpen({dir, first.cluster_uuid});
  ASSERT_NE(again, nullptr);
  EXPECT_FALSE(again->created_now());
  EXPECT_EQ(again->identity(), first);
}

TEST(VolumeTest, NewVolumeJoinsTheExpectedCluster) {
  TempDir tmp;
  const std::string cluster = NewUuid();
  auto v = MustOpen({tmp.Sub("data"), cluster});
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->identity().cluster_uuid, cluster);
}

TEST(VolumeTest, AnotherClustersVolumeIsRefusedAndLeftByteIdentical) {
  TempDir tmp;
  const std::string dir = tmp.Sub("data");
  { ASSERT_NE(MustOpen({dir, "cluster-a"}), nullptr); }
  const auto before = testing::DirectorySnapshot(dir);
  VolumeError err = VolumeError::kNone;
  auto v = Volume::Open({dir, "cluster-b"}, &err);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(err, VolumeError::kClusterMismatch);
  EXPECT_NE(v.status().message().find("cluster-a"), std::string::npos) << v.status().message();
  EXPECT_NE(v.status().message().find("cluster-b"), std::string::npos) << v.status().message();
  EXPECT_EQ(testing::DirectorySnapshot(dir), before);
}

TEST(VolumeTest, NewerFormatIsRefusedAndLeftByteIdentical) {
  TempDir tmp;
  const std::string dir = tmp.Sub("data");
  VolumeIdentity id;
  { auto v = MustOpen({dir, ""}); id = v->identity(); }
  id.format_version = kVolumeFormatVersion + 1;
  ASSERT_TRUE(WriteFileDurably(dir + "/VOLUME", EncodeVolumeIdentity(id)).ok());
  const auto before = testing::DirectorySnapshot(dir);
  VolumeError err = VolumeError::kNone;
  auto v = Volume::Open({dir, ""}, &err);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(err, VolumeError::kTooNew);
  EXPECT_NE(v.status().message().find("newer"), std::string::npos);
  EXPECT_EQ(testing::DirectorySnapshot(dir), before);
}

TEST(VolumeTest, FlippedByteInVolumeFileIsReportedAsCorrupt) {
  TempDir tmp;
  const std::string dir = tmp.Sub("data");
  { ASSERT_NE(MustOpen({dir, ""}), nullptr); }
  std::string text = ReadFileToString(dir + "/VOLUME").value();
  text[text.find("volume_uuid=") + 12] ^= 0x01;
  ASSERT_TRUE(WriteFileDurably(dir + "/VOLUME", text).ok());
  VolumeError err = VolumeError::kNone;
  auto v = Volume::Open({dir, ""}, &err);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(err, VolumeError::kCorrupt);
  EXPECT_NE(v.status().message().find("checksum"), std::string::npos) << v.status().message();
}

TEST(VolumeTest, TruncatedVolumeFileIsReportedAsCorrupt) {
  TempDir tmp;
  const std::string dir = tmp.Sub("data");
  { ASSERT_NE(MustOpen({dir, ""}), nullptr); }
  std::string text = ReadFileToString(dir + "/VOLUME").value();
  ASSERT_TRUE(WriteFileDurably(dir + "/VOLUME", text.substr(0, text.size() / 2)).ok());
  VolumeError err = VolumeError::kNone;
  EXPECT_FALSE(Volume::Open({dir, ""}, &err).ok());
  EXPECT_EQ(err, VolumeError::kCorrupt);
}

// Opening `dir` (no VOLUME in it) is refused as not a volume, naming
// `named` among its entries, and leaves it byte-identical.
void ExpectRefusedAsForeignUntouched(const std::string& dir, const std::string& named) {
  const auto before = testing::DirectorySnapshot(dir);
  VolumeError err = VolumeError::kNone;
  auto v = Volume::Open({dir, ""}, &err);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(err, VolumeError::kCorrupt);
  EXPECT_NE(v.status().message().find(named), std::string::npos) << v.status().message();
  EXPECT_EQ(testing::DirectorySnapshot(dir), before);
}

TEST(VolumeTest, NonEmptyDirectoryWithoutVolumeIsRefusedUntouched) {
  TempDir tmp;
  const std::string dir = tmp.Sub("somebody-elses");
  ASSERT_TRUE(CreateDirectories(dir).ok());
  ASSERT_TRUE(WriteFileDurably(dir + "/notes.txt", "keep me").ok());
  ExpectRefusedAsForeignUntouched(dir, "notes.txt");
}

TEST(VolumeTest, ANewFilesystemsLostAndFoundIsNoObstacle) {
  // The data dir is the root of a volume just made (mkfs.ext4): it holds an
  // empty lost+found, which becomes part of the new volume untouched.
  TempDir tmp;
  const std::string dir = tmp.Sub("mount");
  ASSERT_TRUE(CreateDirectories(dir + "/lost+found").ok());
  auto v = MustOpen({dir, ""});
  ASSERT_NE(v, nullptr);
  EXPECT_TRUE(std::filesystem::exists(dir + "/VOLUME"));
  EXPECT_TRUE(std::filesystem::is_directory(dir + "/lost+found"));
  const std::string node_id = v->identity().node_id;
  v.reset();
  auto again = MustOpen({dir, ""});
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->identity().node_id, node_id);
}

TEST(VolumeTest, ALostAndFoundWithFilesInItIsRefusedUntouched) {
  // fsck put something there: this is no new filesystem, and not a volume.
  TempDir tmp;
  const std::string dir = tmp.Sub("mount");
  ASSERT_TRUE(CreateDirectories(dir + "/lost+found").ok());
  ASSERT_TRUE(WriteFileDurably(dir + "/lost+found/#1234", "recovered").ok());
  ExpectRefusedAsForeignUntouched(dir, "lost+found (not empty)");
}

TEST(VolumeTest, SecondOpenWhileHeldIsRefusedWithThePid) {
  TempDir tmp;
  const std::string dir = tmp.Sub("data");
  auto held = MustOpen({dir, ""});
  ASSERT_NE(held, nullptr);
  VolumeError err = VolumeError::kNone;
  auto second = Volume::Open({dir, ""}, &err);  // flock is per open file: conflicts in-process too
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(err, VolumeError::kLocked);
  EXPECT_NE(second.status().message().find("pid " + std::to_string(::getpid())), std::string::npos)
      << second.status().message();
  held.reset();
  EXPECT_NE(MustOpen({dir, ""}), nullptr);  // released with the first owner
}

TEST(VolumeIdentityTest, EncodeDecodeRoundTrip) {
  VolumeIdentity id{1, NewUuid(), NewUuid(), "my-cluster", "2026-01-01T00:00:00Z"};
  auto back = DecodeVolumeIdentity(EncodeVolumeIdentity(id));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back.value(), id);
  EXPECT_FALSE(DecodeVolumeIdentity("garbage").ok());
  EXPECT_FALSE(DecodeVolumeIdentity("").ok());
}

TEST(NodeStoreTest, RunMarkersTellCleanFromUncleanStops) {
  TempDir tmp;
  {
    auto store = NodeStore::Open(tmp.Sub("node"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto stop = (*store)->BeginRun();
    ASSERT_TRUE(stop.ok());
    EXPECT_EQ(stop.value(), LastStop::kFirstStart);
    ASSERT_TRUE((*store)->MarkCleanShutdown().ok());
  }
  {
    auto store = NodeStore::Open(tmp.Sub("node"));
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->BeginRun().value(), LastStop::kClean);
    // closed without the marker: like a crash
  }
  auto store = NodeStore::Open(tmp.Sub("node"));
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->BeginRun().value(), LastStop::kUnclean);
}

}  // namespace
}  // namespace holdfast
