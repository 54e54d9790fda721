// POST /_bulk and /{index}/_bulk.
//
// The body (spooled to a file by the transport) is read line by line
// (BulkLineReader), parsed into items (BulkParser) and executed in batches:
// consecutive index/create/delete items for one index gather into one
// IndexHandle::Write (one store write and fsync per shard) of up to
// kBatchItems items or kBatchBytes of sources. An update, an item error or a
// change of index closes the batch first, so items apply and answer in order.
//
// Memory: the line buffer (bulk_api_lines.h), one batch (≤ kBatchBytes of
// sources plus their ids), and the response, which grows by ~150-200 bytes
// per item (about 180 MB for a million items; the final copy into the HTTP
// response briefly doubles it).
#include <chrono>
#include <map>
#include <set>

#include "server/api/api_errors.h"
#include "server/api/bulk_api_lines.h"
#include "server/api/bulk_parser.h"
#include "server/api/active_shards.h"
#include "server/api/index_api_support.h"

namespace holdfast {

namespace {

constexpr size_t kBatchItems = 1000;
constexpr size_t kBatchBytes = 8u << 20;
constexpr size_t kTookWidth = 16;  // room for the "took" value, patched in at the end

class BulkExecutor {
 public:
  // `default_routing`: the request's ?routing=, for items without their own.
  BulkExecutor(ClusterIndices& registry, RefreshPolicy refresh, std::string default_routing,
               ActiveShardsWait active_shards = {})
      : registry_(registry),
        refresh_(refresh),
        default_routing_(std::move(default_routing)),
        active_shards_(std::move(active_shards)) {
    out_.StartObject().Key("took").RawJson(std::string(kTookWidth, ' '));
    out_.Key("errors").RawJson("false").Key("items").StartArray();
  }

  void Add(BulkItem& item);
  // Runs what is pending, applies the refresh policy, returns the response body.
  std::string Finish(std::chrono::steady_clock::time_point start);
  uint64_t items() const { return items_; }

 private:
  struct Touched {
    std::shared_ptr<IndexHandle> index;
    std::vector<int64_t> max_seq_no;  // per shard; -1: not written
  };

  Result<std::shared_ptr<IndexHandle>> IndexFor(const BulkItem& item);
  void FlushBatch();
  void WriteSuccess(BulkAction action, const IndexHandle& index, std::string_view id, const WriteResult& r);
  void WriteFailure(BulkAction action, std::string_view index_name, const IndexHandle* index, std::string_view id,
                    bool id_given,
                    const Status& status);
  void NoteWritten(const std::shared_ptr<IndexHandle>& index, std::string_view id, std::string_view routing,
                   int64_t seq_no);

  ClusterIndices& registry_;
  const RefreshPolicy refresh_;
  const std::string default_routing_;
  const ActiveShardsWait active_shards_;  // ?wait_for_active_shards= (active_shards.h), per batch
  JsonWriter out_;
  bool errors_ = false;
  uint64_t items_ = 0;
  std::map<std::string, std::shared_ptr<IndexHandle>, std::less<>> known_;  // indices seen in this request
  std::map<const IndexHandle*, Touched> touched_;

  // The open batch: requests_[0, used_) for batch_index_, reused across batches.
  std::shared_ptr<IndexHandle> batch_index_;
  std::vector<WriteRequest> requests_;
  std::vector<BulkAction> actions_;
  size_t used_ = 0;
  size_t batch_bytes_ = 0;
};

Result<std::shared_ptr<IndexHandle>> BulkExecutor::IndexFor(const BulkItem& item) {
  if (auto it = known_.find(item.index); it != known_.end()) return it->second;
  // Like Elasticsearch, a delete alone never creates its index.
  auto index = item.action == BulkAction::kDelete ? FindIndex(registry_, item.index)
                                                  : IndexForWrite(registry_, item.index);
  if (index.ok()) known_.emplace(item.index, *index);
  return index;
}

void BulkExecutor::Add(BulkItem& item) {
  ++items_;
  if (!item.error.ok()) {
    FlushBatch();
    WriteFailure(item.action, item.index, nullptr, item.id, item.id_given, item.error);
    return;
  }
  auto index = IndexFor(item);
  if (!index.ok()) {
    FlushBatch();
    WriteFailure(item.action, item.index, nullptr, item.id, item.id_given, index.status());
    return;
  }
  // A generated id is new, as in Elasticsearch.
  const bool generated = item.id.empty() && item.action != BulkAction::kUpdate;
  if (generated) item.id = NewDocumentId();
  auto routing = (*index)->RoutingFor(item.id, item.routing.empty() ? default_routing_ : item.routing);
  if (!routing.ok()) {
    FlushBatch();
    WriteFailure(item.action, item.index, index->get(), item.id, true, routing.status());
    return;
  }
  if (batch_index_ != *index || item.action == BulkAction::kUpdate) FlushBatch();
  if (item.action == BulkAction::kUpdate) {
    if (active_shards_.needed()) {
      Status active = WaitForActiveShardsStatus(registry_, **index, {(*index)->ShardOf(item.id, *routing)},
                                                active_shards_, "bulk update " + item.index + "/" + item.id);
      if (!active.ok()) {
        WriteFailure(item.action, item.index, index->get(), item.id, item.id_given, active);
        return;
      }
    }
    WriteResult r = ApplyUpdate(**index, item.id, item.update, item.if_seq_no, item.if_primary_term, *routing);
    if (!r.status.ok()) {
      WriteFailure(item.action, item.index, index->get(), item.id, item.id_given, r.status);
      return;
    }
    if (r.outcome != WriteOutcome::kNoop) NoteWritten(*index, item.id, *routing, r.stamp.seq_no);
    WriteSuccess(item.action, **index, item.id, r);
    return;
  }
  batch_index_ = *index;
  if (used_ == requests_.size()) {
    requests_.emplace_back();
    actions_.emplace_back();
  }
  WriteRequest& w = requests_[used_];
  w.type = item.action == BulkAction::kDelete   ? WriteOpType::kDelete
           : item.action == BulkAction::kCreate ? WriteOpType::kCreate
                                                : WriteOpType::kIndex;
  if (generated) w.type = WriteOpType::kCreate;
  w.id.assign(item.id);
  w.routing.assign(*routing);
  w.source.assign(item.source);
  w.if_seq_no = item.if_seq_no;
  w.if_primary_term = item.if_primary_term;
  w.external_version = item.external_version;
  w.external_gte = item.external_gte;
  actions_[used_] = item.action;
  ++used_;
  batch_bytes_ += item.source.size() + item.id.size();
  if (used_ >= kBatchItems || batch_bytes_ >= kBatchBytes) FlushBatch();
}

void BulkExecutor::FlushBatch() {
  if (used_ == 0) return;
  if (requests_.size() > used_) {  // a short batch: drop the spare requests
    requests_.resize(used_);
    actions_.resize(used_);
  }
  if (active_shards_.needed()) {
    // Every shard of the batch must have the copies asked for before any of it is written.
    std::set<uint32_t> shards;
    for (size_t i = 0; i < used_; ++i) shards.insert(batch_index_->ShardOf(requests_[i].id, requests_[i].routing));
    Status active = WaitForActiveShardsStatus(registry_, *batch_index_, shards, active_shards_,
                                              "bulk of " + std::to_string(used_) + " items to " + batch_index_->name());
    if (!active.ok()) {
      for (size_t i = 0; i < used_; ++i) {
        WriteFailure(actions_[i], batch_index_->name(), batch_index_.get(), requests_[i].id, true, active);
      }
      used_ = 0;
      batch_bytes_ = 0;
      return;
    }
  }
  const std::vector<WriteResult> results = batch_index_->Write(requests_);
  for (size_t i = 0; i < used_; ++i) {
    const WriteResult& r = results[i];
    if (r.status.ok()) {
      NoteWritten(batch_index_, requests_[i].id, requests_[i].routing, r.stamp.seq_no);
      WriteSuccess(actions_[i], *batch_index_, requests_[i].id, r);
    } else {
      WriteFailure(actions_[i], batch_index_->name(), batch_index_.get(), requests_[i].id, true, r.status);
    }
  }
  used_ = 0;
  batch_bytes_ = 0;
}

void BulkExecutor::NoteWritten(const std::shared_ptr<IndexHandle>& index, std::string_view id, std::string_view routing,
                               int64_t seq_no) {
  if (refresh_ == RefreshPolicy::kNone) return;
  Touched& t = touched_[index.get()];
  if (!t.index) {
    t.index = index;
    t.max_seq_no.assign(index->num_shards(), -1);
  }
  int64_t& max = t.max_seq_no[index->ShardOf(id, routing)];
  max = std::max(max, seq_no);
}

void BulkExecutor::WriteSuccess(BulkAction action, const IndexHandle& index, std::string_view id,
                                const WriteResult& r) {
  out_.StartObject().Key(BulkActionName(action)).StartObject();
  WriteDocumentResult(out_, index, id, r, false);
  out_.Field("status", WriteStatusCode(r));
  out_.EndObject().EndObject();
}

void BulkExecutor::WriteFailure(BulkAction action, std::string_view index_name, const IndexHandle* index,
                                std::string_view id, bool id_given, const Status& status) {
  errors_ = true;
  const int code = HttpStatusForKind(status.kind());
  out_.StartObject().Key(BulkActionName(action)).StartObject();
  out_.Field("_index", index_name).Field("_type", "_doc");
  if (id.empty() && !id_given) {
    out_.Key("_id").Null();
  } else {
    out_.Field("_id", id);
  }
  out_.Field("status", code);
  WriteErrorMember(out_, status, index, index_name);
  out_.EndObject().EndObject();
}

std::string BulkExecutor::Finish(std::chrono::steady_clock::time_point start) {
  FlushBatch();
  for (auto& [ptr, t] : touched_) {
    WrittenOps ops;
    for (uint32_t s = 0; s < t.max_seq_no.size(); ++s) {
      if (t.max_seq_no[s] >= 0) ops.emplace_back(s, t.max_seq_no[s]);
    }
    ApplyRefresh(*t.index, refresh_, ops);
  }
  out_.EndArray().EndObject();
  std::string body = out_.TakeString();
  // {"took":<spaces>,"errors":false,...: whitespace before ',' keeps the patched JSON valid.
  const std::string took = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::steady_clock::now() - start).count());
  const size_t took_at = body.find(':') + 1;
  body.replace(took_at, took.size(), took);
  if (errors_) {
    const size_t errors_at = body.find("\"errors\":") + 9;
    body.replace(errors_at, 5, "true ");
  }
  return body;
}

// The body's lines, from its spooled file or from memory.
Status OpenLines(const HttpRequest& req, BulkLineReader* lines) {
  if (!req.body_file.empty()) return lines->OpenFile(req.body_file);
  lines->OpenMemory(req.body);
  return Status::OK();
}

// A pass over the action lines before anything runs: the first malformed one
// fails the whole request (400 illegal_argument_exception "Malformed
// action/metadata line [n], ..."), as Elasticsearch parses a whole bulk
// request before executing it. Source lines are skipped unparsed.
Status ScanActionLines(ApiContext* ctx, const HttpRequest& req, const std::string& default_index) {
  BulkLineReader lines(ctx->config != nullptr ? ctx->config->http_max_body_bytes : (100u << 20));
  HOLDFAST_RETURN_IF_ERROR(OpenLines(req, &lines));
  BulkParser parser(default_index, /*actions_only=*/true);
  BulkItem item;
  for (;;) {
    std::string_view line;
    size_t oversized = 0;
    auto next = lines.Read(&line, &oversized);
    if (!next.ok()) return next.status();
    if (*next == BulkLineReader::Next::kEnd) return Status::OK();
    const bool done = *next == BulkLineReader::Next::kLine ? parser.AddLine(line, &item)
                                                           : parser.AddOversizedLine(oversized, &item);
    if (done && item.malformed) return item.error;
  }
}

HttpResponse Bulk(ApiContext* ctx, ClusterIndices& registry, const HttpRequest& req) {
  const auto start = std::chrono::steady_clock::now();
  auto refresh = ParseRefreshPolicy(req);
  if (!refresh.ok()) return ErrorFromStatus(refresh.status());
  const std::string default_index(req.PathParam("index"));
  if (Status s = ScanActionLines(ctx, req, default_index); !s.ok()) return ErrorFromStatus(s);
  BulkLineReader lines(ctx->config != nullptr ? ctx->config->http_max_body_bytes : (100u << 20));
  if (Status s = OpenLines(req, &lines); !s.ok()) return ErrorFromStatus(s);
  BulkParser parser(default_index);
  auto active_shards = ParseActiveShardsWait(req);
  if (!active_shards.ok()) return ErrorFromStatus(active_shards.status());
  BulkExecutor executor(registry, *refresh, req.QueryParam("routing"), *active_shards);
  BulkItem item;
  for (;;) {
    std::string_view line;
    size_t oversized = 0;
    auto next = lines.Read(&line, &oversized);
    if (!next.ok()) return ErrorFromStatus(next.status());
    if (*next == BulkLineReader::Next::kEnd) break;
    const bool done = *next == BulkLineReader::Next::kLine ? parser.AddLine(line, &item)
                                                           : parser.AddOversizedLine(oversized, &item);
    if (done) executor.Add(item);
  }
  if (parser.Finish(&item)) executor.Add(item);
  if (executor.items() == 0) {
    return ErrorFromStatus(Status::Validation("Validation Failed: 1: no requests added;"));
  }
  HttpResponse response;
  response.body = executor.Finish(start);
  return response;
}

}  // namespace

void AddBulkApiRoutes(ApiContext* ctx, HttpRouter* router) {
  HttpRouteOptions options;
  options.large_body = true;
  for (HttpMethod m : {HttpMethod::kPost, HttpMethod::kPut}) {
    for (const char* pattern : {"/_bulk", "/{index}/_bulk"}) {
      router->Add(m, pattern, "bulk", WithIndices(ctx, [ctx](ClusterIndices& r, const HttpRequest& req) {
                    return Bulk(ctx, r, req);
                  }), options);
    }
  }
}

}  // namespace holdfast
