// Test fixture for index/search/: builds segments from small JSON documents
// (mapping → DocumentParser → DocumentAnalyzer → SegmentBuilder → reader)
// and runs DSL queries over them.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "index/mapping/document_parser.h"
#include "index/mapping/mapping_parser.h"
#include "index/search/query_parser.h"
#include "index/search/search_context.h"
#include "index/search/searcher.h"
#include "index/segment/analyzed_document.h"
#include "index/segment/segment_builder.h"
#include "index/segment/segment_reader.h"

namespace holdfast::search::testing {

class SearchIndex {
 public:
  explicit SearchIndex(const std::string& mapping_json) {
    auto m = mapping::ParseMapping(mapping_json);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    if (m.ok()) mapping_ = std::move(m).value();
    builder_ = std::make_unique<segment::SegmentBuilder>();
  }

  // Adds to the segment being built.
  void Add(const std::string& id, const std::string& source) {
    mapping::DocumentParser parser;
    auto parsed = parser.Parse(mapping_, id, source, nullptr);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    segment::AnalyzedDocument doc;
    ASSERT_TRUE(analyzer_.Analyze(parsed.value(), &doc).ok());
    ASSERT_TRUE(builder_->Add(doc).ok());
  }

  // Turns the docs added since the last Flush into a segment of the snapshot.
  void Flush() {
    if (builder_->doc_count() == 0) return;
    auto bytes = std::make_shared<std::string>(builder_->Build());
    auto r = segment::SegmentReader::Open(bytes, *bytes, "seg-" + std::to_string(snapshot_.readers.size()));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    snapshot_.readers.push_back(r.value());
    snapshot_.live.push_back(nullptr);
    builder_ = std::make_unique<segment::SegmentBuilder>();
  }

  // Deletes a doc by id (in whichever segment holds it).
  void Delete(const std::string& id) {
    for (size_t i = 0; i < snapshot_.readers.size(); ++i) {
      int64_t d = snapshot_.readers[i]->FindDoc(id);
      if (d < 0) continue;
      auto live = snapshot_.live[i] ? std::make_shared<segment::LiveDocs>(*snapshot_.live[i])
                                    : std::make_shared<segment::LiveDocs>(snapshot_.readers[i]->doc_count());
      live->Delete(static_cast<uint32_t>(d));
      snapshot_.live[i] = live;
    }
  }

  const SearcherSnapshot& snapshot() const { return snapshot_; }
  const mapping::Mapping& mapping() const { return mapping_; }
  SegmentStatistics Stats() const { return SegmentStatistics(snapshot_.Views()); }

  Result<QueryPtr> ParseQuery(const std::string& dsl) {
    QueryParser parser(mapping_);
    return parser.Parse(dsl);
  }

  SearchResult Run(const std::string& dsl, SearchOptions options = {}) {
    auto q = ParseQuery(dsl);
    EXPECT_TRUE(q.ok()) << dsl << ": " << q.status().ToString();
    if (!q.ok()) return {};
    SegmentStatistics stats = Stats();
    auto r = Search(snapshot_, *q.value(), stats, options);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : SearchResult{};
  }

  std::string IdOf(const ScoredHit& h) const { return std::string(snapshot_.readers[h.segment]->id(h.doc)); }

  // Ids of the hits in rank order.
  std::vector<std::string> Ids(const std::string& dsl, SearchOptions options = {}) {
    options.size = 1000;
    std::vector<std::string> ids;
    for (const ScoredHit& h : Run(dsl, options).hits) ids.push_back(IdOf(h));
    return ids;
  }

  // Ids of the hits, sorted (for queries whose scores tie).
  std::vector<std::string> IdSet(const std::string& dsl) {
    auto ids = Ids(dsl);
    std::sort(ids.begin(), ids.end());
    return ids;
  }

 private:
  mapping::Mapping mapping_;
  segment::DocumentAnalyzer analyzer_;
  std::unique_ptr<segment::SegmentBuilder> builder_;
  SearcherSnapshot snapshot_;
};

using Ids = std::vector<std::string>;

}  // namespace holdfast::search::testing
