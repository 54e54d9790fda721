// NodeStore as a MetadataStore: Get/Put/Delete, prefix scans in key order,
// atomic commits, all surviving a reopen.
#include "lifecycle/node_store.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using testing::TempDir;
using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs Scan(MetadataStore* store, std::string_view prefix, size_t limit = 100) {
  Pairs out;
  Status s = store->ForEachWithPrefix(prefix, [&](std::string_view k, std::string_view v) {
    out.emplace_back(k, v);
    return out.size() < limit;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(NodeStoreTest, ImplementsTheMetadataStoreDurably) {
  TempDir tmp;
  {
    auto opened = NodeStore::Open(tmp.Sub("node"));
    ASSERT_TRUE(opened.ok());
    MetadataStore* store = opened->get();
    ASSERT_TRUE(store->Put("state/b", "2").ok());
    ASSERT_TRUE(store->Put("state/a", "1").ok());
    ASSERT_TRUE(store->Put("state/c", "3").ok());
    ASSERT_TRUE(store->Put("statf", "outside").ok());
    ASSERT_TRUE(store->Put("other", "x").ok());
    EXPECT_EQ(Scan(store, "state/"), (Pairs{{"state/a", "1"}, {"state/b", "2"}, {"state/c", "3"}}));
    EXPECT_EQ(Scan(store, "state/", 2), (Pairs{{"state/a", "1"}, {"state/b", "2"}})) << "stops when fn says so";
    EXPECT_EQ(Scan(store, "nothing/"), Pairs{});
    ASSERT_TRUE(store->Delete("state/b").ok());
    ASSERT_TRUE(store->Delete("never-there").ok());
    EXPECT_EQ(store->Get("state/b").status().code(), StatusCode::kNotFound);
    ASSERT_TRUE(store->Commit({{"state/d", "4"}, {"state/a", std::nullopt}, {"state/c", "33"}}).ok());
  }
  auto reopened = NodeStore::Open(tmp.Sub("node"));
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(Scan(reopened->get(), "state/"), (Pairs{{"state/c", "33"}, {"state/d", "4"}}));
  EXPECT_EQ((*reopened)->Get("other").value(), "x");
}

}  // namespace
}  // namespace holdfast
