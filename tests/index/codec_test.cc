// Tests of the low-level codec pieces: varints, bit packing, the block codec,
// the norms byte and the file footer.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "index/codec/bitpacking.h"
#include "index/codec/block_codec.h"
#include "index/codec/file_footer.h"
#include "index/codec/norms.h"
#include "index/codec/varint.h"

namespace holdfast::codec {
namespace {

const uint8_t* Begin(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }
const uint8_t* End(const std::string& s) { return Begin(s) + s.size(); }

TEST(VarintTest, RoundTripsBoundaryValues) {
  const std::vector<uint64_t> values = {0, 1, 127, 128, 16383, 16384, UINT32_MAX, uint64_t{1} << 35,
                                        UINT64_MAX};
  std::string buf;
  for (uint64_t v : values) {
    if (v <= UINT32_MAX) PutVarint32(&buf, static_cast<uint32_t>(v));
    PutVarint64(&buf, v);
  }
  const uint8_t* p = Begin(buf);
  for (uint64_t v : values) {
    if (v <= UINT32_MAX) {
      uint32_t got32 = 0;
      p = GetVarint32(p, End(buf), &got32);
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(got32, v);
    }
    uint64_t got = 0;
    p = GetVarint64(p, End(buf), &got);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(got, v);
  }
  EXPECT_EQ(p, End(buf));
}

TEST(VarintTest, RejectsTruncatedAndOverlongInput) {
  std::string buf;
  PutVarint32(&buf, UINT32_MAX);
  uint32_t v = 0;
  for (size_t n = 0; n < buf.size(); ++n) {
    EXPECT_EQ(GetVarint32(Begin(buf), Begin(buf) + n, &v), nullptr) << n;
  }
  const std::string overlong = "\xff\xff\xff\xff\x7f";  // 35 bits
  EXPECT_EQ(GetVarint32(Begin(overlong), End(overlong), &v), nullptr);
  const std::string six = "\x80\x80\x80\x80\x80\x01";
  EXPECT_EQ(GetVarint32(Begin(six), End(six), &v), nullptr);
}

TEST(BitPackingTest, RoundTripsEveryWidth) {
  std::mt19937 rng(7);
  for (int width = 0; width <= 32; ++width) {
    std::vector<uint32_t> in(kBlockSize);
    const uint64_t limit = width == 32 ? UINT32_MAX : (uint64_t{1} << width) - 1;
    for (auto& v : in) v = static_cast<uint32_t>(rng() & limit);
    if (width > 0) in[77] = static_cast<uint32_t>(limit);  // the width is needed
    ASSERT_EQ(MaxBitWidth(in.data()), width);
    std::vector<uint8_t> packed(PackedBytes(width) + 1, 0xab);
    PackBlock(in.data(), width, packed.data());
    EXPECT_EQ(packed.back(), 0xab) << "wrote past PackedBytes";
    std::vector<uint32_t> out(kBlockSize, 1);
    UnpackBlock(packed.data(), width, out.data());
    EXPECT_EQ(out, in) << "width " << width;
  }
}

TEST(BitPackingTest, DeltaUnpackRebuildsDocIds) {
  std::mt19937 rng(11);
  for (uint32_t prev : {0xffffffffu, 0u, 1000u}) {
    std::vector<uint32_t> docs(kBlockSize);
    uint32_t d = prev;
    for (auto& x : docs) x = d = d + 1 + rng() % 5000;
    std::string buf;
    EncodeDocBlock(docs.data(), kBlockSize, prev, &buf);
    std::vector<uint32_t> out(kBlockSize);
    ASSERT_EQ(DecodeDocBlock(Begin(buf), End(buf), kBlockSize, prev, out.data()), End(buf));
    EXPECT_EQ(out, docs);
  }
}

TEST(BlockCodecTest, ConsecutiveDocsTakeOneByte) {
  std::vector<uint32_t> docs(kBlockSize);
  for (uint32_t i = 0; i < kBlockSize; ++i) docs[i] = 500 + i;
  std::string buf;
  EncodeDocBlock(docs.data(), kBlockSize, 499, &buf);
  EXPECT_EQ(buf.size(), 1u);
}

TEST(BlockCodecTest, StreamRoundTripsAndRejectsTruncation) {
  std::mt19937 rng(3);
  for (size_t n : {0u, 1u, 127u, 128u, 129u, 1000u}) {
    std::vector<uint32_t> in(n);
    for (auto& v : in) v = rng() >> (rng() % 32);
    std::string buf;
    EncodeStream(in.data(), n, &buf);
    std::vector<uint32_t> out(n);
    ASSERT_EQ(DecodeStream(Begin(buf), End(buf), n, out.data()), End(buf)) << n;
    EXPECT_EQ(out, in);
    for (size_t cut = 0; cut < buf.size(); ++cut) {
      EXPECT_EQ(DecodeStream(Begin(buf), Begin(buf) + cut, n, out.data()), nullptr) << n << " " << cut;
    }
  }
}

TEST(BlockCodecTest, TailBlocksRoundTripPackedOrAsVarints) {
  std::mt19937 rng(5);
  for (size_t n = 1; n < kBlockSize; n += 1 + n / 8) {
    for (int width : {0, 1, 7, 13, 32}) {
      std::vector<uint32_t> in(n);
      const uint64_t limit = width == 32 ? UINT32_MAX : (uint64_t{1} << width) - 1;
      for (auto& v : in) v = static_cast<uint32_t>(rng() & limit);
      std::string buf;
      EncodeBlock(in.data(), n, &buf);
      // Never larger than the varints (plus the marker byte).
      std::string varints;
      for (uint32_t v : in) PutVarint32(&varints, v);
      EXPECT_LE(buf.size(), varints.size() + 1) << n << " " << width;
      std::vector<uint32_t> out(n);
      ASSERT_EQ(DecodeBlock(Begin(buf), End(buf), n, out.data()), End(buf)) << n << " " << width;
      EXPECT_EQ(out, in);
      for (size_t cut = 0; cut < buf.size(); ++cut) {
        EXPECT_EQ(DecodeBlock(Begin(buf), Begin(buf) + cut, n, out.data()), nullptr) << n << " " << cut;
      }
    }
  }
  // 100 values below 128 pack at 7 bits; one huge outlier among small values
  // makes the varint form smaller.
  std::vector<uint32_t> small(100, 100);
  std::string buf;
  EncodeBlock(small.data(), small.size(), &buf);
  EXPECT_EQ(buf.size(), 1u + (100 * 7 + 7) / 8);
  small[50] = 0xffffffff;
  buf.clear();
  EncodeBlock(small.data(), small.size(), &buf);
  EXPECT_EQ(static_cast<uint8_t>(buf[0]), 0xff);
  EXPECT_EQ(buf.size(), 1u + 99 + 5);
}

TEST(BlockCodecTest, FullBlocksStoreRareWideValuesAsExceptions) {
  std::mt19937 rng(9);
  std::vector<uint32_t> in(kBlockSize);
  for (auto& v : in) v = rng() % 8;  // 3 bits
  in[3] = 1u << 20;
  in[100] = 0xffffffff;
  std::string buf;
  EncodeBlock(in.data(), kBlockSize, &buf);
  // Width 3 plus two exceptions, far below 32 bits for every value.
  EXPECT_LT(buf.size(), 1u + PackedBytes(3) + 1 + 2 * 6);
  std::vector<uint32_t> out(kBlockSize);
  ASSERT_EQ(DecodeBlock(Begin(buf), End(buf), kBlockSize, out.data()), End(buf));
  EXPECT_EQ(out, in);
  for (size_t cut = 0; cut < buf.size(); ++cut) {
    EXPECT_EQ(DecodeBlock(Begin(buf), Begin(buf) + cut, kBlockSize, out.data()), nullptr) << cut;
  }
  // An exception index past the block is corrupt.
  std::string bad = buf;
  bad[bad.size() - 6] = static_cast<char>(200);  // index byte of the last exception (varint of 2^29 - 1: 5 bytes)
  EXPECT_EQ(DecodeBlock(Begin(bad), End(bad), kBlockSize, out.data()), nullptr);

  // Doc ids with a few long gaps come back through the unfused path.
  for (uint32_t prev : {0xffffffffu, 7u}) {
    std::vector<uint32_t> docs(kBlockSize);
    uint32_t d = prev;
    for (size_t i = 0; i < kBlockSize; ++i) docs[i] = d = d + 1 + (i % 40 == 0 ? 100000 : rng() % 4);
    std::string enc;
    EncodeDocBlock(docs.data(), kBlockSize, prev, &enc);
    EXPECT_LT(enc.size(), 1u + PackedBytes(17));
    std::vector<uint32_t> back(kBlockSize);
    ASSERT_EQ(DecodeDocBlock(Begin(enc), End(enc), kBlockSize, prev, back.data()), End(enc));
    EXPECT_EQ(back, docs);
  }
}

TEST(BlockCodecTest, RejectsWidthAbove32) {
  const std::string buf(1 + 16 * 40, '\x21');  // width byte 33
  std::vector<uint32_t> out(kBlockSize);
  EXPECT_EQ(DecodeBlock(Begin(buf), End(buf), kBlockSize, out.data()), nullptr);
}

TEST(NormsTest, ExactForSmallLengths) {
  for (uint32_t len = 0; len < kExactNormLengths; ++len) EXPECT_EQ(DecodeNorm(EncodeNorm(len)), len);
}

TEST(NormsTest, MonotonicAndWithinDocumentedError) {
  std::mt19937 rng(5);
  std::vector<uint32_t> lengths;
  for (uint32_t len = 0; len < 100000; ++len) lengths.push_back(len);
  for (int i = 0; i < 100000; ++i) lengths.push_back(rng());
  lengths.push_back(UINT32_MAX);
  std::sort(lengths.begin(), lengths.end());
  uint8_t prev = 0;
  for (uint32_t len : lengths) {
    const uint8_t norm = EncodeNorm(len);
    ASSERT_GE(norm, prev) << len;
    prev = norm;
    const uint32_t decoded = DecodeNorm(norm);
    ASSERT_LE(decoded, len);
    ASSERT_LT(uint64_t{len - decoded} * 8, std::max<uint64_t>(len, 1)) << len;
    ASSERT_EQ(EncodeNorm(decoded), norm) << len;  // decode gives the bucket's smallest length
  }
  EXPECT_EQ(EncodeNorm(UINT32_MAX), 255);
}

TEST(NormsTest, DecodeIsStrictlyIncreasing) {
  for (int b = 1; b < 256; ++b) {
    EXPECT_LT(DecodeNorm(static_cast<uint8_t>(b - 1)), DecodeNorm(static_cast<uint8_t>(b))) << b;
  }
}

constexpr uint32_t kMagic = 0x54534554;

TEST(FileFooterTest, VerifiesAndReturnsBody) {
  std::string file = "some file body";
  AppendFileFooter(&file, kMagic, 3);
  EXPECT_EQ(file.size(), 14 + kFileFooterSize);
  auto verified = VerifyFileFooter(file, "seg_1.tdict", kMagic);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->body, "some file body");
  EXPECT_EQ(verified->version, 3u);
}

TEST(FileFooterTest, EveryFlippedByteIsCorruption) {
  std::string file = "0123456789abcdef";
  AppendFileFooter(&file, kMagic, 1);
  for (size_t i = 0; i < file.size(); ++i) {
    std::string bad = file;
    bad[i] ^= 0x20;
    auto verified = VerifyFileFooter(bad, "seg_1.tdict", kMagic);
    ASSERT_FALSE(verified.ok()) << i;
    EXPECT_EQ(verified.status().code(), StatusCode::kCorruption);
    EXPECT_NE(verified.status().message().find("seg_1.tdict"), std::string::npos);
  }
}

TEST(FileFooterTest, TruncatedOrWrongMagicIsCorruption) {
  std::string file = "body";
  AppendFileFooter(&file, kMagic, 1);
  for (size_t n = 0; n < file.size(); ++n) {
    EXPECT_EQ(VerifyFileFooter(std::string_view(file).substr(0, n), "f", kMagic).status().code(),
              StatusCode::kCorruption);
  }
  EXPECT_EQ(VerifyFileFooter(file, "f", kMagic + 1).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace holdfast::codec
