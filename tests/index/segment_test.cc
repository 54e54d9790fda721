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
#include "index/segment/segment_merger.h"
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
    EXPECT_TRUE(f->OpenPostings(info.value(), &it).ok());
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

// Everything a reader exposes, as comparable text.
std::string Dump(const SegmentReader& r) {
  std::string out = "docs=" + std::to_string(r.doc_count()) + "\n";
  for (uint32_t d = 0; d < r.doc_count(); ++d) out += "id " + std::string(r.id(d)) + "\n";
  for (const FieldReader& f : r.fields()) {
    const FieldStats& st = f.info().stats;
    out += "field " + f.name() + " " + FieldKindName(f.kind()) + " dc=" + std::to_string(st.doc_count) +
           " ttf=" + std::to_string(st.sum_total_term_freq) + " sdf=" + std::to_string(st.sum_doc_freq) + "\n";
    if (f.terms()) {
      auto it = f.terms()->NewIterator();
      for (bool ok = it.SeekToFirst(); ok; ok = it.Next()) {
        out += " term " + std::string(it.term()) + ":";
        codec::PostingsIterator p;
        EXPECT_TRUE(f.OpenPostings(it.info(), &p).ok());
        for (uint32_t d = p.NextDoc(); d != codec::kNoMoreDocs; d = p.NextDoc()) {
          out += " " + std::to_string(d) + "x" + std::to_string(p.freq());
          for (uint32_t pos = p.NextPosition(); pos != codec::kNoMorePositions; pos = p.NextPosition()) {
            out += "@" + std::to_string(pos);
          }
        }
        out += "\n";
      }
    }
    for (uint32_t d = 0; d < r.doc_count(); ++d) {
      if (f.has_norms()) out += " norm " + std::to_string(f.norm(d));
      if (f.has_values()) {
        out += " v" + std::to_string(d) + "=";
        for (uint32_t j = 0; j < f.ValueCount(d); ++j) {
          const uint32_t i = f.ValueStart(d) + j;
          out += f.kind() == FieldKind::kKeyword ? std::string(f.OrdTerm(f.OrdAt(i))) : std::to_string(f.NumericAt(i));
          out += ",";
        }
      }
    }
    out += "\n";
  }
  return out;
}

TEST(SegmentMergerTest, MergedSegmentEqualsOneBuiltFromTheLiveDocs) {
  auto m = mapping::ParseMapping(R"({"properties":{"title":{"type":"text","analyzer":"english"},
      "tags":{"type":"keyword"},"n":{"type":"long"},"ok":{"type":"boolean"}}})");
  ASSERT_TRUE(m.ok());
  const mapping::Mapping& mapping = m.value();
  const char* words[] = {"alpha", "beta", "gamma", "delta", "running", "runs", "shoe", "shoes", "red", "blue"};
  auto source = [&](int i) {
    std::string title;
    for (int k = 0; k < 1 + i % 5; ++k) title += std::string(words[(i * 7 + k * 3) % 10]) + " ";
    return "{\"title\":\"" + title + "\",\"tags\":[\"" + words[i % 10] + "\",\"t" + std::to_string(i % 3) +
           "\"],\"n\":" + std::to_string(i * 13 % 17) + (i % 4 ? ",\"ok\":true" : "") + "}";
  };
  DocumentAnalyzer analyzer;
  mapping::DocumentParser parser;
  auto add = [&](SegmentBuilder& b, int i) {
    auto parsed = parser.Parse(mapping, "id" + std::to_string(i), source(i), nullptr);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    AnalyzedDocument doc;
    ASSERT_TRUE(analyzer.Analyze(parsed.value(), &doc).ok());
    ASSERT_TRUE(b.Add(doc).ok());
  };
  // Three segments of 0..59, 60..99, 100..299; every doc divisible by 3 or 7 deleted.
  const int bounds[] = {0, 60, 100, 300};
  std::vector<std::shared_ptr<std::string>> bytes;
  std::vector<std::shared_ptr<SegmentReader>> readers;
  std::vector<LiveDocs> live;
  for (int s = 0; s < 3; ++s) {
    SegmentBuilder b;
    for (int i = bounds[s]; i < bounds[s + 1]; ++i) add(b, i);
    bytes.push_back(std::make_shared<std::string>(b.Build()));
    readers.push_back(SegmentReader::Open(bytes.back(), *bytes.back(), "s").value());
    live.emplace_back(readers.back()->doc_count());
    for (int i = bounds[s]; i < bounds[s + 1]; ++i) {
      if (i % 3 == 0 || i % 7 == 0) live.back().Delete(static_cast<uint32_t>(i - bounds[s]));
    }
  }
  std::vector<MergeInput> inputs;
  for (int s = 0; s < 3; ++s) inputs.push_back({readers[s].get(), &live[s]});
  auto merged = MergeSegments(inputs);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  SegmentBuilder expected;
  for (int i = 0; i < 300; ++i) {
    if (i % 3 != 0 && i % 7 != 0) add(expected, i);
  }
  auto expected_bytes = std::make_shared<std::string>(expected.Build());
  auto merged_reader = SegmentReader::Open(nullptr, merged->bytes, "merged");
  ASSERT_TRUE(merged_reader.ok()) << merged_reader.status().ToString();
  auto expected_reader = SegmentReader::Open(expected_bytes, *expected_bytes, "expected").value();
  EXPECT_EQ(Dump(*merged_reader.value()), Dump(*expected_reader));
  EXPECT_EQ(merged->doc_count, expected_reader->doc_count());
  EXPECT_EQ(merged->doc_maps[0][1], 0);   // doc 1 is the first live one
  EXPECT_EQ(merged->doc_maps[0][3], -1);  // doc 3 was deleted
}

}  // namespace
}  // namespace holdfast::segment
