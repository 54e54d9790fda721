// The update API's request body and its execution, shared by
// POST /{index}/_update/{id} and the bulk "update" action.
//
// Body: {"doc": {...}, "doc_as_upsert": bool, "upsert": {...}, "detect_noop": bool}.
// Scripts are not supported (illegal_argument_exception). Stateless apart
// from a thread-local parser: safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/coordinator/index_handle.h"
#include "index/util/status.h"

namespace holdfast {

struct UpdateBody {
  std::string doc;     // raw JSON object; empty when absent
  std::string upsert;  // raw JSON object; empty when absent
  bool doc_as_upsert = false;
  bool detect_noop = true;  // false: a merge that changes nothing still writes (a new version)

  void Clear() {
    doc.clear();
    upsert.clear();
    doc_as_upsert = false;
    detect_noop = true;
  }
};

// Parses an update body into *out (reusing its buffers). parse_exception for
// bad JSON, x_content_parse_exception for unknown fields,
// action_request_validation_exception when there is no doc.
Status ParseUpdateBody(std::string_view json, UpdateBody* out);

// Merges body.doc into document `id`; when it is missing: indexes body.doc
// (doc_as_upsert) or body.upsert, else document_missing_exception (404).
// Outcome kNoop when the merge changes nothing — unless detect_noop is
// false: then the document is written again as it is (kUpdated, a new
// version), as Elasticsearch does. `routing` (resolved: IndexHandle::
// RoutingFor) routes it; an updated document keeps its own routing unless
// `routing` is given, an upserted one gets `routing`.
WriteResult ApplyUpdate(IndexHandle& index, const std::string& id, const UpdateBody& body,
                        std::optional<int64_t> if_seq_no, std::optional<int64_t> if_primary_term,
                        const std::string& routing = {});

}  // namespace holdfast
