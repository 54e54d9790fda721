// holdfastctl reroute: the `_cluster/reroute` commands over the Admin
// service (docs/cluster.md, "Forcing a primary" and the command table).
//
//   holdfastctl reroute cancel INDEX SHARD --node N [--allow-primary]
//   holdfastctl reroute allocate-replica INDEX SHARD --node N
//   holdfastctl reroute allocate-stale-primary INDEX SHARD --node N --accept-data-loss
//   holdfastctl reroute allocate-empty-primary INDEX SHARD --node N --accept-data-loss
//   holdfastctl reroute retry-failed
//
// Each with --dry-run (nothing is written; the copies shown are those the
// change would leave) and --explain (a refused command is explained rather
// than failing the call). Prints the decision, then the shard's copies.
// Exit 1 when the master refused the command (the reason on stderr).
#include "server/grpc/holdfastctl_common.h"

namespace holdfastctl {

namespace {

// The wire name of a command ("allocate-replica" → "allocate_replica").
std::string WireKind(const std::string& command) {
  std::string kind = command;
  for (char& c : kind) {
    if (c == '-') c = '_';
  }
  return kind;
}

}  // namespace

int RerouteCommand(const Options& o, const RerouteArgs& args) {
  const bool forced = args.command == "allocate-stale-primary" || args.command == "allocate-empty-primary";
  if (forced && !args.accept_data_loss) {
    std::fprintf(stderr,
                 "holdfastctl: %s loses the writes the copies it replaces hold (or every document, for an empty "
                 "primary): pass --accept-data-loss to confirm\n",
                 args.command.c_str());
    return 2;
  }
  pb::RerouteRequest request;
  request.set_dry_run(args.dry_run);
  request.set_explain(args.explain);
  std::string what = "reroute " + args.command;
  if (args.command == "retry-failed") {
    request.set_retry_failed(true);
  } else {
    pb::RerouteCommand* c = request.add_commands();
    c->set_kind(WireKind(args.command));
    c->set_index(args.index);
    c->set_shard(args.shard);
    c->set_node(args.node);
    c->set_allow_primary(args.allow_primary);
    c->set_accept_data_loss(args.accept_data_loss);
    what += " " + Shard(args.index, args.shard) + " on " + args.node;
  }
  pb::AdminRerouteResponse done;
  int rc = 0;
  if (!Call(o, &pb::Admin::Stub::Reroute, request, &done, &rc, what)) return rc;
  bool refused = false;
  for (const auto& d : done.decisions()) refused = refused || !d.applied();
  if (refused) std::fprintf(stderr, "holdfastctl: %s: %s refused\n", o.addr.c_str(), what.c_str());
  if (o.json) {
    PrintJson(done);
    return refused ? 1 : 0;
  }
  const char* prefix = args.dry_run ? "dry run, nothing changed: " : "";
  if (args.command == "retry-failed") {
    std::printf("%scopies whose allocation failed are tried again now\n", prefix);
  }
  for (const auto& d : done.decisions()) {
    std::printf("%s%s: %s%s%s\n", prefix, what.c_str(), d.applied() ? "applied" : "refused",
                d.explanation().empty() ? "" : ": ", OneLine(d.explanation()).c_str());
  }
  if (!done.copies().empty()) PrintCopies(done.copies());
  return refused ? 1 : 0;
}

}  // namespace holdfastctl
