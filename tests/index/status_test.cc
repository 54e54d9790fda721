// Status and Result<T> (index/util/status.h): the kind travels with the value
// through copies, moves and Results, and the message stays the bare reason.
#include "index/util/status.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace holdfast {
namespace {

TEST(StatusTest, OkHasNoKindAndNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.kind(), StatusCode::kOk);
  EXPECT_EQ(s.code(), s.kind());
  EXPECT_TRUE(s.message().empty());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ConstructorsSetTheirKind) {
  const std::vector<std::pair<Status, StatusCode>> cases = {
      {Status::NotFound("m"), StatusCode::kNotFound},
      {Status::InvalidArgument("m"), StatusCode::kInvalidArgument},
      {Status::Conflict("m"), StatusCode::kConflict},
      {Status::Parse("m"), StatusCode::kParse},
      {Status::XContentParse("m"), StatusCode::kXContentParse},
      {Status::ParseValue("m"), StatusCode::kParseValue},
      {Status::MapperParsing("m"), StatusCode::kMapperParsing},
      {Status::StrictDynamicMapping("m"), StatusCode::kStrictDynamicMapping},
      {Status::Validation("m"), StatusCode::kValidation},
      {Status::QueryShard("m"), StatusCode::kQueryShard},
      {Status::IndexNotFound("m"), StatusCode::kIndexNotFound},
      {Status::DocumentMissing("m"), StatusCode::kDocumentMissing},
      {Status::ResourceNotFound("m"), StatusCode::kResourceNotFound},
      {Status::SearchContextMissing("m"), StatusCode::kSearchContextMissing},
      {Status::ResourceAlreadyExists("m"), StatusCode::kResourceAlreadyExists},
      {Status::InvalidIndexName("m"), StatusCode::kInvalidIndexName},
      {Status::TooLarge("m"), StatusCode::kTooLarge},
      {Status::Rejected("m"), StatusCode::kRejected},
      {Status::Blocked("m"), StatusCode::kBlocked},
      {Status::Fenced("m"), StatusCode::kFenced},
      {Status::NoSpace("m"), StatusCode::kNoSpace},
      {Status::HistoryTrimmed("m"), StatusCode::kHistoryTrimmed},
      {Status::ShardFailed("m"), StatusCode::kShardFailed},
      {Status::AliasesNotFound("m"), StatusCode::kAliasesNotFound},
      {Status::InvalidAliasName("m"), StatusCode::kInvalidAliasName},
      {Status::IndexClosed("m"), StatusCode::kIndexClosed},
      {Status::InvalidIndexTemplate("m"), StatusCode::kInvalidIndexTemplate},
      {Status::RoutingMissing("m"), StatusCode::kRoutingMissing},
  };
  for (const auto& [status, kind] : cases) {
    EXPECT_FALSE(status.ok()) << kind;
    EXPECT_EQ(status.kind(), kind);
    EXPECT_EQ(status.message(), "m") << kind;
    EXPECT_STRNE(StatusCodeName(kind), "Unknown") << static_cast<int>(kind);
  }
}

TEST(StatusTest, KindSurvivesCopyAndMove) {
  const Status original = Status::Conflict("[a]: version conflict");
  Status copy = original;
  EXPECT_EQ(copy.kind(), StatusCode::kConflict);
  EXPECT_EQ(copy.message(), "[a]: version conflict");
  Status assigned;
  assigned = copy;
  EXPECT_EQ(assigned.kind(), StatusCode::kConflict);
  Status moved = std::move(copy);
  EXPECT_EQ(moved.kind(), StatusCode::kConflict);
  EXPECT_EQ(moved.message(), "[a]: version conflict");
  Status move_assigned;
  move_assigned = std::move(moved);
  EXPECT_EQ(move_assigned.kind(), StatusCode::kConflict);
  EXPECT_EQ(original.kind(), StatusCode::kConflict);  // the source of the copies is untouched
}

Result<int> Fails() { return Status::IndexNotFound("no such index [x]"); }

Status Forwards() {
  HOLDFAST_RETURN_IF_ERROR(Fails().status());
  return Status::OK();
}

TEST(StatusTest, KindSurvivesResultsAndEarlyReturns) {
  Result<int> r = Fails();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), StatusCode::kIndexNotFound);
  Result<int> moved = std::move(r);
  EXPECT_EQ(moved.status().kind(), StatusCode::kIndexNotFound);
  Status forwarded = Forwards();
  EXPECT_EQ(forwarded.kind(), StatusCode::kIndexNotFound);
  EXPECT_EQ(forwarded.message(), "no such index [x]");
}

TEST(StatusTest, MessageIsTheReasonAndToStringNamesTheKind) {
  Status s = Status::MapperParsing("failed to parse field [price] of type [long]");
  EXPECT_EQ(s.message(), "failed to parse field [price] of type [long]");
  EXPECT_EQ(s.ToString(), "MapperParsing: failed to parse field [price] of type [long]");
  EXPECT_EQ(Status::IOError("disk: gone").ToString(), "IOError: disk: gone");
  std::ostringstream os;
  os << StatusCode::kSearchContextMissing;
  EXPECT_EQ(os.str(), "SearchContextMissing");
}

}  // namespace
}  // namespace holdfast
