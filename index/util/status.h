// Status and Result<T>: how holdfast reports errors across module boundaries.
//
// Errors are values. Every I/O path returns a Status (or a Result<T> carrying a
// value or a Status), and callers check it: both types are [[nodiscard]], and
// a caller that drops one on purpose says so with a (void) cast and a comment.
// No exception escapes a module.
//
// A Status carries a kind (StatusCode) and a message. The kind is what code
// decides on — retry on kConflict, 404 on kIndexNotFound — and never the
// message text, which is the human-readable reason only (Elasticsearch's
// wording where the API has one). The generic kinds (kNotFound ...
// kInternal) serve storage and startup code; the others name one
// Elasticsearch error each, and server/api_errors.h turns a kind into the
// Elasticsearch error type and HTTP status.
//
// Both types are cheap to move; an OK Status holds no allocation.
#pragma once

#include <cassert>
#include <iosfwd>
#include <string>
#include <utility>
#include <variant>

namespace holdfast {

enum class StatusCode {
  kOk = 0,
  // Generic kinds.
  kNotFound,
  kAlreadyExists,
  kInvalidArgument,     // also Elasticsearch's illegal_argument_exception
  kCorruption,
  kIOError,
  kFailedPrecondition,  // the world is not in the state the call needs
  kUnavailable,         // try again later (locked, busy, not ready)
  kInternal,
  // One kind per Elasticsearch error type (the type in brackets).
  kConflict,               // a write lost against a newer version [version_conflict_engine_exception]
  kParse,                  // malformed request structure [parsing_exception]
  kXContentParse,          // an unknown field in a typed body [x_content_parse_exception]
  kParseValue,             // malformed JSON or value [parse_exception]
  kMapperParsing,          // a mapping or document that does not parse [mapper_parsing_exception]
  kStrictDynamicMapping,   // a new field under dynamic: strict [strict_dynamic_mapping_exception]
  kValidation,             // a request that fails validation [action_request_validation_exception]
  kQueryShard,             // a query value the field cannot hold [query_shard_exception]
  kIndexNotFound,          // [index_not_found_exception]
  kDocumentMissing,        // an update of a missing document [document_missing_exception]
  kResourceNotFound,       // [resource_not_found_exception]
  kSearchContextMissing,   // an expired or unknown scroll [search_context_missing_exception]
  kResourceAlreadyExists,  // [resource_already_exists_exception]
  kInvalidIndexName,       // [invalid_index_name_exception]
  kTooLarge,               // [content_too_long_exception]
  kRejected,               // over capacity, try later [es_rejected_execution_exception]
  kBlocked,                // a cluster block refuses the operation [cluster_block_exception]
  kFenced,                 // an op or request from an older primary term [stale_primary_term_exception]
  kNoSpace,                // the disk is full [no_space_left_exception]
  kHistoryTrimmed,         // the op history asked for is gone [history_trimmed_exception]
  kShardFailed,            // a shard copy failed [shard_failed_exception]
  kAliasesNotFound,        // [aliases_not_found_exception]
  kInvalidAliasName,       // [invalid_alias_name_exception]
  kIndexClosed,            // the index is closed [index_closed_exception]
  kInvalidIndexTemplate,   // [invalid_index_template_exception]
  kRoutingMissing,         // a write or get without the routing its mapping requires [routing_missing_exception]
};

// "NotFound", "Conflict", ...: the enumerator without its k.
const char* StatusCodeName(StatusCode code);
// Writes StatusCodeName(code) (test failure messages, logs).
std::ostream& operator<<(std::ostream& os, StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return {}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
  static Status Parse(std::string m) { return {StatusCode::kParse, std::move(m)}; }
  static Status XContentParse(std::string m) { return {StatusCode::kXContentParse, std::move(m)}; }
  static Status ParseValue(std::string m) { return {StatusCode::kParseValue, std::move(m)}; }
  static Status MapperParsing(std::string m) { return {StatusCode::kMapperParsing, std::move(m)}; }
  static Status StrictDynamicMapping(std::string m) { return {StatusCode::kStrictDynamicMapping, std::move(m)}; }
  static Status Validation(std::string m) { return {StatusCode::kValidation, std::move(m)}; }
  static Status QueryShard(std::string m) { return {StatusCode::kQueryShard, std::move(m)}; }
  static Status IndexNotFound(std::string m) { return {StatusCode::kIndexNotFound, std::move(m)}; }
  static Status DocumentMissing(std::string m) { return {StatusCode::kDocumentMissing, std::move(m)}; }
  static Status ResourceNotFound(std::string m) { return {StatusCode::kResourceNotFound, std::move(m)}; }
  static Status SearchContextMissing(std::string m) { return {StatusCode::kSearchContextMissing, std::move(m)}; }
  static Status ResourceAlreadyExists(std::string m) { return {StatusCode::kResourceAlreadyExists, std::move(m)}; }
  static Status InvalidIndexName(std::string m) { return {StatusCode::kInvalidIndexName, std::move(m)}; }
  static Status TooLarge(std::string m) { return {StatusCode::kTooLarge, std::move(m)}; }
  static Status Rejected(std::string m) { return {StatusCode::kRejected, std::move(m)}; }
  static Status Blocked(std::string m) { return {StatusCode::kBlocked, std::move(m)}; }
  static Status Fenced(std::string m) { return {StatusCode::kFenced, std::move(m)}; }
  static Status NoSpace(std::string m) { return {StatusCode::kNoSpace, std::move(m)}; }
  static Status HistoryTrimmed(std::string m) { return {StatusCode::kHistoryTrimmed, std::move(m)}; }
  static Status ShardFailed(std::string m) { return {StatusCode::kShardFailed, std::move(m)}; }
  static Status AliasesNotFound(std::string m) { return {StatusCode::kAliasesNotFound, std::move(m)}; }
  static Status InvalidAliasName(std::string m) { return {StatusCode::kInvalidAliasName, std::move(m)}; }
  static Status IndexClosed(std::string m) { return {StatusCode::kIndexClosed, std::move(m)}; }
  static Status InvalidIndexTemplate(std::string m) { return {StatusCode::kInvalidIndexTemplate, std::move(m)}; }
  static Status RoutingMissing(std::string m) { return {StatusCode::kRoutingMissing, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  StatusCode kind() const { return code_; }  // synonym of code()
  // The reason only, for people: never decide on its text.
  const std::string& message() const { return message_; }
  // "IOError: open data/VOLUME: No such file or directory"
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {     // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "a Result built from a Status must carry an error");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace holdfast

#define HOLDFAST_CONCAT_INNER(a, b) a##b
#define HOLDFAST_CONCAT(a, b) HOLDFAST_CONCAT_INNER(a, b)

// Returns early from the calling function when `expr` yields a non-OK Status.
#define HOLDFAST_RETURN_IF_ERROR(expr) \
  HOLDFAST_RETURN_IF_ERROR_IMPL(HOLDFAST_CONCAT(hf_status_, __COUNTER__), expr)
#define HOLDFAST_RETURN_IF_ERROR_IMPL(var, expr) \
  do {                                          \
    ::holdfast::Status var = (expr);            \
    if (!var.ok()) return var;                  \
  } while (0)
