#include "index/segment/segment_merger.h"

#include <algorithm>
#include <map>

#include "index/codec/postings_iterator.h"
#include "index/segment/segment_writer.h"

namespace holdfast::segment {

namespace {

struct FieldSource {
  size_t input;
  const FieldReader* field;
};

// Merges the terms and postings of one field; fills the keyword ordinal maps.
void MergePostings(const std::vector<FieldSource>& sources, const MergeOutput& out, FieldKind kind,
                   SegmentWriter* w, FieldStats* stats, std::vector<bool>* has_field,
                   std::vector<std::vector<int32_t>>* ord_maps) {
  struct Cursor {
    codec::TermIterator it;
    size_t source;
    uint32_t rank = 0;  // ordinal of it.term() in its segment
  };
  std::vector<Cursor> cursors;
  for (size_t s = 0; s < sources.size(); ++s) {
    if (!sources[s].field->terms()) continue;
    Cursor c{sources[s].field->terms()->NewIterator(), s};
    if (c.it.SeekToFirst()) cursors.push_back(std::move(c));
  }
  const bool text = kind == FieldKind::kText;
  codec::PostingsIterator postings;
  std::vector<uint32_t> positions;
  std::string term;
  uint32_t next_ord = 0;
  while (!cursors.empty()) {
    term = cursors.front().it.term();
    for (const Cursor& c : cursors) {
      if (c.it.term() < term) term = c.it.term();
    }
    bool any = false;
    for (Cursor& c : cursors) {
      if (c.it.term() != term) continue;
      const FieldSource& src = sources[c.source];
      const std::vector<int32_t>& map = out.doc_maps[src.input];
      if (src.field->OpenPostings(c.it.info(), &postings).ok()) {
        for (uint32_t d = postings.NextDoc(); d != codec::kNoMoreDocs; d = postings.NextDoc()) {
          const int32_t nd = map[d];
          if (nd < 0) continue;
          const uint32_t freq = postings.freq();
          if (text) {
            positions.clear();
            for (uint32_t i = 0; i < freq; ++i) positions.push_back(postings.NextPosition());
            w->AddPosting(static_cast<uint32_t>(nd), freq, src.field->norm(d), positions);
            stats->sum_total_term_freq += freq;
          } else {
            w->AddPosting(static_cast<uint32_t>(nd), freq, 0, {});
          }
          ++stats->sum_doc_freq;
          (*has_field)[static_cast<size_t>(nd)] = true;
          any = true;
        }
      }
      if (ord_maps && any) (*ord_maps)[c.source][c.rank] = static_cast<int32_t>(next_ord);
    }
    if (any) {
      w->FinishTerm(term);
      if (ord_maps) {
        w->AddOrdTerm(term);
        ++next_ord;
      }
    }
    for (size_t i = 0; i < cursors.size();) {
      Cursor& c = cursors[i];
      if (c.it.term() == term) {
        ++c.rank;
        if (!c.it.Next()) {
          cursors.erase(cursors.begin() + static_cast<ptrdiff_t>(i));
          continue;
        }
      }
      ++i;
    }
  }
}

}  // namespace

Result<MergeOutput> MergeSegments(const std::vector<MergeInput>& inputs) {
  MergeOutput out;
  out.doc_maps.resize(inputs.size());
  std::vector<std::string_view> ids;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const SegmentReader& r = *inputs[i].reader;
    out.doc_maps[i].assign(r.doc_count(), -1);
    for (uint32_t d = 0; d < r.doc_count(); ++d) {
      if (inputs[i].live && inputs[i].live->IsDeleted(d)) continue;
      out.doc_maps[i][d] = static_cast<int32_t>(out.doc_count++);
      ids.push_back(r.id(d));
    }
  }
  // Fields by name across inputs.
  std::map<std::string, std::vector<FieldSource>> fields;
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (const FieldReader& f : inputs[i].reader->fields()) fields[f.name()].push_back({i, &f});
  }
  SegmentWriter w(out.doc_count);
  std::vector<uint32_t> counts;
  for (const auto& [name, sources] : fields) {
    const FieldKind kind = sources.front().field->kind();
    for (const FieldSource& s : sources) {
      if (s.field->kind() != kind) {
        return Status::InvalidArgument("cannot merge field [" + name + "]: kinds " + FieldKindName(kind) +
                                       " and " + FieldKindName(s.field->kind()));
      }
    }
    w.StartField(name, kind);
    FieldStats stats;
    std::vector<bool> has_field(out.doc_count, false);
    const bool keyword_values = kind == FieldKind::kKeyword && name != kIdField;
    std::vector<std::vector<int32_t>> ord_maps;
    if (keyword_values) {
      for (const FieldSource& s : sources) ord_maps.emplace_back(s.field->num_ords(), -1);
    }
    MergePostings(sources, out, kind, &w, &stats, &has_field, keyword_values ? &ord_maps : nullptr);

    if (kind == FieldKind::kText) {
      std::string norms(out.doc_count, '\0');
      for (const FieldSource& s : sources) {
        const auto& map = out.doc_maps[s.input];
        for (uint32_t d = 0; d < map.size(); ++d) {
          if (map[d] < 0 || s.field->norm(d) == 0) continue;
          norms[static_cast<size_t>(map[d])] = static_cast<char>(s.field->norm(d));
          has_field[static_cast<size_t>(map[d])] = true;  // an empty text value still counts
        }
      }
      w.SetNorms(norms);
    }
    if (IsNumericKind(kind) || keyword_values) {
      counts.assign(out.doc_count, 0);
      std::vector<int64_t> values;
      std::vector<uint32_t> ords;
      for (size_t k = 0; k < sources.size(); ++k) {
        const FieldSource& s = sources[k];
        const auto& map = out.doc_maps[s.input];
        if (!s.field->has_values()) continue;
        for (uint32_t d = 0; d < map.size(); ++d) {
          if (map[d] < 0) continue;
          const uint32_t n = s.field->ValueCount(d), start = s.field->ValueStart(d);
          counts[static_cast<size_t>(map[d])] = n;
          if (n > 0) has_field[static_cast<size_t>(map[d])] = true;
          if (keyword_values) {
            size_t first = ords.size();
            for (uint32_t j = 0; j < n; ++j) ords.push_back(static_cast<uint32_t>(ord_maps[k][s.field->OrdAt(start + j)]));
            std::sort(ords.begin() + static_cast<ptrdiff_t>(first), ords.end());
          } else {
            for (uint32_t j = 0; j < n; ++j) values.push_back(s.field->NumericAt(start + j));
          }
        }
      }
      // Sources are in input order and inputs map to increasing new doc ids, so
      // values are already grouped by new doc.
      if (keyword_values) {
        w.SetOrdValues(counts, ords);
      } else {
        w.SetNumericValues(counts, values);
      }
    }
    for (bool b : has_field) stats.doc_count += b ? 1 : 0;
    w.FinishField(stats);
  }
  w.SetIds(ids);
  out.bytes = w.Finish();
  return out;
}

}  // namespace holdfast::segment
