#include "index/segment/segment_builder.h"

#include <algorithm>
#include <cstring>

#include "index/codec/norms.h"
#include "index/codec/postings_format.h"
#include "index/segment/segment_writer.h"

namespace holdfast::segment {

namespace {
constexpr uint32_t kNone = 0xffffffffu;
constexpr size_t kArenaBlock = 64 * 1024;
}  // namespace

// Postings of one term while buffering: a pool stream of per doc
// {doc, freq, positions...}; the freq is updated in place.
struct SegmentBuilder::Term {
  IntSlicePool::Stream stream;
  uint32_t last_doc = kNone;
  uint32_t freq_index = 0;
  uint32_t doc_freq = 0;
  uint64_t total_freq = 0;
};

struct SegmentBuilder::Field {
  std::string_view name;
  FieldKind kind = FieldKind::kText;
  bool is_id = false;
  absl::flat_hash_map<std::string_view, uint32_t> term_ids;
  std::vector<Term> terms;
  std::vector<std::string_view> term_text;
  std::vector<uint8_t> norms;                          // kText, by doc
  uint32_t doc_length = 0;                             // kText, of the doc being added
  uint32_t last_doc = kNone;
  FieldStats stats;
  std::vector<std::pair<uint32_t, int64_t>> values;    // numeric doc values (doc, value)
  std::vector<std::pair<uint32_t, uint32_t>> ords;     // keyword doc values (doc, term id)
};

SegmentBuilder::SegmentBuilder() = default;
SegmentBuilder::~SegmentBuilder() = default;

std::string_view SegmentBuilder::Intern(std::string_view s) {
  if (s.size() > arena_left_) {
    size_t size = std::max(kArenaBlock, s.size());
    arena_blocks_.push_back(std::make_unique<char[]>(size));
    arena_next_ = arena_blocks_.back().get();
    arena_left_ = size;
    memory_ += size;
  }
  std::memcpy(arena_next_, s.data(), s.size());
  std::string_view out(arena_next_, s.size());
  arena_next_ += s.size();
  arena_left_ -= s.size();
  return out;
}

SegmentBuilder::Field* SegmentBuilder::FieldFor(std::string_view name, FieldKind kind, Status* status) {
  auto it = field_by_name_.find(name);
  if (it != field_by_name_.end()) {
    if (it->second->kind != kind) {
      *status = Status::InvalidArgument("field [" + std::string(name) + "] is " +
                                        FieldKindName(it->second->kind) + ", not " + FieldKindName(kind));
      return nullptr;
    }
    return it->second;
  }
  auto f = std::make_unique<Field>();
  f->name = Intern(name);
  f->kind = kind;
  f->is_id = name == kIdField;
  Field* raw = f.get();
  field_by_name_.emplace(raw->name, raw);
  fields_.push_back(std::move(f));
  memory_ += sizeof(Field) + 64;
  return raw;
}

void SegmentBuilder::AddTerm(Field* f, std::string_view term, uint32_t doc, const uint32_t* position) {
  auto it = f->term_ids.find(term);
  uint32_t id;
  if (it == f->term_ids.end()) {
    id = static_cast<uint32_t>(f->terms.size());
    std::string_view stored = Intern(term);
    f->term_ids.emplace(stored, id);
    f->term_text.push_back(stored);
    f->terms.emplace_back();
    f->terms.back().stream = pool_.NewStream();
    memory_ += sizeof(Term) + sizeof(std::string_view) + 32;
  } else {
    id = it->second;
  }
  Term& t = f->terms[id];
  if (t.last_doc != doc) {
    t.last_doc = doc;
    pool_.Append(&t.stream, doc);
    t.freq_index = pool_.Append(&t.stream, 0);
    ++t.doc_freq;
    ++f->stats.sum_doc_freq;
  }
  const uint32_t freq = ++pool_.At(t.freq_index);
  ++t.total_freq;
  if (position) pool_.Append(&t.stream, *position);
  if (f->kind == FieldKind::kKeyword && !f->is_id && freq == 1) {
    f->ords.emplace_back(doc, id);
    memory_ += sizeof(std::pair<uint32_t, uint32_t>);
  }
}

size_t SegmentBuilder::MemoryUsage() const { return memory_ + pool_.bytes(); }

Result<uint32_t> SegmentBuilder::Add(const AnalyzedDocument& doc) {
  if (doc_count_ >= codec::kMaxDocId) return Status::FailedPrecondition("segment is full");
  const uint32_t d = doc_count_;
  Status status;
  std::vector<Field*> touched_text;
  for (const AnalyzedField& af : doc.fields()) {
    Field* f = FieldFor(af.name, af.kind, &status);
    if (!f) return status;
    if (f->last_doc != d) {
      f->last_doc = d;
      ++f->stats.doc_count;
      f->doc_length = 0;
      if (f->kind == FieldKind::kText) touched_text.push_back(f);
    }
    switch (af.kind) {
      case FieldKind::kText:
        for (uint32_t i = af.token_begin; i < af.token_end; ++i) {
          const AnalyzedToken& t = doc.tokens()[i];
          AddTerm(f, doc.term(t), d, &t.position);
        }
        f->doc_length += af.token_end - af.token_begin;
        f->stats.sum_total_term_freq += af.token_end - af.token_begin;
        break;
      case FieldKind::kKeyword:
        AddTerm(f, af.keyword, d, nullptr);
        break;
      case FieldKind::kBoolean:
        AddTerm(f, af.numeric ? "true" : "false", d, nullptr);
        [[fallthrough]];
      case FieldKind::kLong:
      case FieldKind::kDouble:
      case FieldKind::kDate:
        f->values.emplace_back(d, af.numeric);
        memory_ += sizeof(std::pair<uint32_t, int64_t>);
        break;
    }
  }
  for (Field* f : touched_text) {
    if (f->norms.size() <= d) f->norms.resize(d + 1, 0);
    f->norms[d] = codec::EncodeNorm(std::max<uint32_t>(f->doc_length, 1));
  }
  Field* id_field = FieldFor(kIdField, FieldKind::kKeyword, &status);
  ++id_field->stats.doc_count;
  AddTerm(id_field, doc.id(), d, nullptr);
  ids_.append(doc.id());
  id_ends_.push_back(static_cast<uint32_t>(ids_.size()));
  memory_ += doc.id().size() + sizeof(uint32_t) + 4;
  ++doc_count_;
  return d;
}

std::string SegmentBuilder::Build() const {
  SegmentWriter w(doc_count_);
  std::vector<Field*> sorted;
  for (const auto& f : fields_) sorted.push_back(f.get());
  std::sort(sorted.begin(), sorted.end(), [](Field* a, Field* b) { return a->name < b->name; });
  std::vector<uint32_t> counts;
  for (Field* f : sorted) {
    w.StartField(f->name, f->kind);
    std::vector<uint32_t> order(f->terms.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [f](uint32_t a, uint32_t b) { return f->term_text[a] < f->term_text[b]; });
    const bool text = f->kind == FieldKind::kText;
    std::vector<uint32_t> positions;
    for (uint32_t id : order) {
      const Term& t = f->terms[id];
      IntSlicePool::Reader r(pool_, t.stream);
      while (!r.done()) {
        const uint32_t doc = r.Next(), freq = r.Next();
        if (text) {
          positions.resize(freq);
          for (uint32_t k = 0; k < freq; ++k) positions[k] = r.Next();
          w.AddPosting(doc, freq, f->norms[doc], positions);
        } else {
          w.AddPosting(doc, freq, 0, {});
        }
      }
      w.FinishTerm(f->term_text[id]);
    }
    if (text) {
      std::string norms(doc_count_, '\0');
      std::copy(f->norms.begin(), f->norms.begin() + static_cast<ptrdiff_t>(std::min<size_t>(f->norms.size(), doc_count_)),
                norms.begin());
      w.SetNorms(norms);
    }
    if (IsNumericKind(f->kind)) {
      auto entries = f->values;
      std::stable_sort(entries.begin(), entries.end());
      counts.assign(doc_count_, 0);
      std::vector<int64_t> values;
      values.reserve(entries.size());
      for (const auto& [doc, v] : entries) {
        ++counts[doc];
        values.push_back(v);
      }
      w.SetNumericValues(counts, values);
    }
    if (f->kind == FieldKind::kKeyword && !f->is_id) {
      std::vector<uint32_t> ord_of(f->terms.size());
      for (uint32_t ord = 0; ord < order.size(); ++ord) ord_of[order[ord]] = ord;
      std::vector<std::pair<uint32_t, uint32_t>> entries;
      entries.reserve(f->ords.size());
      for (const auto& [doc, id] : f->ords) entries.emplace_back(doc, ord_of[id]);
      std::sort(entries.begin(), entries.end());
      counts.assign(doc_count_, 0);
      std::vector<uint32_t> ords;
      ords.reserve(entries.size());
      for (const auto& [doc, ord] : entries) {
        ++counts[doc];
        ords.push_back(ord);
      }
      w.SetOrdValues(counts, ords);
      for (uint32_t id : order) w.AddOrdTerm(f->term_text[id]);
    }
    w.FinishField(f->stats);
  }
  std::vector<std::string_view> ids(doc_count_);
  uint32_t begin = 0;
  for (uint32_t d = 0; d < doc_count_; ++d) {
    ids[d] = std::string_view(ids_).substr(begin, id_ends_[d] - begin);
    begin = id_ends_[d];
  }
  w.SetIds(ids);
  return w.Finish();
}

}  // namespace holdfast::segment
