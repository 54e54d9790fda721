// Helpers shared by the shard engine tests (tests/index/shard_*_test.cc):
// a small mapping, opening an engine in a temp dir, and reading what a
// shard holds — its searchable ids and every stored document.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "index/mapping/mapping_parser.h"
#include "index/shard/shard_engine.h"

namespace holdfast::testing {

inline std::shared_ptr<MappingSource> TestMappings(
    const char* json = R"({"properties":{"title":{"type":"text"},"n":{"type":"long"}}})") {
  auto m = mapping::ParseMapping(json);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::make_shared<InMemoryMappingSource>(std::make_shared<const mapping::Mapping>(std::move(m).value()));
}

// Options for a test shard in `dir`: refresh on demand only, no background merges.
inline ShardEngineOptions TestShardOptions(const std::string& dir) {
  ShardEngineOptions o;
  o.dir = dir;
  o.refresh_interval = std::chrono::milliseconds(0);
  o.background_merges = false;
  return o;
}

inline std::unique_ptr<ShardEngine> OpenShard(const ShardEngineOptions& o, std::shared_ptr<MappingSource> mappings) {
  auto e = ShardEngine::Open(o, std::move(mappings));
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(e).value() : nullptr;
}

inline WriteResult IndexDoc(ShardEngine& e, const std::string& id, const std::string& source) {
  return e.Write(WriteRequest{WriteOpType::kIndex, id, source, {}, {}});
}

inline WriteResult DeleteDoc(ShardEngine& e, const std::string& id) {
  return e.Write(WriteRequest{WriteOpType::kDelete, id, "", {}, {}});
}

// The ids live in the engine's current searcher, sorted.
inline std::vector<std::string> SearchableIds(const ShardEngine& e) {
  std::vector<std::string> ids;
  for (const auto& v : e.AcquireSearcher().Views()) {
    for (uint32_t d = 0; d < v.doc_count(); ++d) {
      if (v.IsLive(d)) ids.emplace_back(v.reader->id(d));
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Every live stored document: id → "v<version> t<term> s<seq_no> <source>".
inline std::map<std::string, std::string> StoredDocs(const ShardEngine& e) {
  std::map<std::string, std::string> docs;
  Status s = e.store().ForEachDoc([&](std::string_view id, const DocRecord& r) {
    if (!r.deleted) {
      docs[std::string(id)] = "v" + std::to_string(r.version) + " t" + std::to_string(r.stamp.primary_term) + " s" +
                              std::to_string(r.stamp.seq_no) + " " + r.source;
    }
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return docs;
}

}  // namespace holdfast::testing
