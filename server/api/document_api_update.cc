#include "server/api/document_api_update.h"

#include <simdjson.h>

#include "index/mapping/mapping_error.h"
#include "server/api/index_api_support.h"

namespace holdfast {

namespace od = simdjson::ondemand;

namespace {

Status RawObject(od::value value, std::string_view field, std::string* out) {
  od::object object;
  if (auto e = value.get_object().get(object); e) return JsonError("[" + std::string(field) + "] must be an object", e);
  std::string_view raw;
  if (auto e = object.raw_json().get(raw); e) return JsonError("failed to parse [" + std::string(field) + "]", e);
  out->assign(raw);
  return Status::OK();
}

}  // namespace

Status ParseUpdateBody(std::string_view json, UpdateBody* out) {
  out->Clear();
  HOLDFAST_RETURN_IF_ERROR(CheckJsonText(json));
  thread_local od::parser parser;
  thread_local std::string padded;
  padded.assign(json);
  padded.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  if (auto e = parser.iterate(padded.data(), json.size(), padded.capacity()).get(doc); e) {
    return JsonError("failed to parse the update body", e);
  }
  od::object root;
  if (auto e = doc.get_object().get(root); e) return JsonError("the update body must be an object", e);
  for (auto field : root) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return JsonError("failed to parse the update body", e);
    od::value value;
    if (auto e = field.value().get(value); e) return JsonError("failed to parse the update body", e);
    if (key == "doc") {
      HOLDFAST_RETURN_IF_ERROR(RawObject(value, key, &out->doc));
    } else if (key == "upsert") {
      HOLDFAST_RETURN_IF_ERROR(RawObject(value, key, &out->upsert));
    } else if (key == "doc_as_upsert" || key == "detect_noop") {
      bool b = false;
      if (auto e = value.get_bool().get(b); e) return JsonError("[" + std::string(key) + "] must be a boolean", e);
      (key == "doc_as_upsert" ? out->doc_as_upsert : out->detect_noop) = b;
    } else if (key == "script") {
      return mapping::IllegalArgumentError("scripted updates are not supported by holdfast; use [doc]");
    } else if (key == "_source") {
      // accepted and ignored: the response carries no source
    } else {
      return Status::XContentParse("[UpdateRequest] unknown field [" + std::string(key) + "]");
    }
  }
  if (const char* rest = nullptr; doc.current_location().get(rest) == simdjson::SUCCESS) return JsonError("failed to parse the update body", simdjson::TRAILING_CONTENT);
  if (out->doc.empty()) {
    return Status::Validation("Validation Failed: 1: script or doc is missing;");
  }
  return Status::OK();
}

WriteResult ApplyUpdate(IndexHandle& index, const std::string& id, const UpdateBody& body,
                        std::optional<int64_t> if_seq_no, std::optional<int64_t> if_primary_term,
                        const std::string& routing) {
  const bool plain_upsert = !body.doc_as_upsert && !body.upsert.empty();
  WriteResult result;
  for (int attempt = 0; attempt < 4; ++attempt) {
    result = index.Update(id, body.doc, body.doc_as_upsert, if_seq_no, if_primary_term, routing);
    if (result.status.ok() && result.outcome == WriteOutcome::kNoop && !body.detect_noop) {
      // Unchanged, written anyway: the current source again, if it is still the one merged into.
      auto current = index.Get(id, routing);
      if (!current.ok()) return WriteResult{current.status()};
      if (!current->found || current->stamp.seq_no != result.stamp.seq_no) continue;  // changed meanwhile: merge again
      WriteRequest again;
      again.type = WriteOpType::kIndex;
      again.id = id;
      again.source = std::move(current->source);
      again.routing = std::move(current->routing);
      again.if_seq_no = result.stamp.seq_no;
      again.if_primary_term = result.stamp.primary_term;
      WriteResult written = index.Write(again);
      if (written.status.kind() == StatusCode::kConflict && !if_seq_no) continue;
      return written;
    }
    const bool missing = result.status.kind() == StatusCode::kDocumentMissing;
    if (!plain_upsert || !missing) return result;
    WriteRequest create;
    create.type = WriteOpType::kCreate;
    create.id = id;
    create.source = body.upsert;
    create.routing = routing;
    result = index.Write(create);
    if (result.status.kind() != StatusCode::kConflict) return result;  // else created meanwhile: merge into it
  }
  return result;
}

}  // namespace holdfast
