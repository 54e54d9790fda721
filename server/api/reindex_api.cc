// Copying and rewriting documents by query, as Elasticsearch's APIs:
//   POST /_reindex                      {"source":{"index","query","_source","size"},
//                                        "dest":{"index","op_type","routing"},"max_docs","conflicts"}
//   POST /{index}/_update_by_query      re-index each match's source as it is (after a mapping change)
//   POST /{index}/_delete_by_query      delete each match
//   GET /_tasks[/{id}], POST /_tasks/{id}/_cancel
// Each reads the matches with a QueryScan (one snapshot; batches of
// `size`/`scroll_size`, default 1000) and writes each batch as one bulk
// through the coordinator. Writes are optimistic for the by-query APIs
// (if_seq_no/if_primary_term of the snapshot): a document changed meanwhile
// is a version conflict, which aborts the request unless conflicts=proceed.
// A document keeps its routing: rewritten or deleted on its own shard, and
// copied with it unless dest.routing says `discard` or `=<value>`.
// With wait_for_completion=false the request answers {"task": "<node>:<n>"}
// at once and runs on a thread of its own (TaskRegistry).
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <thread>

#include "index/mapping/mapping_error.h"
#include "index/util/comma_list.h"
#include "index/util/glob.h"
#include "server/api/api_context.h"
#include "server/api/api_errors.h"
#include "server/api/index_api_support.h"
#include "server/api/query_scan.h"
#include "server/api/search_request.h"
#include "server/api/task_registry.h"

namespace holdfast {

namespace {

using Clock = std::chrono::steady_clock;

enum class ByQueryKind { kReindex, kUpdate, kDelete };

const char* ActionOf(ByQueryKind kind) {
  switch (kind) {
    case ByQueryKind::kReindex: return "indices:data/write/reindex";
    case ByQueryKind::kUpdate: return "indices:data/write/update/byquery";
    case ByQueryKind::kDelete: return "indices:data/write/delete/byquery";
  }
  return "";
}

struct ByQueryJob {
  ByQueryKind kind = ByQueryKind::kReindex;
  NamedIndices source;
  std::string search_body;  // {"query": ..., "_source": ...}
  std::string dest;         // kReindex
  bool dest_create = false; // op_type create
  // dest.routing (kReindex): `keep` (nullopt), `discard` (empty) or `=<value>`.
  std::optional<std::string> dest_routing;
  std::vector<std::string> routing;  // ?routing= of the by-query APIs: the shards scanned
  bool proceed_on_conflicts = false;
  std::optional<uint64_t> max_docs;
  uint32_t batch = 1000;
  bool refresh = false;
  std::string description;
};

std::string Compact(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return std::string(b.GetString(), b.GetSize());
}

void WriteCounters(JsonWriter& w, const ByQueryCounters& c, ByQueryKind kind) {
  w.Field("total", c.total.load());
  if (kind != ByQueryKind::kDelete) w.Field("updated", c.updated.load());
  if (kind == ByQueryKind::kReindex) w.Field("created", c.created.load());
  w.Field("deleted", c.deleted.load());
  w.Field("batches", c.batches.load());
  w.Field("version_conflicts", c.version_conflicts.load());
  w.Field("noops", c.noops.load());
  w.Key("retries").StartObject().Field("bulk", 0).Field("search", 0).EndObject();
  w.Field("throttled_millis", 0);
  w.Key("requests_per_second").Double(-1.0);
  w.Field("throttled_until_millis", 0);
}

struct Failure {
  std::string index, id;
  Status status;
};

// Runs the job to the end (or its first failure, or a cancel) and answers
// (HTTP status, body) as Elasticsearch's BulkByScrollResponse.
std::pair<int, std::string> RunByQuery(ApiContext* ctx, const ByQueryJob& job, Task& task) {
  const Clock::time_point start = Clock::now();
  ByQueryCounters& c = task.counters();
  std::vector<Failure> failures;
  Status search_failure;
  bool cancelled = false;
  auto error = [](const Status& s) {
    const HttpResponse r = ErrorFromStatus(s);
    return std::make_pair(r.status, r.body);
  };
  ClusterIndices* registry = ctx->indices.load(std::memory_order_acquire);
  if (registry == nullptr) return error(Status::Unavailable("the node is not ready"));
  std::map<std::string, std::shared_ptr<IndexHandle>> by_name(job.source.begin(), job.source.end());
  auto scan = QueryScan::Start(ctx, job.source, job.search_body, job.batch, job.routing);
  if (!scan.ok()) return error(scan.status());
  std::shared_ptr<IndexHandle> dest;
  uint64_t processed = 0;
  bool first = true;
  for (bool abort = false; !abort;) {
    if (task.cancelled()) {
      cancelled = true;
      break;
    }
    auto batch = (*scan)->Next();
    if (!batch.ok()) {
      search_failure = batch.status();
      break;
    }
    if (first) {
      first = false;
      const uint64_t total = (*scan)->total();
      c.total = job.max_docs ? std::min(*job.max_docs, total) : total;
    }
    if (batch->empty()) break;
    if (job.max_docs && processed + batch->size() > *job.max_docs) batch->resize(*job.max_docs - processed);
    if (batch->empty()) break;
    c.batches++;
    // One bulk per target index (the dest; for by-query, each source index).
    std::map<std::shared_ptr<IndexHandle>, std::vector<size_t>> groups;
    if (job.kind == ByQueryKind::kReindex && !dest) {
      auto index = IndexForWrite(*registry, job.dest);  // auto-created, with its templates
      if (!index.ok()) return error(index.status());
      dest = std::move(index).value();
    }
    for (size_t i = 0; i < batch->size(); ++i) {
      const ScannedDoc& d = (*batch)[i];
      std::shared_ptr<IndexHandle> target = dest;
      if (job.kind != ByQueryKind::kReindex) {
        auto it = by_name.find(d.index);
        if (it == by_name.end()) continue;  // cannot happen: the scan reads these
        target = it->second;
      }
      groups[target].push_back(i);
    }
    for (const auto& [index, members] : groups) {
      std::vector<WriteRequest> requests;
      requests.reserve(members.size());
      std::vector<size_t> sent;  // the members written, parallel to `requests`
      for (size_t i : members) {
        const ScannedDoc& d = (*batch)[i];
        WriteRequest r;
        r.id = d.id;
        r.routing = d.routing;  // rewritten or deleted where it is
        switch (job.kind) {
          case ByQueryKind::kReindex: {
            r.type = job.dest_create ? WriteOpType::kCreate : WriteOpType::kIndex;
            r.source = d.source;
            // The dest's own rules too: an alias's index routing, _routing.required.
            auto routing = index->RoutingFor(d.id, job.dest_routing ? *job.dest_routing : d.routing);
            if (!routing.ok()) {
              failures.push_back({index->name(), d.id, routing.status()});
              abort = true;
              continue;
            }
            r.routing = std::move(routing).value();
            break;
          }
          case ByQueryKind::kUpdate:
            r.type = WriteOpType::kIndex;
            r.source = d.source;
            break;
          case ByQueryKind::kDelete:
            r.type = WriteOpType::kDelete;
            break;
        }
        if (job.kind != ByQueryKind::kReindex && d.seq_no >= 0) {
          r.if_seq_no = d.seq_no;
          r.if_primary_term = d.primary_term;
        }
        requests.push_back(std::move(r));
        sent.push_back(i);
      }
      const std::vector<WriteResult> results = index->Write(requests);
      for (size_t k = 0; k < results.size(); ++k) {
        const WriteResult& res = results[k];
        const ScannedDoc& d = (*batch)[sent[k]];
        if (res.status.ok()) {
          switch (res.outcome) {
            case WriteOutcome::kCreated: ++(job.kind == ByQueryKind::kReindex ? c.created : c.updated); break;
            case WriteOutcome::kUpdated: c.updated++; break;
            case WriteOutcome::kDeleted: c.deleted++; break;
            case WriteOutcome::kNoop: c.noops++; break;
            case WriteOutcome::kNotFound: c.version_conflicts++; break;  // deleted since the snapshot
          }
          continue;
        }
        if (res.status.code() == StatusCode::kConflict) {
          c.version_conflicts++;
          if (job.proceed_on_conflicts) continue;
        }
        failures.push_back({index->name(), d.id, res.status});
        abort = true;
      }
    }
    processed += batch->size();
    if (job.max_docs && processed >= *job.max_docs) break;
  }
  if (job.refresh) {
    if (dest) (void)dest->Refresh();
    if (job.kind != ByQueryKind::kReindex) {
      for (const auto& [name, index] : job.source) (void)index->Refresh();
    }
  }
  int status = 200;
  JsonWriter w;
  w.StartObject();
  w.Field("took", static_cast<int64_t>(
                      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()));
  w.Field("timed_out", false);
  WriteCounters(w, c, job.kind);
  if (cancelled) w.Field("canceled", "by user request");
  w.Key("failures").StartArray();
  for (const Failure& f : failures) {
    const int code = HttpStatusForKind(f.status.code());
    status = std::max(status, code);
    w.StartObject().Field("index", f.index).Field("id", f.id);
    w.Key("cause").StartObject().Field("type", ErrorTypeForKind(f.status.code())).Field("reason", f.status.message());
    w.Field("index", f.index).EndObject();
    w.Field("status", code).EndObject();
  }
  if (!search_failure.ok()) {
    const int code = HttpStatusForKind(search_failure.code());
    status = std::max(status, code);
    w.StartObject().Key("cause").StartObject().Field("type", ErrorTypeForKind(search_failure.code()));
    w.Field("reason", search_failure.message()).EndObject().Field("status", code).EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {status, w.TakeString()};
}

Result<std::optional<uint64_t>> CountParam(const HttpRequest& req, const char* name) {
  if (!req.HasQueryParam(name)) return std::optional<uint64_t>();
  const std::string v = req.QueryParam(name);
  char* end = nullptr;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n < 0) {
    return mapping::IllegalArgumentError("[" + std::string(name) + "] must be a non-negative number, got [" + v + "]");
  }
  return std::optional<uint64_t>(static_cast<uint64_t>(n));
}

Status ReadConflicts(const std::string& v, bool* proceed) {
  if (v == "proceed") {
    *proceed = true;
  } else if (v == "abort") {
    *proceed = false;
  } else {
    return mapping::IllegalArgumentError("conflicts may only be \"proceed\" or \"abort\" but was [" + v + "]");
  }
  return Status::OK();
}

// The URL parameters every by-query API reads; the ones that change nothing
// here (requests_per_second, slices, timeout, scroll, wait_for_active_shards) are accepted.
Status ReadCommonParams(const HttpRequest& req, ByQueryJob* job) {
  auto refresh = BoolQueryParam(req, "refresh", false);
  if (!refresh.ok()) return refresh.status();
  job->refresh = *refresh;
  if (req.HasQueryParam("conflicts")) HOLDFAST_RETURN_IF_ERROR(ReadConflicts(req.QueryParam("conflicts"), &job->proceed_on_conflicts));
  auto max_docs = CountParam(req, "max_docs");
  if (!max_docs.ok()) return max_docs.status();
  if (*max_docs) job->max_docs = *max_docs;
  auto batch = CountParam(req, "scroll_size");
  if (!batch.ok()) return batch.status();
  if (*batch) {
    if (**batch == 0 || **batch > 10000) return mapping::IllegalArgumentError("[scroll_size] must be in 1..10000");
    job->batch = static_cast<uint32_t>(**batch);
  }
  return Status::OK();
}

// Runs `job` now, or in the background with wait_for_completion=false.
HttpResponse Execute(ApiContext* ctx, const HttpRequest& req, std::shared_ptr<ByQueryJob> job) {
  auto wait = BoolQueryParam(req, "wait_for_completion", true);
  if (!wait.ok()) return ErrorFromStatus(wait.status());
  std::shared_ptr<Task> task;
  if (ctx->tasks != nullptr) {
    task = ctx->tasks->Create(ActionOf(job->kind), job->description);
  } else {
    task = std::make_shared<Task>("local:0", ActionOf(job->kind), job->description, 0);
  }
  auto run = [ctx, job](Task& t) {
    auto [status, body] = RunByQuery(ctx, *job, t);
    t.Finish(status, std::move(body));
  };
  if (!*wait) {
    if (ctx->tasks == nullptr || !ctx->tasks->RunInBackground(task, run)) {
      return ErrorFromStatus(Status::Unavailable("background tasks are not available (the node is stopping)"));
    }
    JsonWriter w;
    w.StartObject().Field("task", task->id()).EndObject();
    return JsonResponse(200, w);
  }
  run(*task);
  auto response = task->response();
  HttpResponse r;
  r.status = response->first;
  r.body = std::move(response->second);
  return r;
}

Result<rapidjson::Document> BodyObject(const HttpRequest& req, bool required) {
  if (required && req.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::Validation("Validation Failed: 1: request body is required;");
  }
  return ParseBodyObject(req);
}

Status NoScript(const rapidjson::Document& d) {
  if (d.HasMember("script")) {
    return mapping::IllegalArgumentError("[script] is not supported: holdfast has no scripting; documents are copied "
                                         "or re-indexed as they are");
  }
  return Status::OK();
}

Result<std::optional<uint64_t>> BodyCount(const rapidjson::Value& v, const char* name) {
  if (!v.IsUint64()) return mapping::IllegalArgumentError("[" + std::string(name) + "] must be a non-negative number");
  return std::optional<uint64_t>(v.GetUint64());
}

HttpResponse Reindex(ApiContext* ctx, ClusterIndices& registry, const HttpRequest& req) {
  auto body = BodyObject(req, /*required=*/true);
  if (!body.ok()) return ErrorFromStatus(body.status());
  const rapidjson::Document& d = *body;
  if (Status s = NoScript(d); !s.ok()) return ErrorFromStatus(s);
  auto job = std::make_shared<ByQueryJob>();
  job->kind = ByQueryKind::kReindex;
  if (Status s = ReadCommonParams(req, job.get()); !s.ok()) return ErrorFromStatus(s);
  for (const auto& m : d.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key != "source" && key != "dest" && key != "max_docs" && key != "size" && key != "conflicts") {
      return ErrorFromStatus(Status::ParseValue("[reindex] unknown field [" + std::string(key) + "]"));
    }
  }
  if (!d.HasMember("source") || !d["source"].IsObject() || !d.HasMember("dest") || !d["dest"].IsObject()) {
    return ErrorFromStatus(Status::Validation("Validation Failed: 1: [source] and [dest] objects are required;"));
  }
  const rapidjson::Value& source = d["source"];
  const rapidjson::Value& dest = d["dest"];
  rapidjson::Document search;
  search.SetObject();
  std::string expression;
  for (const auto& m : source.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key == "index") {
      if (m.value.IsString()) {
        expression = std::string(m.value.GetString(), m.value.GetStringLength());
      } else if (m.value.IsArray()) {
        for (const auto& e : m.value.GetArray()) {
          if (e.IsString()) expression += (expression.empty() ? "" : ",") + std::string(e.GetString(), e.GetStringLength());
        }
      }
    } else if (key == "query" || key == "_source") {
      search.AddMember(rapidjson::Value(m.name, search.GetAllocator()), rapidjson::Value(m.value, search.GetAllocator()),
                       search.GetAllocator());
    } else if (key == "size") {
      if (!m.value.IsUint() || m.value.GetUint() == 0 || m.value.GetUint() > 10000) {
        return ErrorFromStatus(mapping::IllegalArgumentError("[source.size] must be in 1..10000"));
      }
      job->batch = m.value.GetUint();
    } else if (key == "remote") {
      return ErrorFromStatus(mapping::IllegalArgumentError(
          "reindex from [remote] is not supported: the source must be an index of this cluster"));
    } else {
      return ErrorFromStatus(Status::ParseValue("[source] unknown field [" + std::string(key) + "]"));
    }
  }
  if (expression.empty()) {
    return ErrorFromStatus(
        Status::Validation("Validation Failed: 1: use _all if you really want to copy from all existing indexes;"));
  }
  for (const auto& m : dest.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    const std::string value = m.value.IsString() ? std::string(m.value.GetString(), m.value.GetStringLength()) : "";
    if (key == "index") {
      job->dest = value;
    } else if (key == "op_type") {
      if (value != "index" && value != "create") {
        return ErrorFromStatus(mapping::IllegalArgumentError("opType must be 'create' or 'index', found: [" + value + "]"));
      }
      job->dest_create = value == "create";
    } else if (key == "version_type") {
      if (value != "internal") {
        return ErrorFromStatus(mapping::IllegalArgumentError(
            "[dest.version_type] [" + value + "] is not supported: only internal versions exist here"));
      }
    } else if (key == "routing") {
      if (value == "discard") {
        job->dest_routing = "";
      } else if (value.size() > 1 && value[0] == '=') {
        job->dest_routing = value.substr(1);
      } else if (value != "keep") {
        return ErrorFromStatus(mapping::IllegalArgumentError("Unsupported routing command"));
      }
    } else if (key == "pipeline") {
      return ErrorFromStatus(mapping::IllegalArgumentError("[dest.pipeline] is not supported: there are no ingest pipelines"));
    } else {
      return ErrorFromStatus(Status::ParseValue("[dest] unknown field [" + std::string(key) + "]"));
    }
  }
  if (job->dest.empty()) return ErrorFromStatus(Status::Validation("Validation Failed: 1: index must be specified;"));
  for (const char* key : {"max_docs", "size"}) {
    if (!d.HasMember(key)) continue;
    auto n = BodyCount(d[key], key);
    if (!n.ok()) return ErrorFromStatus(n.status());
    job->max_docs = *n;
  }
  if (d.HasMember("conflicts")) {
    const std::string v = d["conflicts"].IsString() ? d["conflicts"].GetString() : "";
    if (Status s = ReadConflicts(v, &job->proceed_on_conflicts); !s.ok()) return ErrorFromStatus(s);
  }
  auto indices = ResolveIndices(registry, expression);
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  auto target = registry.cluster()->Current()->WriteIndexOf(job->dest);
  const std::string dest_name = target.ok() && *target != nullptr ? (*target)->name : job->dest;
  for (const auto& index : *indices) {
    if (index->name() == dest_name) {
      return ErrorFromStatus(Status::Validation("Validation Failed: 1: reindex cannot write into an index its reading from [" +
                                                dest_name + "];"));
    }
    job->source.emplace_back(index->name(), index);
  }
  job->search_body = Compact(search);
  job->description = "reindex from [" + expression + "] to [" + job->dest + "]";
  return Execute(ctx, req, std::move(job));
}

HttpResponse ByQuery(ApiContext* ctx, ClusterIndices& registry, const HttpRequest& req, ByQueryKind kind) {
  auto body = BodyObject(req, /*required=*/kind == ByQueryKind::kDelete);
  if (!body.ok()) return ErrorFromStatus(body.status());
  const rapidjson::Document& d = *body;
  if (Status s = NoScript(d); !s.ok()) return ErrorFromStatus(s);
  auto job = std::make_shared<ByQueryJob>();
  job->kind = kind;
  if (Status s = ReadCommonParams(req, job.get()); !s.ok()) return ErrorFromStatus(s);
  rapidjson::Document search;
  search.SetObject();
  for (const auto& m : d.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key == "query") {
      search.AddMember("query", rapidjson::Value(m.value, search.GetAllocator()), search.GetAllocator());
    } else if (key == "max_docs") {
      auto n = BodyCount(m.value, "max_docs");
      if (!n.ok()) return ErrorFromStatus(n.status());
      job->max_docs = *n;
    } else if (key == "conflicts") {
      const std::string v = m.value.IsString() ? m.value.GetString() : "";
      if (Status s = ReadConflicts(v, &job->proceed_on_conflicts); !s.ok()) return ErrorFromStatus(s);
    } else {
      return ErrorFromStatus(Status::ParseValue("unknown field [" + std::string(key) + "]"));
    }
  }
  if (kind == ByQueryKind::kDelete && !search.HasMember("query")) {
    return ErrorFromStatus(Status::Validation("Validation Failed: 1: query is missing;"));
  }
  auto indices = ResolveRequestIndices(registry, req);
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  job->routing = SplitCommaList(req.QueryParam("routing"));
  std::string names;
  for (const auto& index : *indices) {
    // Through a filtered alias, the plan adds the filter (as a search does).
    names += (names.empty() ? "" : ",") + index->name();
    job->source.emplace_back(index->name(), index);
  }
  job->search_body = Compact(search);
  job->description = std::string(kind == ByQueryKind::kDelete ? "delete-by-query" : "update-by-query") + " [" + names + "]";
  return Execute(ctx, req, std::move(job));
}

// --- _tasks ----------------------------------------------------------------

void WriteTaskInfo(JsonWriter& w, const TaskRegistry& tasks, const Task& task) {
  const std::string& id = task.id();
  w.Field("node", tasks.node_id());
  w.Field("id", static_cast<int64_t>(std::stoll(id.substr(id.rfind(':') + 1))));
  w.Field("type", "transport").Field("action", task.action());
  ByQueryKind kind = ByQueryKind::kReindex;
  if (task.action() == ActionOf(ByQueryKind::kUpdate)) kind = ByQueryKind::kUpdate;
  if (task.action() == ActionOf(ByQueryKind::kDelete)) kind = ByQueryKind::kDelete;
  w.Key("status").StartObject();
  WriteCounters(w, task.counters(), kind);
  w.EndObject();
  w.Field("description", task.description());
  w.Field("start_time_in_millis", task.start_ms());
  w.Field("running_time_in_nanos", task.running_ms() * 1000000);
  w.Field("cancellable", true).Field("cancelled", task.cancelled());
  w.Key("headers").StartObject().EndObject();
}

HttpResponse TaskNotFound(const std::string& id) {
  return ErrorFromStatus(Status::ResourceNotFound("task [" + id + "] isn't running and hasn't stored its results"));
}

HttpResponse GetTask(ApiContext* ctx, const HttpRequest& req) {
  const std::string id(req.PathParam("task_id"));
  std::shared_ptr<Task> task = ctx->tasks ? ctx->tasks->Get(id) : nullptr;
  if (!task) return TaskNotFound(id);
  auto wait = BoolQueryParam(req, "wait_for_completion", false);
  if (!wait.ok()) return ErrorFromStatus(wait.status());
  if (*wait) {
    // Waits for the task, up to ?timeout (default 30 s), as Elasticsearch.
    std::chrono::milliseconds timeout = std::chrono::seconds(30);
    if (req.HasQueryParam("timeout")) {
      auto parsed = ParseTimeValue(req.QueryParam("timeout"), "timeout");
      if (!parsed.ok()) return ErrorFromStatus(parsed.status());
      timeout = *parsed;
    }
    const auto deadline = Clock::now() + timeout;
    while (!task->done() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!task->done()) {
      return ErrorResponse(408, "elasticsearch_timeout_exception",
                           "Timed out waiting for completion of task [" + id + "]");
    }
  }
  JsonWriter w;
  auto response = task->response();
  w.StartObject().Field("completed", response.has_value());
  w.Key("task").StartObject();
  WriteTaskInfo(w, *ctx->tasks, *task);
  w.EndObject();
  if (response) w.Key(response->first < 300 ? "response" : "error").RawJson(response->second);
  w.EndObject();
  return JsonResponse(200, w);
}

HttpResponse ListTasks(ApiContext* ctx, const HttpRequest& req) {
  const std::vector<std::string> actions = SplitCommaList(req.QueryParam("actions"));
  JsonWriter w;
  w.StartObject().Key("nodes").StartObject();
  if (ctx->tasks != nullptr) {
    w.Key(ctx->tasks->node_id()).StartObject().Field("name", ctx->tasks->node_id()).Key("tasks").StartObject();
    for (const auto& task : ctx->tasks->Running()) {
      bool wanted = actions.empty();
      for (const std::string& a : actions) wanted = wanted || GlobMatch(a, task->action());
      if (!wanted) continue;
      w.Key(task->id()).StartObject();
      WriteTaskInfo(w, *ctx->tasks, *task);
      w.EndObject();
    }
    w.EndObject().EndObject();
  }
  w.EndObject().EndObject();
  return JsonResponse(200, w);
}

HttpResponse CancelTask(ApiContext* ctx, const HttpRequest& req) {
  const std::string id(req.PathParam("task_id"));
  std::shared_ptr<Task> task = ctx->tasks ? ctx->tasks->Get(id) : nullptr;
  if (!task) return TaskNotFound(id);
  task->Cancel();
  JsonWriter w;
  w.StartObject().Key("nodes").StartObject().Key(ctx->tasks->node_id()).StartObject();
  w.Field("name", ctx->tasks->node_id()).Key("tasks").StartObject().Key(id).StartObject();
  WriteTaskInfo(w, *ctx->tasks, *task);
  w.EndObject().EndObject().EndObject().EndObject().EndObject();
  return JsonResponse(200, w);
}

}  // namespace

void AddReindexApiRoutes(ApiContext* ctx, HttpRouter* router) {
  router->Add(HttpMethod::kPost, "/_reindex", "reindex",
              WithIndices(ctx, [ctx](ClusterIndices& r, const HttpRequest& req) { return Reindex(ctx, r, req); }));
  router->Add(HttpMethod::kPost, "/{index}/_update_by_query", "update_by_query",
              WithIndices(ctx, [ctx](ClusterIndices& r, const HttpRequest& req) {
                return ByQuery(ctx, r, req, ByQueryKind::kUpdate);
              }));
  router->Add(HttpMethod::kPost, "/{index}/_delete_by_query", "delete_by_query",
              WithIndices(ctx, [ctx](ClusterIndices& r, const HttpRequest& req) {
                return ByQuery(ctx, r, req, ByQueryKind::kDelete);
              }));
  router->Add(HttpMethod::kGet, "/_tasks", "tasks_list", [ctx](const HttpRequest& req) { return ListTasks(ctx, req); });
  router->Add(HttpMethod::kGet, "/_tasks/{task_id}", "tasks_get", [ctx](const HttpRequest& req) { return GetTask(ctx, req); });
  router->Add(HttpMethod::kPost, "/_tasks/{task_id}/_cancel", "tasks_cancel",
              [ctx](const HttpRequest& req) { return CancelTask(ctx, req); });
}

}  // namespace holdfast
