#include "index/segment/segment_reader.h"

#include <algorithm>
#include <cstring>

#include "index/codec/file_footer.h"
#include "index/codec/postings_iterator.h"
#include "index/codec/varint.h"

namespace holdfast::segment {

namespace {

class DirReader {
 public:
  DirReader(const char* p, const char* end)
      : p_(reinterpret_cast<const uint8_t*>(p)), end_(reinterpret_cast<const uint8_t*>(end)) {}
  bool U32(uint32_t* v) { return ok_ = ok_ && (p_ = codec::GetVarint32(p_, end_, v)) != nullptr; }
  bool U64(uint64_t* v) { return ok_ = ok_ && (p_ = codec::GetVarint64(p_, end_, v)) != nullptr; }
  bool Bytes(size_t n, std::string_view* out) {
    if (!ok_ || static_cast<size_t>(end_ - p_) < n) return ok_ = false;
    *out = std::string_view(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return true;
  }
  bool ok() const { return ok_; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  bool ok_ = true;
};

}  // namespace

uint32_t FieldReader::Fixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;  // little-endian hosts only (docs/formats.md)
}

int64_t FieldReader::NumericAt(uint32_t index) const {
  int64_t v;
  std::memcpy(&v, values_data_ + 8 * static_cast<size_t>(index), 8);
  return v;
}

std::string_view FieldReader::OrdTerm(uint32_t ord) const {
  if (ord >= num_ords_) return {};
  uint32_t begin = Fixed32(ord_offsets_ + 4 * ord), end = Fixed32(ord_offsets_ + 4 * (ord + 1));
  return std::string_view(ord_bytes_ + begin, end - begin);
}

Result<codec::TermInfo> FieldReader::LookupTerm(std::string_view term) const {
  if (!terms_) return Status::NotFound("field has no terms");
  return terms_->Seek(term);
}

Status FieldReader::OpenPostings(const codec::TermInfo& info, codec::PostingsIterator* it) const {
  if (info.has_inline_doc()) {
    it->ResetInlineDoc(info.inline_doc);
    return Status::OK();
  }
  if (info.postings_offset > postings_.size() || info.postings_length > postings_.size() - info.postings_offset) {
    return Status::Corruption("postings of field " + info_.name + " out of bounds");
  }
  return it->Reset(postings_.substr(info.postings_offset, info.postings_length));
}

Result<std::shared_ptr<SegmentReader>> SegmentReader::Open(std::shared_ptr<const void> owner,
                                                           std::string_view bytes, std::string name) {
  auto verified = codec::VerifyFileFooter(bytes, name, kSegmentMagic);
  if (!verified.ok()) return verified.status();
  if (verified->version != kSegmentVersion) {
    return Status::Corruption(name + ": segment version " + std::to_string(verified->version) + " is " +
                              (verified->version > kSegmentVersion ? "newer" : "older") + " than this build reads");
  }
  std::shared_ptr<SegmentReader> r(new SegmentReader());
  r->owner_ = std::move(owner);
  r->bytes_ = verified->body;
  r->name_ = std::move(name);
  Status s = r->Parse();
  if (!s.ok()) return Status::Corruption(r->name_ + ": " + s.message());
  return r;
}

Status SegmentReader::Parse() {
  if (bytes_.size() < 8) return Status::Corruption("segment too short");
  uint64_t dir_offset;
  std::memcpy(&dir_offset, bytes_.data() + bytes_.size() - 8, 8);
  if (dir_offset > bytes_.size() - 8) return Status::Corruption("bad directory offset");
  const std::string_view data = bytes_.substr(0, dir_offset);
  DirReader dir(bytes_.data() + dir_offset, bytes_.data() + bytes_.size() - 8);
  auto section = [&](Section* s) {
    return dir.U64(&s->offset) && dir.U64(&s->length) && s->offset <= data.size() &&
           s->length <= data.size() - s->offset;
  };
  uint32_t num_fields = 0;
  if (!dir.U32(&num_fields) || num_fields > 1'000'000) return Status::Corruption("bad field count");
  struct Pending {
    FieldInfo info;
    Section sections[kFieldSectionCount];
  };
  std::vector<Pending> pending(num_fields);
  for (Pending& p : pending) {
    uint32_t len;
    std::string_view name, kind;
    if (!dir.U32(&len) || !dir.Bytes(len, &name) || !dir.Bytes(1, &kind)) return Status::Corruption("bad field entry");
    p.info.name = name;
    if (static_cast<uint8_t>(kind[0]) > static_cast<uint8_t>(FieldKind::kDate)) return Status::Corruption("bad field kind");
    p.info.kind = static_cast<FieldKind>(kind[0]);
    if (!dir.U32(&p.info.stats.doc_count) || !dir.U64(&p.info.stats.sum_total_term_freq) ||
        !dir.U64(&p.info.stats.sum_doc_freq)) {
      return Status::Corruption("bad field stats");
    }
    for (Section& s : p.sections) {
      if (!section(&s)) return Status::Corruption("section of field " + p.info.name + " out of bounds");
    }
  }
  Section ids;
  if (!section(&ids) || !dir.U32(&doc_count_)) return Status::Corruption("bad ids section");
  if (doc_count_ > codec::kMaxDocId) return Status::Corruption("bad doc count");

  const size_t offsets_size = 4 * (static_cast<size_t>(doc_count_) + 1);
  auto check_table = [&](const Section& s, size_t width, const char** offsets, const char** values,
                         const std::string& what) -> Status {
    if (s.length < offsets_size) return Status::Corruption(what + " offsets truncated");
    *offsets = data.data() + s.offset;
    uint32_t total = FieldReader::Fixed32(*offsets + 4 * doc_count_);
    if (s.length - offsets_size < static_cast<size_t>(total) * width) return Status::Corruption(what + " truncated");
    *values = *offsets + offsets_size;
    return Status::OK();
  };

  fields_.resize(num_fields);
  for (uint32_t i = 0; i < num_fields; ++i) {
    Pending& p = pending[i];
    FieldReader& f = fields_[i];
    f.info_ = std::move(p.info);
    const Section& terms = p.sections[kTermsSection];
    if (terms.length > 0) {
      auto dict = codec::TermDictionaryReader::Open(data.substr(terms.offset, terms.length));
      if (!dict.ok()) return Status::Corruption("terms of field " + f.info_.name + ": " + dict.status().message());
      f.terms_.emplace(std::move(dict).value());
      f.postings_ = data.substr(p.sections[kPostingsSection].offset, p.sections[kPostingsSection].length);
    }
    const Section& norms = p.sections[kNormsSection];
    if (norms.length > 0 || f.info_.kind == FieldKind::kText) {
      if (norms.length != doc_count_) return Status::Corruption("norms of field " + f.info_.name + " truncated");
      f.norms_ = data.substr(norms.offset, norms.length);
    }
    const Section& values = p.sections[kValuesSection];
    if (values.length > 0) {
      size_t width = f.info_.kind == FieldKind::kKeyword ? 4 : 8;
      HOLDFAST_RETURN_IF_ERROR(check_table(values, width, &f.values_offsets_, &f.values_data_, "values of field " + f.info_.name));
    }
    const Section& ord_terms = p.sections[kOrdTermsSection];
    if (ord_terms.length > 0) {
      f.num_ords_ = f.terms_ ? static_cast<uint32_t>(f.terms_->num_terms()) : 0;
      size_t table = 4 * (static_cast<size_t>(f.num_ords_) + 1);
      if (ord_terms.length < table) return Status::Corruption("ordinals of field " + f.info_.name + " truncated");
      f.ord_offsets_ = data.data() + ord_terms.offset;
      f.ord_bytes_ = f.ord_offsets_ + table;
      if (FieldReader::Fixed32(f.ord_offsets_ + 4 * f.num_ords_) > ord_terms.length - table) {
        return Status::Corruption("ordinal terms of field " + f.info_.name + " truncated");
      }
    }
    if (f.info_.name == kIdField) id_field_ = &f;
  }
  HOLDFAST_RETURN_IF_ERROR(ParseIds(data.substr(ids.offset, ids.length)));
  if (doc_count_ > 0 && id_field_ == nullptr) return Status::Corruption("no _id field");
  return Status::OK();
}

const FieldReader* SegmentReader::field(std::string_view name) const {
  // Fields are sorted by name.
  size_t lo = 0, hi = fields_.size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (fields_[mid].name() < name) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < fields_.size() && fields_[lo].name() == name ? &fields_[lo] : nullptr;
}

Status SegmentReader::ParseIds(std::string_view ids) {
  const size_t groups = (static_cast<size_t>(doc_count_) + kIdGroupSize - 1) / kIdGroupSize;
  const size_t table = 4 * (groups + 1);
  if (ids.size() < table) return Status::Corruption("ids offsets truncated");
  id_offsets_ = ids.data();
  id_bytes_ = ids.data() + table;
  id_bytes_size_ = ids.size() - table;
  uint32_t prev = 0;
  for (size_t g = 0; g <= groups; ++g) {
    const uint32_t at = FieldReader::Fixed32(id_offsets_ + 4 * g);
    if (at < prev || at > id_bytes_size_ || (g == 0 && at != 0)) return Status::Corruption("bad ids offsets");
    prev = at;
  }
  return Status::OK();
}

std::string_view SegmentReader::id(uint32_t doc) const {
  // Offsets were checked at open; lengths are checked here against their group.
  const uint32_t group = doc / kIdGroupSize;
  const uint32_t in_group = std::min<uint32_t>(kIdGroupSize, doc_count_ - group * kIdGroupSize);
  const auto* p = reinterpret_cast<const uint8_t*>(id_bytes_ + FieldReader::Fixed32(id_offsets_ + 4 * group));
  const auto* end = reinterpret_cast<const uint8_t*>(id_bytes_ + FieldReader::Fixed32(id_offsets_ + 4 * (group + 1)));
  const uint32_t which = doc % kIdGroupSize;
  uint64_t skip = 0;
  uint32_t length = 0;
  for (uint32_t i = 0; i < in_group; ++i) {
    uint32_t l = 0;
    if ((p = codec::GetVarint32(p, end, &l)) == nullptr) return {};
    if (i < which) skip += l;
    if (i == which) length = l;
  }
  if (skip + length > static_cast<uint64_t>(end - p)) return {};
  return std::string_view(reinterpret_cast<const char*>(p) + skip, length);
}

int64_t SegmentReader::FindDoc(std::string_view id) const {
  if (!id_field_) return -1;
  auto info = id_field_->LookupTerm(id);
  if (!info.ok()) return -1;
  if (info->has_inline_doc()) return info->inline_doc < doc_count_ ? info->inline_doc : -1;
  codec::PostingsIterator it;
  if (!id_field_->OpenPostings(info.value(), &it).ok()) return -1;
  int64_t last = -1;
  for (uint32_t d = it.NextDoc(); d != codec::kNoMoreDocs; d = it.NextDoc()) last = d;
  return last;
}

}  // namespace holdfast::segment
