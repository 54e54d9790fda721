// MmapFile: files copied into process memory within the process-wide budget,
// mapped beyond it; either way the bytes are the file's.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "index/util/file_util.h"
#include "index/util/mmap_file.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

class MmapFileTest : public ::testing::Test {
 protected:
  void TearDown() override { MmapFile::SetMemoryBudget(0); }
  testing::TempDir tmp_;
};

TEST_F(MmapFileTest, WithoutBudgetFilesAreMapped) {
  const std::string content = RandomBytes(10000, 1);
  ASSERT_TRUE(WriteFileDurably(tmp_.Sub("a"), content).ok());
  MmapFile::SetMemoryBudget(0);
  auto f = MmapFile::Open(tmp_.Sub("a"));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_FALSE(f.value()->in_memory());
  EXPECT_EQ(f.value()->bytes(), content);
  EXPECT_EQ(MmapFile::memory_bytes(), 0u);
}

TEST_F(MmapFileTest, CopiesWithinTheBudgetAndMapsBeyondIt) {
  const std::string small = RandomBytes(100000, 2);
  const std::string large = RandomBytes(5u << 20, 3);  // rounded up to huge pages
  ASSERT_TRUE(WriteFileDurably(tmp_.Sub("small"), small).ok());
  ASSERT_TRUE(WriteFileDurably(tmp_.Sub("large"), large).ok());
  MmapFile::SetMemoryBudget(large.size() + small.size() / 2);
  {
    auto l = MmapFile::Open(tmp_.Sub("large"));
    ASSERT_TRUE(l.ok());
    EXPECT_TRUE(l.value()->in_memory());
    EXPECT_EQ(l.value()->bytes(), large);
    EXPECT_EQ(MmapFile::memory_bytes(), large.size());
    // The small file no longer fits: mapped, same bytes.
    auto s = MmapFile::Open(tmp_.Sub("small"));
    ASSERT_TRUE(s.ok());
    EXPECT_FALSE(s.value()->in_memory());
    EXPECT_EQ(s.value()->bytes(), small);
    EXPECT_EQ(MmapFile::memory_bytes(), large.size());
  }
  EXPECT_EQ(MmapFile::memory_bytes(), 0u);  // closing gives the budget back
  auto s = MmapFile::Open(tmp_.Sub("small"));
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s.value()->in_memory());
  EXPECT_EQ(MmapFile::memory_bytes(), small.size());
}

TEST_F(MmapFileTest, ACopyKeepsItsBytesWhenTheFileChanges) {
  const std::string content = RandomBytes(50000, 4);
  ASSERT_TRUE(WriteFileDurably(tmp_.Sub("f"), content).ok());
  MmapFile::SetMemoryBudget(1u << 20);
  auto f = MmapFile::Open(tmp_.Sub("f"));
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f.value()->in_memory());
  ASSERT_TRUE(WriteFileDurably(tmp_.Sub("f"), "short").ok());  // replaced and truncated
  EXPECT_EQ(f.value()->bytes(), content);
}

TEST_F(MmapFileTest, EmptyAndMissingFiles) {
  ASSERT_TRUE(WriteFileDurably(tmp_.Sub("empty"), "").ok());
  MmapFile::SetMemoryBudget(1u << 20);
  auto e = MmapFile::Open(tmp_.Sub("empty"));
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e.value()->bytes().empty());
  EXPECT_FALSE(MmapFile::Open(tmp_.Sub("missing")).ok());
  EXPECT_EQ(MmapFile::memory_bytes(), 0u);
}

}  // namespace
}  // namespace holdfast
