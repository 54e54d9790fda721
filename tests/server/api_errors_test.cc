// Status kinds → Elasticsearch error responses (server/api_errors.h): the
// type and HTTP status come from the kind, the reason from the message.
#include "server/api_errors.h"

#include <gtest/gtest.h>

#include <string>

namespace holdfast {
namespace {

struct Expected {
  Status status;
  const char* type;
  int http_status;
};

TEST(ApiErrorsTest, KindsPickTypeAndHttpStatus) {
  const Expected cases[] = {
      {Status::IndexNotFound("no such index [x]"), "index_not_found_exception", 404},
      {Status::DocumentMissing("[1]: document missing"), "document_missing_exception", 404},
      {Status::SearchContextMissing("No search context found for id [s]"), "search_context_missing_exception", 404},
      {Status::ResourceNotFound("r"), "resource_not_found_exception", 404},
      {Status::Conflict("[1]: version conflict"), "version_conflict_engine_exception", 409},
      {Status::Parse("unknown query [foo]"), "parsing_exception", 400},
      {Status::XContentParse("[UpdateRequest] unknown field [x]"), "x_content_parse_exception", 400},
      {Status::ParseValue("request body is required"), "parse_exception", 400},
      {Status::MapperParsing("failed to parse field [n]"), "mapper_parsing_exception", 400},
      {Status::StrictDynamicMapping("mapping set to strict"), "strict_dynamic_mapping_exception", 400},
      {Status::Validation("Validation Failed: 1: no requests added;"), "action_request_validation_exception", 400},
      {Status::QueryShard("failed to create query"), "query_shard_exception", 400},
      {Status::ResourceAlreadyExists("index [a/u] already exists"), "resource_already_exists_exception", 400},
      {Status::InvalidIndexName("Invalid index name [A], must be lowercase"), "invalid_index_name_exception", 400},
      {Status::TooLarge("line [3] is over the limit"), "content_too_long_exception", 413},
      {Status::Rejected("Trying to create too many scroll contexts"), "es_rejected_execution_exception", 429},
      {Status::Blocked("blocked"), "cluster_block_exception", 429},
      {Status::Fenced("stale term"), "stale_primary_term_exception", 409},
      {Status::NoSpace("disk full"), "no_space_left_exception", 503},
      {Status::HistoryTrimmed("ops below 7 are gone"), "history_trimmed_exception", 409},
      {Status::ShardFailed("shard [i][0] failed"), "shard_failed_exception", 503},
      {Status::InvalidArgument("max_num_segments must be >= 1"), "illegal_argument_exception", 400},
      {Status::NotFound("n"), "resource_not_found_exception", 404},
      {Status::AlreadyExists("a"), "resource_already_exists_exception", 400},
      {Status::FailedPrecondition("f"), "illegal_state_exception", 409},
      {Status::Unavailable("state not recovered"), "exception", 503},
      {Status::IOError("disk: gone"), "exception", 500},
      {Status::Corruption("bad checksum"), "exception", 500},
      {Status::Internal("bug"), "exception", 500},
  };
  for (const Expected& c : cases) {
    const StatusCode kind = c.status.kind();
    EXPECT_EQ(ErrorTypeForKind(kind), c.type) << kind;
    EXPECT_EQ(HttpStatusForKind(kind), c.http_status) << kind;
    HttpResponse r = ErrorFromStatus(c.status);
    EXPECT_EQ(r.status, c.http_status) << kind;
    EXPECT_EQ(r.body, ErrorResponse(c.http_status, c.type, c.status.message()).body) << kind;
  }
}

TEST(ApiErrorsTest, ResponseCarriesTheBareReason) {
  HttpResponse r = ErrorFromStatus(Status::IndexNotFound("no such index [x]"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body,
            R"({"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [x]"}],)"
            R"("type":"index_not_found_exception","reason":"no such index [x]"},"status":404})");
  // A reason that looks like "<type>: <reason>" is still only a reason.
  r = ErrorFromStatus(Status::IOError("mapper_parsing_exception: not really"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body,
            R"({"error":{"root_cause":[{"type":"exception","reason":"mapper_parsing_exception: not really"}],)"
            R"("type":"exception","reason":"mapper_parsing_exception: not really"},"status":500})");
}

}  // namespace
}  // namespace holdfast
