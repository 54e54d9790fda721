// What the index, document, bulk and _cat handlers share: finding indices
// with Elasticsearch's errors, auto-creating them on first write, checking
// and parsing request bodies, writing the response of one document write,
// refresh policies (?refresh=) and generated document ids.
//
// Everything here is stateless or thread-local: safe from any worker thread.
#pragma once

#include <rapidjson/document.h>
#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/mapping/source_filter.h"
#include "server/coordinator/index_handle.h"
#include "index/util/status.h"
#include "replication/index_names.h"
#include "server/api/api_context.h"
#include "server/http/json_writer.h"

namespace holdfast {

// Route groups, one file each; AddIndexApiRoutes (index_api.cc, which holds
// the index management routes itself) adds them all.
void AddDocumentApiRoutes(ApiContext* ctx, HttpRouter* router);  // document_api.cc
void AddMultiGetRoutes(ApiContext* ctx, HttpRouter* router);     // document_api_mget.cc
void AddBulkApiRoutes(ApiContext* ctx, HttpRouter* router);      // bulk_api.cc
void AddCatApiRoutes(ApiContext* ctx, HttpRouter* router);       // cat_api.cc
void AddRecoveryApiRoutes(ApiContext* ctx, HttpRouter* router);  // recovery_api.cc
void AddLifecycleApiRoutes(ApiContext* ctx, HttpRouter* router);  // lifecycle_api.cc
void AddClusterHealthRoutes(ApiContext* ctx, HttpRouter* router);  // cat_api_health.cc
void AddClusterApiRoutes(ApiContext* ctx, HttpRouter* router);     // cluster_api.cc
void AddEventApiRoutes(ApiContext* ctx, HttpRouter* router);       // events_api.cc
void AddAliasApiRoutes(ApiContext* ctx, HttpRouter* router);       // alias_api.cc
void AddAnalyzeApiRoutes(ApiContext* ctx, HttpRouter* router);     // analyze_api.cc
void AddStatsApiRoutes(ApiContext* ctx, HttpRouter* router);       // stats_api.cc
void AddTemplateApiRoutes(ApiContext* ctx, HttpRouter* router);    // template_api.cc
void AddReindexApiRoutes(ApiContext* ctx, HttpRouter* router);     // reindex_api.cc

// A handler that needs the index registry: answers 503 while the node is
// still recovering (RequireIndices), else calls `handler`.
using RegistryHandler = std::function<HttpResponse(ClusterIndices&, const HttpRequest&)>;
HttpHandler WithIndices(ApiContext* ctx, RegistryHandler handler);

// --- Finding indices -------------------------------------------------------

// kIndexNotFound "no such index [name]".
Status IndexNotFound(std::string_view name);
// kIndexClosed "closed" (index_closed_exception), as Elasticsearch says it.
Status IndexClosed();
// The index called `name` (or the one index of alias `name`), or
// IndexNotFound; IndexClosed when it is closed.
Result<std::shared_ptr<IndexHandle>> FindIndex(ClusterIndices& registry, std::string_view name);
// The index a write goes to: created when missing, as Elasticsearch's
// action.auto_create_index does, with the defaults (1 shard, 1 replica,
// dynamic mapping) under the matching index template. invalid_index_name_exception for a bad name; IndexClosed.
Result<std::shared_ptr<IndexHandle>> IndexForWrite(ClusterIndices& registry, const std::string& name);
// ignore_unavailable, allow_no_indices and expand_wildcards (open, closed,
// all, none; hidden is accepted: no index is hidden) of a request, over
// `defaults`; illegal_argument_exception for a bad value.
Result<IndicesOptions> ParseIndicesOptions(const HttpRequest& req, IndicesOptions defaults = {});
// The indices of the request's {index} ("_all" when absent), with its
// indices options over `defaults` (ResolveIndices below).
Result<std::vector<std::shared_ptr<IndexHandle>>> ResolveRequestIndices(ClusterIndices& registry,
                                                                        const HttpRequest& req,
                                                                        const IndicesOptions& defaults = {});
// Defaults of the APIs that work on closed indices too (get, settings,
// mappings, delete, open, close): a closed index may be named; wildcards
// expand to open ones, or to both with `closed_too`.
IndicesOptions ClosedIndicesAllowed(bool closed_too = false);
// An index expression ("a,b", "logs-*", "_all", aliases) → indices, sorted
// by name; an index reached only through filtered aliases carries their
// filter (IndexHandle::alias_filter).
Result<std::vector<std::shared_ptr<IndexHandle>>> ResolveIndices(ClusterIndices& registry,
                                                                std::string_view expression,
                                                                const IndicesOptions& options = {});

// --- Request bodies --------------------------------------------------------

// Request bodies nesting deeper than this are refused (400 parse_exception):
// a mapping 20 objects deep needs 41 levels.
inline constexpr size_t kMaxRequestNesting = 100;

// A request body that must be a JSON object (blank: an empty object).
// parse_exception otherwise.
Result<rapidjson::Document> ParseBodyObject(const HttpRequest& req);
// ?name=true|false (empty: true), `fallback` when absent; else
// illegal_argument_exception, as Elasticsearch words it.
Result<bool> BoolQueryParam(const HttpRequest& req, std::string_view name, bool fallback);

// parse_exception unless `json` is valid UTF-8 nesting at most `max_nesting`
// levels. Cheap (one pass); the structure itself is checked while parsing.
Status CheckJsonText(std::string_view json, size_t max_nesting = kMaxRequestNesting);

// A request body parsed with simdjson On-Demand: a padded copy of the body
// and a parser, owned by this object. Not thread-safe; one per request.
class JsonBody {
 public:
  // CheckJsonText, then starts iterating. parse_exception on failure.
  Status Parse(std::string_view body);
  simdjson::ondemand::document& doc() { return doc_; }

 private:
  simdjson::padded_string buffer_;
  simdjson::ondemand::parser parser_;
  simdjson::ondemand::document doc_;
};

// parse_exception "<what>: <simdjson's message>".
Status JsonError(std::string_view what, simdjson::error_code error);

// --- Request parameters ----------------------------------------------------

// ?name=<integer>: nullopt when absent, illegal_argument_exception when not a number.
Result<std::optional<int64_t>> Int64Param(const HttpRequest& req, std::string_view name);
// if_seq_no and if_primary_term, which must come together (action_request_validation_exception).
Status CheckConcurrencyPair(const std::optional<int64_t>& if_seq_no, const std::optional<int64_t>& if_primary_term);
// `version` and `version_type` of an index, create or delete (URL or bulk
// action line) onto *w, with Elasticsearch's checks: internal versions are
// refused (use if_seq_no), so is an external one with create or if_seq_no;
// an unknown type is illegal_argument_exception "No version type match [..]".
// The update API refuses external versions (`for_update`).
Status ApplyVersion(std::optional<int64_t> version, std::string_view version_type, bool for_update,
                    WriteRequest* w);
// action_request_validation_exception for an empty id or one over 512 bytes.
Status ValidateDocumentId(std::string_view id);

// A fresh document id: 20 characters of URL-safe base64 over 15 bytes
// (milliseconds, a per-process sequence and random bits), like Elasticsearch's.
std::string NewDocumentId();

// --- Refresh after writes (?refresh=) --------------------------------------

enum class RefreshPolicy { kNone, kImmediate, kWaitFor };
// "" / "true" → immediate, "false" / absent → none, "wait_for"; else illegal_argument_exception.
Result<RefreshPolicy> ParseRefreshPolicy(const HttpRequest& req);

// The (shard, seq_no) pairs a request wrote, for ApplyRefresh.
using WrittenOps = std::vector<std::pair<uint32_t, int64_t>>;
// kImmediate refreshes the shards in `written`; kWaitFor waits until a
// refresh covers them (forcing one when the index never refreshes on its own
// or the wait passes 30 s). True when a refresh was forced (forced_refresh).
bool ApplyRefresh(IndexHandle& index, RefreshPolicy policy, const WrittenOps& written);

// --- Responses -------------------------------------------------------------

// HTTP status of a document write: 201 created, 404 delete of a missing doc,
// 200 otherwise; errors by their Elasticsearch type.
int WriteStatusCode(const WriteResult& result);

// The members of one successful write response (the caller opens and closes
// the object): _index, _type, _id, _version, result, [forced_refresh],
// _shards, _seq_no, _primary_term.
void WriteDocumentResult(JsonWriter& w, const IndexHandle& index, std::string_view id, const WriteResult& result,
                         bool forced_refresh);
// The "_shards" member: total = copies of the shards (primaries and
// replicas), successful = the primaries this node holds.
void WriteShardsHeader(JsonWriter& w, uint64_t total, uint64_t successful, uint64_t failed = 0);
// An "error" member in Elasticsearch's shape from a Status "<type>: <reason>";
// `index` (may be null) adds "index" and "index_uuid".
void WriteErrorMember(JsonWriter& w, const Status& status, const IndexHandle* index, std::string_view index_name);

// The members of a get response (the caller opens and closes the object):
// _index, _type, _id, and when found _version, _seq_no, _primary_term,
// found, [_source] (filtered by `source`). Shared by GET /{index}/_doc/{id} and _mget.
void WriteGetResult(JsonWriter& w, std::string_view index_name, std::string_view id, const GetResult& result,
                    const SourceFilter& source);
// `_source`, `_source_includes` and `_source_excludes` of a request's URL.
SourceFilter SourceFilterOf(const HttpRequest& req);

// {"acknowledged":true} and friends.
HttpResponse JsonResponse(int status, JsonWriter& w);

}  // namespace holdfast
