// The pieces every holdfastctl subcommand shares (server/grpc/holdfastctl.cc
// has the tool's contract): options, the Admin call with its deadline and
// token, error lines, tables and JSON output.
#pragma once

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "holdfast/v1/admin.grpc.pb.h"
#include "index/util/text_table.h"
#include "replication/grpc_status.h"

namespace holdfastctl {

namespace pb = ::holdfast::v1;
using holdfast::RenderTextTable;
using holdfast::TextColumn;
using Rows = std::vector<std::vector<std::string>>;

struct Options {
  std::string addr = "127.0.0.1:9300";
  std::string timeout_text = "10s";
  std::chrono::milliseconds timeout{10000};
  bool json = false;
  std::string token_file;
  std::string token;  // read from token_file: sent as `authorization: Bearer <token>`
};

// "10s", "500ms", "2m" or a bare number of seconds; more than zero.
inline std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9) return std::nullopt;
  const long value = std::stol(text.substr(0, digits));
  if (value == 0) return std::nullopt;
  const std::string unit = text.substr(digits);
  if (unit == "ms") return std::chrono::milliseconds(value);
  if (unit.empty() || unit == "s") return std::chrono::seconds(value);
  if (unit == "m") return std::chrono::minutes(value);
  return std::nullopt;
}

inline std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

// One line on stderr; `what` (optional) says which request failed.
inline int Fail(const Options& o, const grpc::Status& s, const std::string& what = "") {
  std::string why = what.empty() ? s.error_message() : what + ": " + s.error_message();
  if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    why += " (no answer within --timeout " + o.timeout_text + "; a change may still take effect)";
  }
  std::fprintf(stderr, "holdfastctl: %s: %s: %s\n", o.addr.c_str(), holdfast::GrpcCodeName(s.error_code()),
               OneLine(why).c_str());
  return 1;
}

// Calls one Admin method with the deadline; false (reported) on failure.
template <typename Request, typename Response>
bool Call(const Options& o,
          grpc::Status (pb::Admin::Stub::*method)(grpc::ClientContext*, const Request&, Response*),
          const Request& request, Response* response, int* exit_code, const std::string& what = "") {
  auto stub = pb::Admin::NewStub(grpc::CreateChannel(o.addr, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + o.timeout);
  if (!o.token.empty()) ctx.AddMetadata("authorization", "Bearer " + o.token);
  const grpc::Status s = (stub.get()->*method)(&ctx, request, response);
  if (s.ok()) return true;
  *exit_code = Fail(o, s, what);
  return false;
}

inline void PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);  // cannot fail for our own messages
  std::fputs(out.c_str(), stdout);
  if (out.empty() || out.back() != '\n') std::fputc('\n', stdout);
}

inline void PrintTable(const std::vector<TextColumn>& columns, const Rows& rows) {
  std::fputs(RenderTextTable(columns, rows).c_str(), stdout);
}

inline std::string NameOr(const std::string& name, const std::string& id) { return name.empty() ? id : name; }

inline std::string Shard(const std::string& index, uint32_t shard) { return index + "[" + std::to_string(shard) + "]"; }

inline void AddCopyRow(const pb::ShardCopyInfo& c, Rows* rows) {
  std::string unassigned = c.unassigned_reason();
  if (!c.last_node_id().empty() && !unassigned.empty()) unassigned += " (last on " + c.last_node_id() + ")";
  if (!c.failure().empty()) unassigned += (unassigned.empty() ? "" : ": ") + c.failure();
  rows->push_back({c.index(), std::to_string(c.shard()), c.primary() ? "p" : "r", c.state(),
                   NameOr(c.node_name(), c.node_id()), NameOr(c.relocating_node_name(), c.relocating_node_id()),
                   unassigned});
}

template <typename Copies>
void PrintCopies(const Copies& copies) {
  Rows rows;
  for (const pb::ShardCopyInfo& c : copies) AddCopyRow(c, &rows);
  PrintTable({{"index"}, {"shard", true}, {"prirep"}, {"state"}, {"node"}, {"relocating_to"}, {"unassigned"}}, rows);
}

// `holdfastctl reroute ...` (server/grpc/holdfastctl_reroute.cc).
struct RerouteArgs {
  std::string command;  // cancel, allocate-replica, allocate-stale-primary, allocate-empty-primary, retry-failed
  std::string index;
  uint32_t shard = 0;
  std::string node;
  bool allow_primary = false;
  bool accept_data_loss = false;
  bool dry_run = false;
  bool explain = false;
};
int RerouteCommand(const Options& o, const RerouteArgs& args);

}  // namespace holdfastctl
