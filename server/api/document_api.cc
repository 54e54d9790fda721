// Single-document routes: index, create, get, _source, delete, update.
#include "index/mapping/mapping_error.h"
#include "server/api/active_shards.h"
#include "server/api/api_errors.h"
#include "server/api/document_api_update.h"
#include "server/api/index_api_support.h"
#include "server/coordinator/search_plan.h"

namespace holdfast {

namespace {

// What every single-document write reads from the URL.
struct WriteParams {
  RefreshPolicy refresh = RefreshPolicy::kNone;
  std::optional<int64_t> if_seq_no;
  std::optional<int64_t> if_primary_term;
  std::optional<int64_t> version;
  std::string version_type;
  std::string routing;  // ?routing=; once the index is found, the one the write uses (IndexHandle::RoutingFor)
  ActiveShardsWait active_shards;  // ?wait_for_active_shards=, ?timeout=
};

Status ParseWriteParams(const HttpRequest& req, WriteParams* out) {
  auto refresh = ParseRefreshPolicy(req);
  if (!refresh.ok()) return refresh.status();
  out->refresh = *refresh;
  auto seq = Int64Param(req, "if_seq_no");
  if (!seq.ok()) return seq.status();
  auto term = Int64Param(req, "if_primary_term");
  if (!term.ok()) return term.status();
  out->if_seq_no = *seq;
  out->if_primary_term = *term;
  auto version = Int64Param(req, "version");
  if (!version.ok()) return version.status();
  out->version = *version;
  out->version_type = req.QueryParam("version_type");
  out->routing = req.QueryParam("routing");
  auto active = ParseActiveShardsWait(req);
  if (!active.ok()) return active.status();
  out->active_shards = *active;
  HOLDFAST_RETURN_IF_ERROR(CheckConcurrencyPair(out->if_seq_no, out->if_primary_term));
  WriteRequest probe;  // the checks that need no operation (before an index is created)
  probe.if_seq_no = out->if_seq_no;
  return ApplyVersion(out->version, out->version_type, false, &probe);
}

WriteResult Refused(Status status) {
  WriteResult result;
  result.status = std::move(status);
  return result;
}

bool IsBlank(std::string_view body) { return body.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// Runs one write (or update) against the index and answers in Elasticsearch's shape.
template <typename Op>
HttpResponse RunWrite(ClusterIndices& registry, const HttpRequest& req, const std::string& id, bool may_create_index,
                      Op op) {
  WriteParams params;
  if (Status s = ParseWriteParams(req, &params); !s.ok()) return ErrorFromStatus(s);
  if (Status s = ValidateDocumentId(id); !s.ok()) return ErrorFromStatus(s);
  const std::string name(req.PathParam("index"));
  auto index = may_create_index ? IndexForWrite(registry, name) : FindIndex(registry, name);
  if (!index.ok()) return ErrorFromStatus(index.status());
  auto routing = (*index)->RoutingFor(id, params.routing);
  if (!routing.ok()) return ErrorFromStatus(routing.status());
  params.routing = std::move(routing).value();
  if (params.active_shards.needed()) {
    if (auto refused = WaitForActiveShards(registry, **index, {(*index)->ShardOf(id, params.routing)},
                                           params.active_shards, "write " + name + "/" + id)) {
      return *refused;
    }
  }
  WriteResult result = op(**index, params);
  if (!result.status.ok()) return ErrorFromStatus(result.status);
  bool forced = false;
  if (result.outcome != WriteOutcome::kNoop) {
    forced = ApplyRefresh(**index, params.refresh, {{(*index)->ShardOf(id, params.routing), result.stamp.seq_no}});
  }
  JsonWriter w;
  w.StartObject();
  WriteDocumentResult(w, **index, id, result, forced);
  w.EndObject();
  HttpResponse response = JsonResponse(WriteStatusCode(result), w);
  if (result.outcome == WriteOutcome::kCreated) {
    response.headers.emplace_back("Location", "/" + name + "/_doc/" + id +
                                                  (params.routing.empty() ? "" : "?routing=" + params.routing));
  }
  return response;
}

HttpResponse IndexDocument(ClusterIndices& registry, const HttpRequest& req, std::string id, bool create) {
  if (req.HasQueryParam("op_type")) {
    const std::string op_type = req.QueryParam("op_type");
    if (op_type == "create") {
      create = true;
    } else if (op_type != "index") {
      return ErrorFromStatus(mapping::IllegalArgumentError("opType must be 'create' or 'index', found: [" + op_type + "]"));
    }
  }
  if (IsBlank(req.body)) {
    return ErrorFromStatus(Status::Validation("Validation Failed: 1: source is missing;"));
  }
  return RunWrite(registry, req, id, true, [&](IndexHandle& index, const WriteParams& p) {
    WriteRequest w;
    w.type = create ? WriteOpType::kCreate : WriteOpType::kIndex;
    w.id = id;
    w.source = req.body;
    w.routing = p.routing;
    w.if_seq_no = p.if_seq_no;
    w.if_primary_term = p.if_primary_term;
    if (Status s = ApplyVersion(p.version, p.version_type, false, &w); !s.ok()) return Refused(s);
    return index.Write(w);
  });
}

HttpResponse DeleteDocument(ClusterIndices& registry, const HttpRequest& req) {
  const std::string id(req.PathParam("id"));
  return RunWrite(registry, req, id, false, [&](IndexHandle& index, const WriteParams& p) {
    WriteRequest w;
    w.type = WriteOpType::kDelete;
    w.id = id;
    w.routing = p.routing;
    w.if_seq_no = p.if_seq_no;
    w.if_primary_term = p.if_primary_term;
    if (Status s = ApplyVersion(p.version, p.version_type, false, &w); !s.ok()) return Refused(s);
    return index.Write(w);
  });
}

HttpResponse UpdateDocument(ClusterIndices& registry, const HttpRequest& req) {
  UpdateBody body;
  if (Status s = ParseUpdateBody(req.body, &body); !s.ok()) return ErrorFromStatus(s);
  const std::string id(req.PathParam("id"));
  const bool may_create = body.doc_as_upsert || !body.upsert.empty();
  auto version = Int64Param(req, "version");
  if (!version.ok()) return ErrorFromStatus(version.status());
  WriteRequest unused;
  if (Status s = ApplyVersion(*version, req.QueryParam("version_type"), true, &unused); !s.ok()) {
    return ErrorFromStatus(s);
  }
  return RunWrite(registry, req, id, may_create, [&](IndexHandle& index, const WriteParams& p) {
    return ApplyUpdate(index, id, body, p.if_seq_no, p.if_primary_term, p.routing);
  });
}

// GET and HEAD /{index}/_doc/{id} (realtime); `source_only` for /_source/{id}.
HttpResponse GetDocument(ClusterIndices& registry, const HttpRequest& req, bool source_only) {
  const std::string name(req.PathParam("index"));
  const std::string id(req.PathParam("id"));
  auto index = FindIndex(registry, name);
  if (!index.ok()) return ErrorFromStatus(index.status());
  auto routing = (*index)->RoutingFor(id, req.QueryParam("routing"));
  if (!routing.ok()) return ErrorFromStatus(routing.status());
  // As Elasticsearch's: which copy answers (this node's own by default; a
  // `_shards:` part names nothing for one document).
  auto preference = ParsePreference(req.QueryParam("preference"));
  if (!preference.ok()) return ErrorFromStatus(preference.status());
  auto got = (*index)->Get(id, *routing, &*preference);
  if (!got.ok()) return ErrorFromStatus(got.status());
  const SourceFilter source = SourceFilterOf(req);
  if (source_only) {
    if (!got->found) {
      return ErrorFromStatus(Status::ResourceNotFound("Document not found [" + name + "]/[_doc]/[" + id + "]"));
    }
    HttpResponse r;
    if (source.filters()) {
      source.Render(got->source, &r.body);
    } else {
      r.body = std::move(got->source);
    }
    return r;
  }
  JsonWriter w;
  w.StartObject();
  WriteGetResult(w, (*index)->name(), id, *got, source);  // an alias's index by its own name
  w.EndObject();
  return JsonResponse(got->found ? 200 : 404, w);
}

}  // namespace

void AddDocumentApiRoutes(ApiContext* ctx, HttpRouter* router) {
  auto add = [&](HttpMethod m, const char* pattern, const char* name, RegistryHandler h) {
    router->Add(m, pattern, name, WithIndices(ctx, std::move(h)));
  };
  for (HttpMethod m : {HttpMethod::kPut, HttpMethod::kPost}) {
    add(m, "/{index}/_doc/{id}", "doc_index", [](ClusterIndices& r, const HttpRequest& req) {
      return IndexDocument(r, req, std::string(req.PathParam("id")), false);
    });
    add(m, "/{index}/_create/{id}", "doc_create", [](ClusterIndices& r, const HttpRequest& req) {
      return IndexDocument(r, req, std::string(req.PathParam("id")), true);
    });
  }
  add(HttpMethod::kPost, "/{index}/_doc", "doc_index_auto_id",
      [](ClusterIndices& r, const HttpRequest& req) { return IndexDocument(r, req, NewDocumentId(), true); });
  add(HttpMethod::kGet, "/{index}/_doc/{id}", "doc_get",
      [](ClusterIndices& r, const HttpRequest& req) { return GetDocument(r, req, false); });
  add(HttpMethod::kGet, "/{index}/_source/{id}", "doc_get_source",
      [](ClusterIndices& r, const HttpRequest& req) { return GetDocument(r, req, true); });
  add(HttpMethod::kDelete, "/{index}/_doc/{id}", "doc_delete", DeleteDocument);
  add(HttpMethod::kPost, "/{index}/_update/{id}", "doc_update", UpdateDocument);
}

}  // namespace holdfast
