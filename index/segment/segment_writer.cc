#include "index/segment/segment_writer.h"

#include "index/codec/file_footer.h"
#include "index/codec/varint.h"

namespace holdfast::segment {

SegmentWriter::SegmentWriter(uint32_t doc_count) : doc_count_(doc_count) {}

codec::PostingsOptions SegmentWriter::OptionsFor(FieldKind kind) {
  codec::PostingsOptions o;
  const bool text = kind == FieldKind::kText;
  o.freqs = text;
  o.positions = text;
  o.norms = text;
  return o;
}

void SegmentWriter::StartField(std::string_view name, FieldKind kind) {
  field_name_ = name;
  field_kind_ = kind;
  for (Section& s : sections_) s = {};
  postings_.emplace(OptionsFor(kind));
  dict_.emplace();
  postings_bytes_.clear();
  ord_terms_.clear();
}

void SegmentWriter::FinishTerm(std::string_view term) {
  if (postings_->doc_count() == 0) return;
  const uint64_t start = postings_bytes_.size();
  const uint32_t df = postings_->doc_count();
  const uint64_t ttf = postings_->total_term_freq();
  if (df == 1 && !OptionsFor(field_kind_).freqs) {  // the dictionary holds the doc
    const uint32_t doc = postings_->last_doc();
    scratch_.clear();
    (void)postings_->Finish(&scratch_);
    (void)dict_->Add(term, codec::TermInfo{1, 1, start, 0, doc});
    return;
  }
  (void)postings_->Finish(&postings_bytes_);
  (void)dict_->Add(term, codec::TermInfo{df, ttf, start, postings_bytes_.size() - start});
}

void SegmentWriter::SetNorms(std::string_view norms) {
  sections_[kNormsSection] = {out_.size(), norms.size()};
  out_.append(norms);
}

template <typename T, typename Put>
Section SegmentWriter::WriteValues(std::span<const uint32_t> counts, std::span<const T> values, Put put) {
  Section s{out_.size(), 0};
  uint32_t running = 0;
  codec::PutFixed32(&out_, 0);
  for (uint32_t d = 0; d < doc_count_; ++d) {
    running += d < counts.size() ? counts[d] : 0;
    codec::PutFixed32(&out_, running);
  }
  for (size_t i = 0; i < running && i < values.size(); ++i) put(&out_, values[i]);
  s.length = out_.size() - s.offset;
  return s;
}

void SegmentWriter::SetNumericValues(std::span<const uint32_t> counts, std::span<const int64_t> values) {
  sections_[kValuesSection] = WriteValues(counts, values, [](std::string* o, int64_t v) {
    codec::PutFixed64(o, static_cast<uint64_t>(v));
  });
}

void SegmentWriter::SetOrdValues(std::span<const uint32_t> counts, std::span<const uint32_t> ords) {
  sections_[kValuesSection] = WriteValues(counts, ords, [](std::string* o, uint32_t v) { codec::PutFixed32(o, v); });
}

void SegmentWriter::FinishField(const FieldStats& stats) {
  if (dict_->num_terms() > 0) {
    std::string dict = dict_->Finish();
    sections_[kTermsSection] = {out_.size(), dict.size()};
    out_ += dict;
    sections_[kPostingsSection] = {out_.size(), postings_bytes_.size()};
    out_ += postings_bytes_;
  }
  if (!ord_terms_.empty()) {
    Section& s = sections_[kOrdTermsSection];
    s.offset = out_.size();
    uint32_t end = 0;
    codec::PutFixed32(&out_, 0);
    for (const auto& t : ord_terms_) {
      end += static_cast<uint32_t>(t.size());
      codec::PutFixed32(&out_, end);
    }
    for (const auto& t : ord_terms_) out_ += t;
    s.length = out_.size() - s.offset;
  }
  codec::PutVarint32(&dir_, static_cast<uint32_t>(field_name_.size()));
  dir_ += field_name_;
  dir_.push_back(static_cast<char>(field_kind_));
  codec::PutVarint32(&dir_, stats.doc_count);
  codec::PutVarint64(&dir_, stats.sum_total_term_freq);
  codec::PutVarint64(&dir_, stats.sum_doc_freq);
  for (const Section& s : sections_) {
    codec::PutVarint64(&dir_, s.offset);
    codec::PutVarint64(&dir_, s.length);
  }
  ++num_fields_;
}

void SegmentWriter::SetIds(std::span<const std::string_view> ids) {
  ids_.offset = out_.size();
  const size_t groups = (ids.size() + kIdGroupSize - 1) / kIdGroupSize;
  std::string data;
  std::string offsets;
  for (size_t g = 0; g < groups; ++g) {
    codec::PutFixed32(&offsets, static_cast<uint32_t>(data.size()));
    const auto group = ids.subspan(g * kIdGroupSize, std::min<size_t>(kIdGroupSize, ids.size() - g * kIdGroupSize));
    for (std::string_view id : group) codec::PutVarint32(&data, static_cast<uint32_t>(id.size()));
    for (std::string_view id : group) data += id;
  }
  codec::PutFixed32(&offsets, static_cast<uint32_t>(data.size()));
  out_ += offsets;
  out_ += data;
  ids_.length = out_.size() - ids_.offset;
}

std::string SegmentWriter::Finish() {
  std::string dir;
  codec::PutVarint32(&dir, num_fields_);
  dir += dir_;
  codec::PutVarint64(&dir, ids_.offset);
  codec::PutVarint64(&dir, ids_.length);
  codec::PutVarint32(&dir, doc_count_);
  const uint64_t dir_offset = out_.size();
  out_ += dir;
  codec::PutFixed64(&out_, dir_offset);
  codec::AppendFileFooter(&out_, kSegmentMagic, kSegmentVersion);
  return std::move(out_);
}

}  // namespace holdfast::segment
