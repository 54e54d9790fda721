#include "index/search/top_field_collector.h"

#include <algorithm>
#include <bit>

namespace holdfast::search {
namespace {

// The value of a multi-valued numeric doc that counts for `mode`. Doc values
// are stored sorted by their int64 form, which for doubles (IEEE bits) is not
// numeric order, so doubles are scanned.
int64_t NumericValue(const segment::FieldReader& f, uint32_t start, uint32_t count, SortMode mode) {
  return f.NumericAt(mode == SortMode::kMin ? start : start + count - 1);
}

double DoubleValue(const segment::FieldReader& f, uint32_t start, uint32_t count, SortMode mode) {
  double best = std::bit_cast<double>(f.NumericAt(start));
  for (uint32_t i = 1; i < count; ++i) {
    double v = std::bit_cast<double>(f.NumericAt(start + i));
    best = mode == SortMode::kMin ? std::min(best, v) : std::max(best, v);
  }
  return best;
}

bool KindMatches(SortKeyKind kind, segment::FieldKind field_kind) {
  switch (kind) {
    case SortKeyKind::kKeyword: return field_kind == segment::FieldKind::kKeyword;
    case SortKeyKind::kDouble: return field_kind == segment::FieldKind::kDouble;
    case SortKeyKind::kLong:
      return field_kind == segment::FieldKind::kLong || field_kind == segment::FieldKind::kDate ||
             field_kind == segment::FieldKind::kBoolean;
    default: return false;
  }
}

}  // namespace

TopFieldCollector::TopFieldCollector(SortSpec spec, uint32_t from, uint32_t size,
                                     std::vector<SortValue> search_after)
    : spec_(std::move(spec)),
      from_(from),
      capacity_(from + size),
      after_owned_(std::move(search_after)),
      num_keys_(spec_.keys.size()) {
  for (const SortValue& v : after_owned_) after_.push_back(v.View());
  readers_.assign(num_keys_, nullptr);
  external_.resize(num_keys_);
  values_.resize((static_cast<size_t>(capacity_) + 1) * num_keys_);
  slots_.resize(static_cast<size_t>(capacity_) + 1);
  heap_.reserve(capacity_);
}

void TopFieldCollector::SetSegment(const SegmentView& segment) {
  segment_ = segment;
  for (size_t k = 0; k < num_keys_; ++k) {
    const SortKey& key = spec_.keys[k];
    const segment::FieldReader* f = nullptr;
    if (key.kind == SortKeyKind::kLong || key.kind == SortKeyKind::kDouble ||
        key.kind == SortKeyKind::kKeyword) {
      f = segment.reader->field(key.field);
      if (f != nullptr && (!f->has_values() || !KindMatches(key.kind, f->kind()))) f = nullptr;
    }
    readers_[k] = f;
    external_[k] = key.source != nullptr ? key.source->ForSegment(segment) : nullptr;
  }
}

void TopFieldCollector::ReadValues(uint32_t doc, float score, SortKeyValue* out) const {
  for (size_t k = 0; k < num_keys_; ++k) {
    const SortKey& key = spec_.keys[k];
    SortKeyValue& v = out[k];
    v = SortKeyValue{false, 0, 0, {}};  // unused members zero, so equal values compare equal
    switch (key.kind) {
      case SortKeyKind::kScore: v.real = score; continue;
      case SortKeyKind::kDoc: v.number = (static_cast<int64_t>(segment_.ordinal) << 32) | doc; continue;
      case SortKeyKind::kId: v.text = segment_.reader->id(doc); continue;
      case SortKeyKind::kUnmapped: v.missing = true; continue;
      default: break;
    }
    if (external_[k] != nullptr) {
      std::optional<double> x = external_[k]->Get(doc);
      v.missing = !x.has_value();
      if (x) v.real = *x;
      continue;
    }
    const segment::FieldReader* f = readers_[k];
    uint32_t count = f == nullptr ? 0 : f->ValueCount(doc);
    if (count == 0) {
      v.missing = true;
      continue;
    }
    uint32_t start = f->ValueStart(doc);
    if (key.kind == SortKeyKind::kLong) {
      v.number = NumericValue(*f, start, count, key.mode);
    } else if (key.kind == SortKeyKind::kDouble) {
      v.real = DoubleValue(*f, start, count, key.mode);
    } else {
      // Ordinals follow term order within the segment: min is first, max last.
      v.text = f->OrdTerm(f->OrdAt(key.mode == SortMode::kMin ? start : start + count - 1));
    }
  }
}

int TopFieldCollector::CompareValues(const SortKeyValue* a, const SortKeyValue* b) const {
  for (size_t k = 0; k < num_keys_; ++k) {
    int c = CompareSortKeyValue(spec_.keys[k], a[k], b[k]);
    if (c != 0) return c;
  }
  return 0;
}

bool TopFieldCollector::Before(uint32_t a, uint32_t b) const {
  int c = CompareValues(&values_[a * num_keys_], &values_[b * num_keys_]);
  if (c != 0) return c < 0;
  const Slot& x = slots_[a];
  const Slot& y = slots_[b];
  return x.segment != y.segment ? x.segment < y.segment : x.doc < y.doc;
}

void TopFieldCollector::Collect(uint32_t doc, float score) {
  ++total_hits_;
  if (capacity_ == 0) return;
  const uint32_t scratch = capacity_;
  SortKeyValue* candidate = &values_[scratch * num_keys_];
  ReadValues(doc, score, candidate);
  if (!after_.empty() && CompareValues(candidate, after_.data()) <= 0) return;
  slots_[scratch] = {segment_.ordinal, doc, score};
  // std heap with Before as "less": the top is the greatest, i.e. the worst hit.
  auto worse_last = [this](uint32_t a, uint32_t b) { return Before(a, b); };
  if (heap_.size() < capacity_) {
    uint32_t slot = static_cast<uint32_t>(heap_.size());
    std::copy_n(candidate, num_keys_, &values_[slot * num_keys_]);
    slots_[slot] = slots_[scratch];
    heap_.push_back(slot);
    std::push_heap(heap_.begin(), heap_.end(), worse_last);
    return;
  }
  if (!Before(scratch, heap_.front())) return;
  std::pop_heap(heap_.begin(), heap_.end(), worse_last);
  uint32_t slot = heap_.back();
  std::copy_n(candidate, num_keys_, &values_[slot * num_keys_]);
  slots_[slot] = slots_[scratch];
  std::push_heap(heap_.begin(), heap_.end(), worse_last);
}

TopFieldDocs TopFieldCollector::Finish() {
  TopFieldDocs out;
  out.total_hits = total_hits_;
  std::vector<uint32_t> order = heap_;
  std::sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) { return Before(a, b); });
  for (size_t i = from_; i < order.size(); ++i) {
    const Slot& s = slots_[order[i]];
    FieldHit hit{s.segment, s.doc, s.score, {}};
    hit.sort_values.reserve(num_keys_);
    for (size_t k = 0; k < num_keys_; ++k) {
      hit.sort_values.push_back(SortValue::Copy(values_[order[i] * num_keys_ + k]));
    }
    out.hits.push_back(std::move(hit));
  }
  return out;
}

TopFieldDocs MergeTopFieldDocs(const SortSpec& spec, std::vector<TopFieldDocs> parts,
                               uint32_t from, uint32_t size) {
  struct Ref {
    size_t part;
    FieldHit* hit;
  };
  std::vector<Ref> all;
  TopFieldDocs out;
  for (size_t p = 0; p < parts.size(); ++p) {
    out.total_hits += parts[p].total_hits;
    for (FieldHit& h : parts[p].hits) all.push_back({p, &h});
  }
  std::sort(all.begin(), all.end(), [&spec](const Ref& a, const Ref& b) {
    int c = CompareSortValues(spec, a.hit->sort_values, b.hit->sort_values);
    if (c != 0) return c < 0;
    if (a.part != b.part) return a.part < b.part;
    if (a.hit->segment != b.hit->segment) return a.hit->segment < b.hit->segment;
    return a.hit->doc < b.hit->doc;
  });
  for (size_t i = from; i < all.size() && i < static_cast<size_t>(from) + size; ++i) {
    out.hits.push_back(std::move(*all[i].hit));
  }
  return out;
}

}  // namespace holdfast::search
