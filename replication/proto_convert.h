// Conversions between holdfast's values and the shard protocol's messages
// (proto/holdfast/v1/shard.proto). Each pair round-trips exactly: a value
// sent and read back compares equal (doubles bit for bit), so a request
// answered across a process boundary renders the same bytes as one
// answered in process.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "holdfast/v1/cluster.pb.h"
#include "holdfast/v1/shard.pb.h"
#include "index/search/aggregation_result.h"
#include "index/search/distributed_statistics.h"
#include "index/search/document_terms.h"
#include "index/search/sort_value.h"
#include "index/shard/shard_engine.h"
#include "index/shard/shard_store.h"
#include "index/util/status.h"
#include "replication/cluster_state.h"

namespace holdfast {

namespace pb = ::holdfast::v1;

void ToProto(const Status& status, pb::Error* out);
Status FromProto(const pb::Error& error);  // OK for an empty Error

void ToProto(const std::vector<std::string>& index_uuids, const IndexSettingsUpdate& u,
             pb::UpdateIndexSettingsRequest* out);
IndexSettingsUpdate FromProto(const pb::UpdateIndexSettingsRequest& m);
void ToProto(const AliasAction& a, pb::AliasActionMessage* out);
Result<AliasAction> FromProto(const pb::AliasActionMessage& m);  // kInvalidArgument: unknown kind

void ToProto(const search::SortValue& v, pb::SortValue* out);
search::SortValue FromProto(const pb::SortValue& v);
void ToProto(const std::vector<search::SortValue>& values, google::protobuf::RepeatedPtrField<pb::SortValue>* out);
std::vector<search::SortValue> FromProto(const google::protobuf::RepeatedPtrField<pb::SortValue>& values);

void ToProto(const search::AggregationResult& r, pb::AggregationPartial* out);
search::AggregationResult FromProto(const pb::AggregationPartial& p);

void ToProto(const WriteResult& r, pb::DocWriteResult* out);
WriteResult FromProto(const pb::DocWriteResult& r);
void ToProto(const GetResult& g, pb::Doc* out);
GetResult FromProto(const pb::Doc& d);

void ToProto(const ShardOp& op, pb::Op* out);
ShardOp FromProto(const pb::Op& op);

void ToProto(const search::FieldTermFreqs& fields, google::protobuf::RepeatedPtrField<pb::FieldTerms>* out);
search::FieldTermFreqs FromProto(const google::protobuf::RepeatedPtrField<pb::FieldTerms>& fields);

// Packed ids (a `bytes` field): each id as a varint length and its bytes.
void PackId(std::string_view id, std::string* out);
template <class Ids>
std::string PackIds(const Ids& ids) {
  std::string out;
  for (const auto& id : ids) PackId(id, &out);
  return out;
}
// Calls fn(id) for each packed id; Corruption when `packed` is malformed.
Status ForEachPackedId(std::string_view packed, const std::function<void(std::string_view)>& fn);

void ToProto(const search::GlobalStatistics& stats, pb::GlobalStatistics* out);
search::GlobalStatistics FromProto(const pb::GlobalStatistics& stats);

}  // namespace holdfast
