// ShardService: the fetch phase — current sources of a page's ids, filtered,
// and their highlight fragments.
#include "index/mapping/source_filter.h"
#include "index/search/highlight_spec.h"
#include "index/search/hit_highlighter.h"
#include "replication/proto_convert.h"
#include "replication/shard_service.h"

namespace holdfast {

Status ShardService::Fetch(const pb::FetchRequest& request, pb::FetchResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  std::vector<std::string_view> ids(request.ids().begin(), request.ids().end());
  std::vector<GetResult> got;
  HOLDFAST_RETURN_IF_ERROR((*copy)->engine().MultiGet(ids, &got));
  const SourceFilter filter = SourceFilter::FromParts(
      request.source().enabled(), {request.source().includes().begin(), request.source().includes().end()},
      {request.source().excludes().begin(), request.source().excludes().end()});
  std::optional<search::HighlightSpec> highlight;
  QueryTermsByField terms;
  std::shared_ptr<const mapping::Mapping> mapping;
  if (!request.highlight_json().empty()) {
    auto spec = search::ParseHighlightSpec(request.highlight_json());
    if (!spec.ok()) return spec.status();
    highlight = std::move(spec).value();
    for (const pb::FieldTerms& f : request.highlight_terms()) {
      auto& list = terms[f.field()];
      for (const pb::TermFreq& t : f.terms()) list.push_back(t.term());
    }
    mapping = (*copy)->mapping();
  }
  response->mutable_docs()->Reserve(static_cast<int>(got.size()));
  for (const GetResult& g : got) {
    pb::FetchedDoc* doc = response->add_docs();
    if (!g.found) continue;  // deleted since the query phase
    doc->set_found(true);
    doc->set_version(g.version);
    doc->set_seq_no(g.stamp.seq_no);
    doc->set_primary_term(g.stamp.primary_term);
    if (!g.routing.empty()) doc->set_routing(g.routing);
    if (filter.enabled()) filter.Render(g.source, doc->mutable_source());
    if (highlight) {
      HitHighlighter highlighter(*mapping, *highlight, terms);
      HOLDFAST_RETURN_IF_ERROR(highlighter.Render(g.source, doc->mutable_highlight()));
    }
  }
  return Status::OK();
}

}  // namespace holdfast
