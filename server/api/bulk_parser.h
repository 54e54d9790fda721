// BulkParser: the NDJSON of a _bulk request, line by line → BulkItems.
//
// Each item is an action line — {"index"|"create"|"update"|"delete": {"_index": ..,
// "_id": .., "routing": .., "if_seq_no": .., "if_primary_term": ..}} — followed, except for
// delete, by one source line (the document; for update the update body, see
// document_api_update.h). The line after an action line is always its source,
// as in Elasticsearch, even when it looks like an action.
//
// Failures are per item here: a malformed or unknown action line yields an
// item with `error` set and `malformed` true, and the line after it is taken
// as that item's source unless it parses as an action line itself (then it
// starts the next item). A bad update body fails its item only. Blank lines
// between items are skipped; '\r' before '\n' is ignored. (The _bulk API
// refuses a whole request that holds a malformed action line, as
// Elasticsearch: it scans the action lines first, with `actions_only`.)
//
// The parser holds no input: it sees one line at a time, so a caller can
// stream a body of any size. Not thread-safe; one per request. Meant to be
// fuzzed: any byte sequence fed as lines must give items or item errors.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "index/util/status.h"
#include "server/api/document_api_update.h"

namespace holdfast {

enum class BulkAction { kIndex, kCreate, kUpdate, kDelete };
const char* BulkActionName(BulkAction action);  // "index", "create", "update", "delete"

struct BulkItem {
  BulkAction action = BulkAction::kIndex;
  std::string index;  // from the action line, else the default index of the request
  std::string id;     // empty: none given (index and create then get a generated id)
  bool id_given = false;  // `_id` was on the action line (even empty: an error item shows "")
  // kIndex, kCreate: the source line. Points into the line passed to
  // AddLine; valid until the next call.
  std::string_view source;
  UpdateBody update;  // kUpdate
  std::optional<int64_t> if_seq_no;
  std::optional<int64_t> if_primary_term;
  std::optional<int64_t> version;  // `version` and `version_type` as given
  std::string version_type;
  std::string routing;  // `routing` of the action line; empty: none (the request's ?routing= applies)
  std::optional<int64_t> external_version;  // from them, once checked (ApplyVersion)
  bool external_gte = false;
  uint64_t line = 0;  // 1-based number of the action line
  // Not ok: the item failed before execution (kind and reason); the
  // fields above hold what could be read.
  Status error;
  // The action line itself is malformed (not an action object, unknown
  // action or parameter): Elasticsearch refuses the whole request for it.
  bool malformed = false;
};

class BulkParser {
 public:
  // `default_index`: the {index} of POST /{index}/_bulk, or empty.
  // `actions_only`: source lines are skipped unread (a scan of the action lines).
  explicit BulkParser(std::string default_index, bool actions_only = false);

  // Feeds the next line (without its '\n'). Returns true when *item holds a
  // complete item (successful or failed). Pass the same *item to every call
  // until it returns true: an action line fills it and the source line
  // completes it.
  bool AddLine(std::string_view line, BulkItem* item);
  // A line of `length` bytes that the caller could not hold (over its line
  // limit): fails the item it belongs to.
  bool AddOversizedLine(size_t length, BulkItem* item);
  // End of input: true with a failed item when an action still waits for its source line.
  bool Finish(BulkItem* item);

  uint64_t lines() const { return line_number_; }

 private:
  enum class State { kAction, kSource, kAfterBadAction };

  // Parses an action line into *item. False (with item->error set) when it is not one.
  bool ParseActionLine(std::string_view line, BulkItem* item);
  Status ParseActionBody(simdjson::ondemand::object body, BulkItem* item, Status* item_error);
  Status Malformed(std::string_view what) const;

  const std::string default_index_;
  const bool actions_only_;
  State state_ = State::kAction;
  uint64_t line_number_ = 0;
  std::string padded_;  // the current action line plus simdjson's padding
  simdjson::ondemand::parser parser_;
};

}  // namespace holdfast
