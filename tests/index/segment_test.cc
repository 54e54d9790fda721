// Segments end to end: parsed documents → analysis → SegmentBuilder →
// segment bytes → SegmentReader (index/segment/).
#include <gtest/gtest.h>

#include <bit>
#include <fstream>

#include "index/codec/norms.h"
#include "index/codec/postings_iterator.h"
#include "index/mapping/document_parser.h"
#include "index/mapping/mapping_parser.h"
#include "index/segment/analyzed_document.h"
#include "index/segment/segment_builder.h"
#include "index/segment/segment_reader.h"
#include "index/util/mmap_file.h"
#include "index/util/file_util.h"
#include "tests/support/test_process.h"

namespace holdfast::segment {
namespace {

struct Posting {
  uint32_t doc, freq;
  std::vector<uint32_t> positions;
  bool operator==(const Posting&) const = default;
};

class SegmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = mapping::ParseMapping(R"({"properties":{
      "title":{"type":"text","analyzer":"english"},
      "tags":{"type":"keyword"},
      "price":{"type":"double"},
      "stock":{"type":"long"},
      "sale":{"type":"boolean"},
      "added":{"type":"date"}}})");
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    mapping_ = std::move(m).value();
  }

  void Add(const std::string& id, const std::string& source) {
    mapping::DocumentParser parser;
    auto parsed = parser.Parse(mapping_, id, source, nullptr);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    AnalyzedDocument doc;
    ASSERT_TRUE(analyzer_.Analyze(parsed.value(), &doc).ok());
    auto d = builder_.Add(doc);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
  }

  std::shared_ptr<SegmentReader> Build() {
    auto bytes = std::make_shared<std::string>(builder_.Build());
    auto r = SegmentReader::Open(bytes, *bytes, "seg-test");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r.value() : nullptr;
  }

  static std::vector<Posting> PostingsOf(const SegmentReader& r, std::string_view field, std::string_view term) {
    std::vector<Posting> out;
    const FieldReader* f = r.field(field);
    if (!f) return out;
    auto info = f->LookupTerm(term);
    if (!info.ok()) return out;
    codec::PostingsIterator it;
    EXPECT_TRUE(it.Reset(f->Postings(info.value())).ok());
    for (uint32_t d = it.NextDoc(); d != codec::kNoMoreDocs; d = it.NextDoc()) {
      Posting p{d, it.freq(), {}};
      if (it.has_positions()) {
        for (uint32_t pos = it.NextPosition(); pos != codec::kNoMorePositions; pos = it.NextPosition()) p.positions.push_back(pos);
      }
      out.push_back(p);
    }
    return out;
  }

  mapping::Mapping mapping_;
  DocumentAnalyzer analyzer_;
  SegmentBuilder builder_;
};

TEST_F(SegmentTest, TextPostingsCarryFreqsPositionsAndNorms) {
  Add("a", R"({"title":"Running shoes for running fast"})");
  Add("b", R"({"title":"The shoe"})");
  Add("c", R"({"title":["red shoes","running"]})");
  auto r = Build();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->doc_count(), 3u);
  // english: "for" is a stop word (position gap); running → run, shoes → shoe.
  EXPECT_EQ(PostingsOf(*r, "title", "run"),
            (std::vector<Posting>{{0, 2, {0, 3}}, {2, 1, {102}}}));  // 2nd value after the 100 gap
  EXPECT_EQ(PostingsOf(*r, "title", "shoe"),
            (std::vector<Posting>{{0, 1, {1}}, {1, 1, {1}}, {2, 1, {1}}}));
  EXPECT_TRUE(PostingsOf(*r, "title", "for").empty());
  const FieldReader* title = r->field("title");
  ASSERT_NE(title, nullptr);
  EXPECT_EQ(title->info().stats.doc_count, 3u);
  EXPECT_EQ(title->info().stats.sum_total_term_freq, 4u + 1u + 3u);  // tokens kept per doc
  EXPECT_EQ(codec::DecodeNorm(title->norm(0)), 4u);
  EXPECT_EQ(codec::DecodeNorm(title->norm(1)), 1u);
  EXPECT_EQ(codec::DecodeNorm(title->norm(2)), 3u);
}

TEST_F(SegmentTest, KeywordOrdinalsAndNumericDocValues) {
  Add("a", R"({"tags":["red","blue","red"],"price":9.5,"stock":3,"sale":true,"added":"2020-01-02"})");
  Add("b", R"({"stock":[7,-2]})");
  Add("c", R"({"tags":"green","price":-1.25,"sale":false})");
  auto r = Build();
  ASSERT_NE(r, nullptr);
  const FieldReader* tags = r->field("tags");
  ASSERT_NE(tags, nullptr);
  ASSERT_EQ(tags->num_ords(), 3u);
  EXPECT_EQ(tags->OrdTerm(0), "blue");
  EXPECT_EQ(tags->OrdTerm(1), "green");
  EXPECT_EQ(tags->OrdTerm(2), "red");
  ASSERT_EQ(tags->ValueCount(0), 2u);  // "red" twice counts once
  EXPECT_EQ(tags->OrdAt(tags->ValueStart(0)), 0u);
  EXPECT_EQ(tags->OrdAt(tags->ValueStart(0) + 1), 2u);
  EXPECT_EQ(tags->ValueCount(1), 0u);
  EXPECT_EQ(tags->OrdAt(tags->ValueStart(2)), 1u);
  EXPECT_EQ(PostingsOf(*r, "tags", "red"), (std::vector<Posting>{{0, 1, {}}}));

  const FieldReader* stock = r->field("stock");
  ASSERT_NE(stock, nullptr);
  EXPECT_EQ(stock->ValueCount(0), 1u);
  EXPECT_EQ(stock->NumericAt(stock->ValueStart(0)), 3);
  ASSERT_EQ(stock->ValueCount(1), 2u);  // sorted ascending per doc
  EXPECT_EQ(stock->NumericAt(stock->ValueStart(1)), -2);
  EXPECT_EQ(stock->NumericAt(stock->ValueStart(1) + 1), 7);
  EXPECT_EQ(stock->ValueCount(2), 0u);
  const FieldReader* price = r->field("price");
  EXPECT_EQ(std::bit_cast<double>(price->NumericAt(price->ValueStart(2))), -1.25);
  const FieldReader* sale = r->field("sale");
  EXPECT_EQ(PostingsOf(*r, "sale", "true"), (std::vector<Posting>{{0, 1, {}}}));
  EXPECT_EQ(PostingsOf(*r, "sale", "false"), (std::vector<Posting>{{2, 1, {}}}));
  EXPECT_EQ(sale->NumericAt(sale->ValueStart(2)), 0);
  const FieldReader* added = r->field("added");
  EXPECT_EQ(added->NumericAt(added->ValueStart(0)), 1577923200000);  // 2020-01-02T00:00:00Z
}

TEST_F(SegmentTest, IdsAreStoredAndFound) {
  for (int i = 0; i < 300; ++i) Add("doc-" + std::to_string(i), R"({"title":"x"})");
  Add("doc-7", R"({"title":"newer copy"})");
  auto r = Build();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->id(0), "doc-0");
  EXPECT_EQ(r->id(299), "doc-299");
  EXPECT_EQ(r->FindDoc("doc-123"), 123);
  EXPECT_EQ(r->FindDoc("doc-7"), 300);  // the last copy
  EXPECT_EQ(r->FindDoc("nope"), -1);
  EXPECT_EQ(r->field("nope"), nullptr);
}

TEST_F(SegmentTest, EmptySegmentOpens) {
  auto r = Build();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->doc_count(), 0u);
}

TEST_F(SegmentTest, EveryFlippedByteOrTruncationIsReportedNamingTheFile) {
  Add("a", R"({"title":"hello world","tags":"x","stock":1})");
  Add("b", R"({"title":"another doc"})");
  const std::string good = builder_.Build();
  testing::TempDir tmp;
  for (size_t i = 0; i < good.size(); i += std::max<size_t>(1, good.size() / 97)) {
    std::string bad = good;
    bad[i] ^= 0x20;
    auto r = SegmentReader::Open(nullptr, bad, "seg_0007.hfs");
    ASSERT_FALSE(r.ok()) << "flip at " << i;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    EXPECT_NE(r.status().message().find("seg_0007.hfs"), std::string::npos) << r.status().message();
  }
  for (size_t len : {size_t{0}, size_t{5}, good.size() / 2, good.size() - 1}) {
    auto r = SegmentReader::Open(nullptr, std::string_view(good).substr(0, len), "seg_0007.hfs");
    EXPECT_FALSE(r.ok()) << "truncated to " << len;
  }
  // The same through a real file and mmap.
  const std::string path = tmp.Sub("seg_0007.hfs");
  ASSERT_TRUE(WriteFileDurably(path, good.substr(0, good.size() - 3)).ok());
  auto file = MmapFile::Open(path);
  ASSERT_TRUE(file.ok());
  auto r = SegmentReader::Open(file.value(), (*file)->bytes(), path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(path), std::string::npos);
}

}  // namespace
}  // namespace holdfast::segment
