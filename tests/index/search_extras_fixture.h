// Test corpus helpers for the sort, aggregation and highlight tests: builds
// small segments from JSON docs (mapping → DocumentParser → DocumentAnalyzer
// → SegmentBuilder → SegmentReader) and runs collectors over them with a
// match-all loop that skips deleted docs, as the query side does.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "index/mapping/document_parser.h"
#include "index/mapping/mapping_parser.h"
#include "index/search/search_context.h"
#include "index/segment/analyzed_document.h"
#include "index/segment/live_docs.h"
#include "index/segment/segment_builder.h"
#include "index/segment/segment_reader.h"

namespace holdfast::search::testing {

inline constexpr char kMapping[] = R"({"properties":{
  "title":{"type":"text","analyzer":"english"},
  "tags":{"type":"keyword"},
  "price":{"type":"double"},
  "stock":{"type":"long"},
  "sale":{"type":"boolean"},
  "added":{"type":"date"}}})";

using Doc = std::pair<std::string, std::string>;  // id, source

class Corpus {
 public:
  Corpus() {
    auto m = mapping::ParseMapping(kMapping);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    mapping_ = std::move(m).value();
  }

  const mapping::Mapping& mapping() const { return mapping_; }

  // Drops every segment.
  void Reset() {
    readers_.clear();
    live_.clear();
  }

  // Appends one segment holding `docs`, in order.
  void AddSegment(const std::vector<Doc>& docs) {
    segment::SegmentBuilder builder;
    for (const auto& [id, source] : docs) {
      mapping::DocumentParser parser;
      auto parsed = parser.Parse(mapping_, id, source, nullptr);
      ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
      segment::AnalyzedDocument doc;
      ASSERT_TRUE(analyzer_.Analyze(parsed.value(), &doc).ok());
      ASSERT_TRUE(builder.Add(doc).ok());
    }
    auto bytes = std::make_shared<std::string>(builder.Build());
    auto reader = segment::SegmentReader::Open(bytes, *bytes, "seg" + std::to_string(readers_.size()));
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    readers_.push_back(reader.value());
    live_.push_back(nullptr);
  }

  // `docs` split into `parts` segments of about equal size, in order.
  void AddSplit(const std::vector<Doc>& docs, size_t parts) {
    size_t at = 0;
    for (size_t p = 0; p < parts; ++p) {
      size_t end = docs.size() * (p + 1) / parts;
      AddSegment(std::vector<Doc>(docs.begin() + static_cast<ptrdiff_t>(at), docs.begin() + static_cast<ptrdiff_t>(end)));
      at = end;
    }
  }

  // Deletes the doc with `id` wherever it is.
  void Delete(const std::string& id) {
    for (size_t s = 0; s < readers_.size(); ++s) {
      int64_t doc = readers_[s]->FindDoc(id);
      if (doc < 0) continue;
      auto live = live_[s] ? std::make_shared<segment::LiveDocs>(*live_[s])
                           : std::make_shared<segment::LiveDocs>(readers_[s]->doc_count());
      live->Delete(static_cast<uint32_t>(doc));
      live_[s] = live;
    }
  }

  std::vector<SegmentView> Views(size_t first = 0, size_t count = SIZE_MAX) const {
    std::vector<SegmentView> views;
    for (size_t s = first; s < readers_.size() && s - first < count; ++s) {
      views.push_back({readers_[s].get(), live_[s].get(), static_cast<uint32_t>(s)});
    }
    return views;
  }

  std::string Id(uint32_t segment, uint32_t doc) const { return std::string(readers_[segment]->id(doc)); }

 private:
  mapping::Mapping mapping_;
  segment::DocumentAnalyzer analyzer_;
  std::vector<std::shared_ptr<const segment::SegmentReader>> readers_;
  std::vector<std::shared_ptr<const segment::LiveDocs>> live_;
};

// Feeds every live doc of `views` to `collector`, with score 1.
inline void MatchAll(const std::vector<SegmentView>& views, Collector* collector) {
  for (const SegmentView& view : views) {
    collector->SetSegment(view);
    for (uint32_t doc = 0; doc < view.doc_count(); ++doc) {
      if (view.IsLive(doc)) collector->Collect(doc, 1.0f);
    }
  }
}

// The kind and the reason of a failed status.
inline StatusCode ErrorKind(const Status& status) { return status.kind(); }
inline std::string ErrorReason(const Status& status) { return status.message(); }

// Eight small shop documents (tags, price, stock, added, sale; some fields
// missing) that the aggregation and top_hits tests share.
inline const std::vector<Doc> kShopDocs = {
    {"d1", R"({"tags":["a","b"],"price":5,"stock":1,"added":"2020-01-01"})"},
    {"d2", R"({"tags":["a"],"price":15.5,"stock":2,"added":"2020-06-01"})"},
    {"d3", R"({"tags":["b","c"],"price":100,"stock":1})"},
    {"d4", R"({"tags":["c","a"],"price":250.25,"stock":3,"added":"2021-01-01"})"},
    {"d5", R"({"tags":["d"],"stock":2})"},
    {"d6", R"({"tags":"a","price":10,"stock":1,"sale":true})"},
    {"d7", R"({"price":9.99,"sale":false})"},
    {"d8", R"({"tags":["e","e"],"price":50,"stock":5,"sale":true})"},
};

}  // namespace holdfast::search::testing
