#include "server/coordinator/coordinator_query_context.h"

#include "index/mapping/mapping_error.h"
#include "replication/proto_convert.h"

namespace holdfast {

namespace {

class NoValues final : public search::SegmentDocValues {
 public:
  std::optional<double> Get(uint32_t) override { return std::nullopt; }
};

// What `_popularity` binds to while the coordinator parses: never read.
class PlaceholderSource final : public search::DocValueSource {
 public:
  std::unique_ptr<search::SegmentDocValues> ForSegment(const search::SegmentView&) const override {
    return std::make_unique<NoValues>();
  }
};

}  // namespace

Result<search::QueryContext::DocumentTerms> CoordinatorQueryContext::TermVectors(
    std::string_view index, std::string_view id, const std::vector<std::string>& fields,
    std::optional<mapping::Analyzer> analyzer) const {
  const std::string analyzer_name = analyzer ? std::string(mapping::AnalyzerName(*analyzer)) : std::string();
  for (const pb::LikeDocument& doc : docs_) {
    if (doc.index() == index && doc.id() == id && doc.analyzer() == analyzer_name &&
        std::equal(fields.begin(), fields.end(), doc.requested_fields().begin(), doc.requested_fields().end())) {
      return DocumentTerms{doc.found(), FromProto(doc.fields())};
    }
  }
  const IndexHandle* target = nullptr;
  if (index.empty() || index == index_->name()) {
    target = index_;
  } else if (others_ != nullptr) {
    for (const auto& [name, other] : *others_) {
      if (name == index || other->name() == index) target = other.get();
    }
  }
  if (target == nullptr) {
    return Status::IndexNotFound("no such index [" + std::string(index) +
                                 "] (a [like] document must be in a searched index)");
  }
  const uint32_t shard = target->ShardOf(id);
  auto to = target->router().ForRead(*target->state(), target->shard_id(shard));
  if (!to.ok()) return to.status();
  pb::TermVectorsRequest request;
  *request.mutable_target() = to->target;
  request.set_id(std::string(id));
  for (const std::string& f : fields) request.add_fields(f);
  request.set_analyzer(analyzer_name);
  pb::TermVectorsResponse response;
  HOLDFAST_RETURN_IF_ERROR(to->client->TermVectors(request, &response));
  pb::LikeDocument& doc = docs_.emplace_back();
  doc.set_index(std::string(index));
  doc.set_id(std::string(id));
  doc.set_found(response.found());
  *doc.mutable_fields() = response.fields();
  for (const std::string& f : fields) doc.add_requested_fields(f);
  doc.set_analyzer(analyzer_name);
  return DocumentTerms{doc.found(), FromProto(doc.fields())};
}

std::shared_ptr<const search::DocValueSource> CoordinatorQueryContext::Popularity() const {
  return std::make_shared<PlaceholderSource>();
}

void CoordinatorQueryContext::AddLikeDocuments(pb::SearchSource* source) const {
  for (const pb::LikeDocument& doc : docs_) *source->add_like_documents() = doc;
}

}  // namespace holdfast
