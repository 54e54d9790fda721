#include "replication/proto_convert.h"

#include "index/codec/varint.h"

namespace holdfast {

void ToProto(const Status& status, pb::Error* out) {
  out->set_kind(static_cast<uint32_t>(status.code()));
  out->set_message(status.message());
}

Status FromProto(const pb::Error& error) {
  if (error.kind() == 0) {
    if (error.message().empty()) return Status::OK();
    return Status::Internal(error.message());
  }
  return Status(static_cast<StatusCode>(error.kind()), error.message());
}

void ToProto(const std::vector<std::string>& index_uuids, const IndexSettingsUpdate& u,
             pb::UpdateIndexSettingsRequest* out) {
  for (const std::string& uuid : index_uuids) out->add_index_uuids(uuid);
  if (u.refresh_interval) out->set_refresh_interval_ms(u.refresh_interval->count());
  if (u.number_of_replicas) out->set_number_of_replicas(*u.number_of_replicas);
  if (u.max_result_window) out->set_max_result_window(*u.max_result_window);
  if (u.max_docvalue_fields_search) out->set_max_docvalue_fields_search(*u.max_docvalue_fields_search);
  if (u.max_terms_count) out->set_max_terms_count(*u.max_terms_count);
  if (u.node_left_delayed_timeout) out->set_node_left_delayed_timeout_ms(u.node_left_delayed_timeout->count());
  if (u.closed) out->set_closed(*u.closed);
  for (const auto& [key, value] : u.allocation_filters) {
    if (value) {
      (*out->mutable_allocation_filters_set())[key] = *value;
    } else {
      out->add_allocation_filters_removed(key);
    }
  }
  if (u.total_shards_per_node) out->set_total_shards_per_node(*u.total_shards_per_node);
  if (u.allocation_enable) out->set_allocation_enable(*u.allocation_enable);
}

IndexSettingsUpdate FromProto(const pb::UpdateIndexSettingsRequest& m) {
  IndexSettingsUpdate u;
  if (m.has_refresh_interval_ms()) u.refresh_interval = std::chrono::milliseconds(m.refresh_interval_ms());
  if (m.has_number_of_replicas()) u.number_of_replicas = m.number_of_replicas();
  if (m.has_max_result_window()) u.max_result_window = m.max_result_window();
  if (m.has_max_docvalue_fields_search()) u.max_docvalue_fields_search = m.max_docvalue_fields_search();
  if (m.has_max_terms_count()) u.max_terms_count = m.max_terms_count();
  if (m.has_node_left_delayed_timeout_ms()) {
    u.node_left_delayed_timeout = std::chrono::milliseconds(m.node_left_delayed_timeout_ms());
  }
  if (m.has_closed()) u.closed = m.closed();
  for (const auto& [key, value] : m.allocation_filters_set()) u.allocation_filters[key] = value;
  for (const std::string& key : m.allocation_filters_removed()) u.allocation_filters[key] = std::nullopt;
  if (m.has_total_shards_per_node()) u.total_shards_per_node = m.total_shards_per_node();
  if (m.has_allocation_enable()) u.allocation_enable = m.allocation_enable();
  return u;
}

void ToProto(const AliasAction& a, pb::AliasActionMessage* out) {
  out->set_kind(a.kind == AliasAction::Kind::kAdd      ? "add"
                : a.kind == AliasAction::Kind::kRemove ? "remove"
                                                       : "remove_index");
  out->set_index(a.index);
  out->set_alias(a.alias);
  out->set_filter_json(a.metadata.filter_json);
  out->set_index_routing(a.metadata.index_routing);
  out->set_search_routing(a.metadata.search_routing);
  if (a.metadata.is_write_index) out->set_is_write_index(*a.metadata.is_write_index);
  out->set_must_exist(a.must_exist);
}

Result<AliasAction> FromProto(const pb::AliasActionMessage& m) {
  AliasAction a;
  if (m.kind() == "add") {
    a.kind = AliasAction::Kind::kAdd;
  } else if (m.kind() == "remove") {
    a.kind = AliasAction::Kind::kRemove;
  } else if (m.kind() == "remove_index") {
    a.kind = AliasAction::Kind::kRemoveIndex;
  } else {
    return Status::InvalidArgument("unknown alias action [" + m.kind() + "]");
  }
  a.index = m.index();
  a.alias = m.alias();
  a.metadata.filter_json = m.filter_json();
  a.metadata.index_routing = m.index_routing();
  a.metadata.search_routing = m.search_routing();
  if (m.has_is_write_index()) a.metadata.is_write_index = m.is_write_index();
  a.must_exist = m.must_exist();
  return a;
}

void ToProto(const search::SortValue& v, pb::SortValue* out) {
  out->set_missing(v.missing);
  out->set_number(v.number);
  out->set_real(v.real);
  out->set_text(v.text);
}

search::SortValue FromProto(const pb::SortValue& v) {
  search::SortValue s;
  s.missing = v.missing();
  s.number = v.number();
  s.real = v.real();
  s.text = v.text();
  return s;
}

void ToProto(const std::vector<search::SortValue>& values, google::protobuf::RepeatedPtrField<pb::SortValue>* out) {
  out->Reserve(static_cast<int>(values.size()));
  for (const auto& v : values) ToProto(v, out->Add());
}

std::vector<search::SortValue> FromProto(const google::protobuf::RepeatedPtrField<pb::SortValue>& values) {
  std::vector<search::SortValue> out;
  out.reserve(values.size());
  for (const auto& v : values) out.push_back(FromProto(v));
  return out;
}

void ToProto(const search::AggregationResult& r, pb::AggregationPartial* out) {
  out->set_type(static_cast<uint32_t>(r.type));
  switch (r.type) {
    case search::AggregationType::kTerms:
    case search::AggregationType::kHistogram:
    case search::AggregationType::kDateHistogram:
      out->set_value_kind(static_cast<uint32_t>(r.terms.kind));
      for (const auto& b : r.terms.buckets) {
        pb::TermsBucketPartial* pbb = out->add_terms_buckets();
        pbb->set_text(b.text);
        pbb->set_number(b.number);
        pbb->set_doc_count(b.doc_count);
        for (const auto& c : b.children) ToProto(c, pbb->add_children());
      }
      break;
    case search::AggregationType::kRange:
    case search::AggregationType::kMissing:
    case search::AggregationType::kFilter:
    case search::AggregationType::kFilters:
      for (const auto& b : r.range.buckets) {
        pb::RangeBucketPartial* pbb = out->add_range_buckets();
        pbb->set_doc_count(b.doc_count);
        for (const auto& c : b.children) ToProto(c, pbb->add_children());
      }
      break;
    case search::AggregationType::kStats: {
      const search::StatsResult& s = r.stats;
      out->set_value_kind(static_cast<uint32_t>(s.kind));
      out->set_count(s.count);
      out->set_long_sum(s.long_sum);
      for (double d : s.double_sum.partials()) out->add_double_sum_partials(d);
      out->set_long_min(s.long_min);
      out->set_long_max(s.long_max);
      out->set_double_min(s.double_min);
      out->set_double_max(s.double_max);
      out->set_squares(s.squares);
      for (double d : s.sum_of_squares.partials()) out->add_sum_of_squares_partials(d);
      break;
    }
    case search::AggregationType::kCardinality:
      out->set_sketch_threshold(r.cardinality.threshold());
      if (r.cardinality.exact()) {
        for (uint64_t h : r.cardinality.Hashes()) out->add_sketch_hashes(h);
      } else {
        out->set_sketch_registers(r.cardinality.registers());
      }
      break;
    case search::AggregationType::kPercentiles:
      out->set_digest_compression(r.digest.compression());
      for (const auto& c : r.digest.Centroids()) {
        out->add_digest_means(c.mean);
        out->add_digest_weights(c.weight);
      }
      out->set_digest_min(r.digest.min());
      out->set_digest_max(r.digest.max());
      break;
    case search::AggregationType::kTopHits:
      out->set_top_hits_total(r.top_hits.total);
      out->set_top_hits_max_score(r.top_hits.max_score);
      for (const search::TopHit& h : r.top_hits.hits) {
        pb::TopHitPartial* p = out->add_top_hits();
        p->set_index(h.index);
        p->set_id(h.id);
        p->set_score(h.score);
        ToProto(h.sort_values, p->mutable_sort_values());
        p->set_found(h.found);
        p->set_source(h.source);
        p->set_version(h.version);
        p->set_seq_no(h.seq_no);
        p->set_primary_term(h.primary_term);
      }
      break;
  }
}

search::AggregationResult FromProto(const pb::AggregationPartial& p) {
  search::AggregationResult r;
  r.type = static_cast<search::AggregationType>(p.type());
  switch (r.type) {
    case search::AggregationType::kTerms:
    case search::AggregationType::kHistogram:
    case search::AggregationType::kDateHistogram:
      r.terms.kind = static_cast<search::AggValueKind>(p.value_kind());
      r.terms.buckets.reserve(p.terms_buckets_size());
      for (const auto& pbb : p.terms_buckets()) {
        search::TermsBucket b;
        b.text = pbb.text();
        b.number = pbb.number();
        b.doc_count = pbb.doc_count();
        for (const auto& c : pbb.children()) b.children.push_back(FromProto(c));
        r.terms.buckets.push_back(std::move(b));
      }
      break;
    case search::AggregationType::kRange:
    case search::AggregationType::kMissing:
    case search::AggregationType::kFilter:
    case search::AggregationType::kFilters:
      for (const auto& pbb : p.range_buckets()) {
        search::RangeBucket b;
        b.doc_count = pbb.doc_count();
        for (const auto& c : pbb.children()) b.children.push_back(FromProto(c));
        r.range.buckets.push_back(std::move(b));
      }
      break;
    case search::AggregationType::kStats: {
      search::StatsResult& s = r.stats;
      s.kind = static_cast<search::AggValueKind>(p.value_kind());
      s.count = p.count();
      s.long_sum = p.long_sum();
      s.double_sum = search::ExactDoubleSum::FromPartials({p.double_sum_partials().begin(), p.double_sum_partials().end()});
      s.long_min = p.long_min();
      s.long_max = p.long_max();
      s.double_min = p.double_min();
      s.double_max = p.double_max();
      s.squares = p.squares();
      s.sum_of_squares = search::ExactDoubleSum::FromPartials(
          {p.sum_of_squares_partials().begin(), p.sum_of_squares_partials().end()});
      break;
    }
    case search::AggregationType::kCardinality:
      r.cardinality = search::CardinalitySketch::FromParts(
          p.sketch_threshold(), {p.sketch_hashes().begin(), p.sketch_hashes().end()}, p.sketch_registers());
      break;
    case search::AggregationType::kPercentiles: {
      std::vector<search::PercentileDigest::Centroid> centroids;
      const int n = std::min(p.digest_means_size(), p.digest_weights_size());
      centroids.reserve(n);
      for (int i = 0; i < n; ++i) centroids.push_back({p.digest_means(i), p.digest_weights(i)});
      r.digest = search::PercentileDigest::FromParts(p.digest_compression(), std::move(centroids), p.digest_min(),
                                                     p.digest_max());
      break;
    }
    case search::AggregationType::kTopHits:
      r.top_hits.total = p.top_hits_total();
      r.top_hits.max_score = p.top_hits_max_score();
      r.top_hits.hits.reserve(p.top_hits_size());
      for (const pb::TopHitPartial& h : p.top_hits()) {
        search::TopHit hit;
        hit.index = h.index();
        hit.id = h.id();
        hit.score = h.score();
        hit.sort_values = FromProto(h.sort_values());
        hit.found = h.found();
        hit.source = h.source();
        hit.version = h.version();
        hit.seq_no = h.seq_no();
        hit.primary_term = h.primary_term();
        r.top_hits.hits.push_back(std::move(hit));
      }
      break;
  }
  return r;
}

void ToProto(const WriteResult& r, pb::DocWriteResult* out) {
  if (!r.status.ok()) ToProto(r.status, out->mutable_error());
  out->set_outcome(static_cast<pb::DocWriteResult::Outcome>(r.outcome));
  out->set_version(r.version);
  out->set_seq_no(r.stamp.seq_no);
  out->set_primary_term(r.stamp.primary_term);
}

WriteResult FromProto(const pb::DocWriteResult& r) {
  WriteResult w;
  if (r.has_error()) w.status = FromProto(r.error());
  w.outcome = static_cast<WriteOutcome>(r.outcome());
  w.version = r.version();
  w.stamp.seq_no = r.seq_no();
  w.stamp.primary_term = r.primary_term();
  return w;
}

void ToProto(const GetResult& g, pb::Doc* out) {
  out->set_found(g.found);
  out->set_version(g.version);
  out->set_seq_no(g.stamp.seq_no);
  out->set_primary_term(g.stamp.primary_term);
  out->set_source(g.source);
  if (!g.routing.empty()) out->set_routing(g.routing);
}

GetResult FromProto(const pb::Doc& d) {
  GetResult g;
  g.found = d.found();
  g.version = d.version();
  g.stamp.seq_no = d.seq_no();
  g.stamp.primary_term = d.primary_term();
  g.source = d.source();
  g.routing = d.routing();
  return g;
}

void ToProto(const ShardOp& op, pb::Op* out) {
  switch (op.type) {
    case OpType::kIndex: out->set_type(pb::Op::INDEX); break;
    case OpType::kDelete: out->set_type(pb::Op::DELETE); break;
    case OpType::kEvent: out->set_type(pb::Op::EVENT); break;
    case OpType::kNoop: out->set_type(pb::Op::NOOP); break;
  }
  out->set_id(op.id);
  out->set_seq_no(op.stamp.seq_no);
  out->set_primary_term(op.stamp.primary_term);
  out->set_version(op.version);
  out->set_source(op.source);
  if (!op.routing.empty()) out->set_routing(op.routing);
}

ShardOp FromProto(const pb::Op& op) {
  ShardOp o;
  switch (op.type()) {
    case pb::Op::INDEX: o.type = OpType::kIndex; break;
    case pb::Op::DELETE: o.type = OpType::kDelete; break;
    case pb::Op::EVENT: o.type = OpType::kEvent; break;
    case pb::Op::NOOP: o.type = OpType::kNoop; break;
    default: o.type = OpType::kNoop; break;  // a type of a newer version: keeps the seq_no, changes nothing
  }
  o.id = op.id();
  o.stamp.seq_no = op.seq_no();
  o.stamp.primary_term = op.primary_term();
  o.version = op.version();
  o.source = op.source();
  o.routing = op.routing();
  return o;
}

void ToProto(const search::FieldTermFreqs& fields, google::protobuf::RepeatedPtrField<pb::FieldTerms>* out) {
  for (const auto& [field, terms] : fields) {
    pb::FieldTerms* f = out->Add();
    f->set_field(field);
    for (const auto& [term, freq] : terms) {
      pb::TermFreq* t = f->add_terms();
      t->set_term(term);
      t->set_freq(freq);
    }
  }
}

search::FieldTermFreqs FromProto(const google::protobuf::RepeatedPtrField<pb::FieldTerms>& fields) {
  search::FieldTermFreqs out;
  for (const auto& f : fields) {
    auto& terms = out[f.field()];
    for (const auto& t : f.terms()) terms[t.term()] += t.freq();
  }
  return out;
}

void PackId(std::string_view id, std::string* out) {
  codec::PutVarint64(out, id.size());
  out->append(id);
}

Status ForEachPackedId(std::string_view packed, const std::function<void(std::string_view)>& fn) {
  while (!packed.empty()) {
    uint64_t n = 0;
    if (!codec::ConsumeVarint64(&packed, &n) || n > packed.size()) return Status::Corruption("malformed packed ids");
    fn(packed.substr(0, n));
    packed.remove_prefix(n);
  }
  return Status::OK();
}

void ToProto(const search::GlobalStatistics& stats, pb::GlobalStatistics* out) {
  // Sorted, so that the same statistics always make the same bytes.
  std::vector<const std::pair<const std::string, segment::FieldStats>*> fields;
  for (const auto& kv : stats.fields) fields.push_back(&kv);
  std::sort(fields.begin(), fields.end(), [](auto* a, auto* b) { return a->first < b->first; });
  for (const auto* kv : fields) {
    pb::FieldStatistics* f = out->add_fields();
    f->set_field(kv->first);
    f->set_doc_count(kv->second.doc_count);
    f->set_sum_total_term_freq(kv->second.sum_total_term_freq);
    f->set_sum_doc_freq(kv->second.sum_doc_freq);
  }
  std::vector<const std::pair<const std::string, uint64_t>*> terms;
  for (const auto& kv : stats.doc_freqs) terms.push_back(&kv);
  std::sort(terms.begin(), terms.end(), [](auto* a, auto* b) { return a->first < b->first; });
  for (const auto* kv : terms) {
    pb::TermStatistics* t = out->add_terms();
    const size_t nul = kv->first.find('\0');
    t->set_field(kv->first.substr(0, nul));
    t->set_term(kv->first.substr(nul + 1));
    t->set_doc_freq(kv->second);
  }
}

search::GlobalStatistics FromProto(const pb::GlobalStatistics& stats) {
  search::GlobalStatistics out;
  for (const auto& f : stats.fields()) {
    out.AddField(f.field(), segment::FieldStats{static_cast<uint32_t>(f.doc_count()), f.sum_total_term_freq(),
                                                f.sum_doc_freq()});
  }
  for (const auto& t : stats.terms()) out.AddDocFreq(t.field(), t.term(), t.doc_freq());
  return out;
}

}  // namespace holdfast
