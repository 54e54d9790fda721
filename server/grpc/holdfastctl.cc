// holdfastctl: the admin CLI, speaking gRPC to one node's port (default
// 127.0.0.1:9300): the standard health service and holdfast's Admin service
// (proto/holdfast/v1/admin.proto, server/grpc/admin_service.h). Any node of
// a cluster answers for the whole cluster; changes are sent on to the master.
//
// One subcommand, one call (`drain --wait` and `lifecycle pre-stop` poll
// until done or their deadline). Output is aligned tables for people, or with
// --json the answer message in the proto3 JSON mapping (field names as in
// the .proto, every field present, 64-bit numbers as strings) for scripts.
// Every call has a deadline (--timeout). Exit codes: 0 done; 1 the call
// failed or a change was refused (one line on stderr: address, gRPC code,
// reason); 2 bad usage; 3 health: the node is not serving.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "server/grpc/admin_token.h"
#include "server/grpc/holdfastctl_common.h"
#include "server/process/version.h"

namespace {

using namespace holdfastctl;

void PrintNodes(const google::protobuf::RepeatedPtrField<pb::ClusterMemberInfo>& nodes) {
  Rows rows;
  for (const auto& n : nodes) {
    rows.push_back({n.name(), n.node_id(), n.master() ? "*" : "-", n.excluded() ? "yes" : "no",
                    std::to_string(n.shards()), n.http_address(), n.grpc_address()});
  }
  PrintTable({{"name"}, {"id"}, {"master"}, {"excluded"}, {"shards", true}, {"http_address"}, {"grpc_address"}}, rows);
}

int ClusterStateCommand(const Options& o) {
  pb::ClusterStateInfo state;
  int rc = 0;
  if (!Call(o, &pb::Admin::Stub::GetClusterState, pb::GetClusterStateRequest(), &state, &rc)) return rc;
  if (o.json) {
    PrintJson(state);
    return 0;
  }
  std::printf("cluster   %s (uuid %s)\nmode      %s\nversion   %lld\nmaster    %s\nhealth    %s\n",
              state.cluster_name().c_str(), state.cluster_uuid().c_str(),
              state.cluster_mode() ? "cluster (etcd)" : "one node (embedded)", static_cast<long long>(state.version()),
              state.master_node_id().empty()
                  ? "none"
                  : (state.master_node_name() + " (" + state.master_node_id() + ")").c_str(),
              state.health().c_str());
  std::printf("settings  %s\n", state.settings().empty() ? "none" : "");
  // Sorted, so that the output is stable (a proto map has no order).
  std::map<std::string, std::string> settings(state.settings().begin(), state.settings().end());
  for (const auto& [key, value] : settings) std::printf("  %s = %s\n", key.c_str(), value.c_str());
  std::printf("\nnodes\n");
  PrintNodes(state.nodes());
  std::printf("\nindices\n");
  Rows rows;
  for (const auto& i : state.indices()) {
    rows.push_back({i.name(), i.health(), std::to_string(i.number_of_shards()), std::to_string(i.number_of_replicas()),
                    i.uuid()});
  }
  PrintTable({{"index"}, {"health"}, {"shards", true}, {"replicas", true}, {"uuid"}}, rows);
  std::printf("\nshards\n");
  rows.clear();
  for (const auto& index : state.routing()) {
    for (const auto& shard : index.shards()) {
      for (const auto& copy : shard.copies()) AddCopyRow(copy, &rows);
    }
  }
  PrintTable({{"index"}, {"shard", true}, {"prirep"}, {"state"}, {"node"}, {"relocating_to"}, {"unassigned"}}, rows);
  return 0;
}

int NodesCommand(const Options& o) {
  pb::ListNodesResponse nodes;
  int rc = 0;
  if (!Call(o, &pb::Admin::Stub::ListNodes, pb::ListNodesRequest(), &nodes, &rc)) return rc;
  if (o.json) {
    PrintJson(nodes);
  } else {
    PrintNodes(nodes.nodes());
  }
  return 0;
}

int ShardsCommand(const Options& o, const std::string& index) {
  pb::ListShardsRequest request;
  request.set_index(index);
  pb::ListShardsResponse shards;
  int rc = 0;
  if (!Call(o, &pb::Admin::Stub::ListShards, request, &shards, &rc)) return rc;
  if (o.json) {
    PrintJson(shards);
  } else {
    PrintCopies(shards.shards());
  }
  return 0;
}

int MoveCommand(const Options& o, const std::string& index, uint32_t shard, const std::string& from,
                const std::string& to) {
  pb::MoveShardRequest request;
  request.set_index(index);
  request.set_shard(shard);
  request.set_from_node(from);
  request.set_to_node(to);
  pb::MoveShardResponse moved;
  int rc = 0;
  const std::string what = "move " + Shard(index, shard) + " from " + from + " to " + to;
  if (!Call(o, &pb::Admin::Stub::MoveShard, request, &moved, &rc, what)) return rc;
  if (o.json) {
    PrintJson(moved);
    return 0;
  }
  std::printf("moving %s from %s to %s (the copy stays in place until the target has recovered)\n",
              Shard(index, shard).c_str(), from.c_str(), to.c_str());
  PrintCopies(moved.copies());
  return 0;
}

int ExclusionCommand(const Options& o, const std::string& node, bool exclude) {
  pb::NodeExclusionRequest request;
  request.set_node(node);
  pb::NodeExclusionResponse done;
  int rc = 0;
  auto method = exclude ? &pb::Admin::Stub::ExcludeNode : &pb::Admin::Stub::IncludeNode;
  if (!Call(o, method, request, &done, &rc)) return rc;
  if (o.json) {
    PrintJson(done);
    return 0;
  }
  const char* what = exclude ? (done.changed() ? "excluded" : "was already excluded")
                             : (done.changed() ? "included again" : "was not excluded");
  std::printf("%s %s; cluster.routing.allocation.exclude._name = %s\n", node.c_str(), what,
              done.exclude_name().empty() ? "(unset)" : done.exclude_name().c_str());
  if (exclude && done.changed()) std::printf("its copies move to other nodes (holdfastctl shards shows them RELOCATING)\n");
  return 0;
}

Rows MoveRow(const pb::PlannedMoveInfo& m) {
  return {{m.index(), std::to_string(m.shard()), NameOr(m.from_node_name(), m.from_node_id()),
           NameOr(m.to_node_name(), m.to_node_id())}};
}

int RebalanceCommand(const Options& o, bool execute) {
  Rows rows;
  int rc = 0;
  if (!execute) {
    pb::PlanRebalanceResponse plan;
    if (!Call(o, &pb::Admin::Stub::PlanRebalance, pb::PlanRebalanceRequest(), &plan, &rc)) return rc;
    if (o.json) {
      PrintJson(plan);
      return 0;
    }
    if (plan.moves().empty()) {
      std::printf("the cluster is balanced: no moves\n");
      return 0;
    }
    for (const auto& m : plan.moves()) {
      rows.push_back(MoveRow(m)[0]);
      rows.back().push_back(m.reason());
    }
    PrintTable({{"index"}, {"shard", true}, {"from"}, {"to"}, {"reason"}}, rows);
    return 0;
  }
  pb::ExecuteRebalanceResponse done;
  if (!Call(o, &pb::Admin::Stub::ExecuteRebalance, pb::ExecuteRebalanceRequest(), &done, &rc)) return rc;
  int failed = 0;
  for (const auto& m : done.moves()) failed += m.started() ? 0 : 1;
  if (o.json) {
    PrintJson(done);
    return failed > 0 ? 1 : 0;
  }
  if (done.moves().empty()) {
    std::printf("the cluster is balanced: no moves\n");
    return 0;
  }
  for (const auto& m : done.moves()) {
    rows.push_back(MoveRow(m.move())[0]);
    rows.back().push_back(m.started() ? "started" : "failed: " + OneLine(m.error()));
  }
  PrintTable({{"index"}, {"shard", true}, {"from"}, {"to"}, {"result"}}, rows);
  std::printf("%d moves started, %d failed\n", done.moves_size() - failed, failed);
  if (failed > 0) std::fprintf(stderr, "holdfastctl: %s: %d rebalance moves failed\n", o.addr.c_str(), failed);
  return failed > 0 ? 1 : 0;
}

int ExplainCommand(const Options& o, const std::string& index, std::optional<uint32_t> shard, bool replica) {
  pb::ExplainAllocationRequest request;
  request.set_index(index);
  if (shard) request.set_shard(*shard);
  if (!index.empty() || shard) request.set_primary(!replica);
  pb::AllocationExplanation e;
  int rc = 0;
  if (!Call(o, &pb::Admin::Stub::ExplainAllocation, request, &e, &rc)) return rc;
  if (o.json) {
    PrintJson(e);
    return 0;
  }
  std::printf("shard          %s %s\nstate          %s\n", Shard(e.index(), e.shard()).c_str(),
              e.primary() ? "primary" : "replica", e.current_state().c_str());
  if (!e.current_node_id().empty()) {
    std::printf("node           %s (%s)\n", NameOr(e.current_node_name(), e.current_node_id()).c_str(),
                e.current_node_id().c_str());
  }
  if (!e.unassigned_reason().empty()) std::printf("unassigned     %s\n", e.unassigned_reason().c_str());
  if (e.delayed()) std::printf("delay left     %lld ms\n", static_cast<long long>(e.remaining_delay_ms()));
  if (!e.can_allocate().empty()) std::printf("can_allocate   %s\n", e.can_allocate().c_str());
  std::printf("explanation    %s\n\n", e.allocate_explanation().c_str());
  Rows rows;
  for (const auto& d : e.node_decisions()) rows.push_back({NameOr(d.node_name(), d.node_id()), d.decision(), d.explanation()});
  PrintTable({{"node"}, {"decision"}, {"why"}}, rows);
  return 0;
}

int HealthCommand(const Options& o) {
  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(o.addr, grpc::InsecureChannelCredentials()));
  grpc::health::v1::HealthCheckResponse res;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + o.timeout);
  const grpc::Status s = stub->Check(&ctx, grpc::health::v1::HealthCheckRequest(), &res);
  if (!s.ok()) return Fail(o, s);
  std::printf("%s\n", grpc::health::v1::HealthCheckResponse::ServingStatus_Name(res.status()).c_str());
  return res.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 3;
}

int NodeInfoCommand(const Options& o) {
  pb::NodeInfo info;
  int rc = 0;
  if (!Call(o, &pb::Admin::Stub::GetNodeInfo, pb::GetNodeInfoRequest(), &info, &rc)) return rc;
  if (o.json) {
    PrintJson(info);
    return 0;
  }
  std::printf("name            %s\nnode_id         %s\nvolume_uuid     %s\ncluster_uuid    %s\n"
              "format_version  %d\nversion         %s\nphase           %s\n",
              info.name().c_str(), info.node_id().c_str(), info.volume_uuid().c_str(),
              info.cluster_uuid().c_str(), info.format_version(), info.version().c_str(),
              info.phase().c_str());
  return 0;
}

// ------------------------------------------------------------ lifecycle

void PrintReasons(const google::protobuf::RepeatedPtrField<pb::LifecycleReason>& reasons, FILE* to) {
  for (const auto& r : reasons) {
    std::fprintf(to, "  %s%s: %s\n", r.reason().c_str(),
                 r.shard() >= 0 ? (" " + Shard(r.index(), static_cast<uint32_t>(r.shard()))).c_str() : "",
                 r.detail().c_str());
  }
}

void PrintDrain(const Options& o, const pb::DrainNodeResponse& d) {
  if (o.json) {
    PrintJson(d);
    return;
  }
  PrintTable({{"node"}, {"state"}, {"type"}, {"primaries_left", true}, {"copies_left", true}, {"in_flight", true},
              {"handed_off", true}},
             {{d.node_name(), d.state(), d.type().empty() ? "-" : d.type(), std::to_string(d.primaries_left()),
               std::to_string(d.copies_left()), std::to_string(d.shard_requests_in_flight()),
               std::to_string(d.primaries_handed_off())}});
  PrintReasons(d.reasons(), stdout);
}

// The gRPC address of member `node` (name or id), asked of the node at o.addr.
std::optional<std::string> AddressOf(const Options& o, const std::string& node, int* rc) {
  pb::ListNodesResponse nodes;
  if (!Call(o, &pb::Admin::Stub::ListNodes, pb::ListNodesRequest(), &nodes, rc, "listing the nodes")) return std::nullopt;
  for (const auto& n : nodes.nodes()) {
    if (n.name() == node || n.node_id() == node) return n.grpc_address();
  }
  std::fprintf(stderr, "holdfastctl: %s: no member named [%s]\n", o.addr.c_str(), node.c_str());
  *rc = 1;
  return std::nullopt;
}

// `holdfastctl drain NODE --type restart|remove [--wait] [--cancel]`: the
// drain is NODE's own, so the call goes to NODE's address.
int DrainCommand(Options o, const std::string& node, const std::string& type, bool cancel, bool wait,
                 std::chrono::milliseconds wait_for) {
  int rc = 0;
  auto address = AddressOf(o, node, &rc);
  if (!address) return rc;
  o.addr = *address;
  pb::DrainNodeRequest request;
  request.set_op(cancel ? "cancel" : "start");
  request.set_type(type);
  pb::DrainNodeResponse d;
  if (!Call(o, &pb::Admin::Stub::Drain, request, &d, &rc)) return rc;
  const auto deadline = std::chrono::steady_clock::now() + wait_for;
  request.set_op("get");
  while (wait && !cancel && d.state() != "complete") {
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(stderr, "holdfastctl: %s: the drain of %s is %s after %s:\n", o.addr.c_str(), node.c_str(),
                   d.state().c_str(), std::to_string(wait_for.count() / 1000).append("s").c_str());
      PrintReasons(d.reasons(), stderr);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (!Call(o, &pb::Admin::Stub::Drain, request, &d, &rc)) return rc;
  }
  PrintDrain(o, d);
  return 0;
}

// `holdfastctl lifecycle pre-stop`: drains this node for a restart and
// waits until stopping it is safe; 0 then, 1 with the reasons when the
// deadline passes first. For an orchestrator's pre-stop hook.
int PreStopCommand(const Options& o, const std::string& require, std::chrono::milliseconds wait_for) {
  const auto deadline = std::chrono::steady_clock::now() + wait_for;
  int rc = 0;
  pb::DrainNodeRequest start;
  start.set_op("start");
  start.set_type("restart");
  pb::DrainNodeResponse drain;
  // A drain refused now (etcd away, say) is asked for again while waiting.
  bool drained = Call(o, &pb::Admin::Stub::Drain, start, &drain, &rc, "starting the drain");
  pb::SafeToStopRequest ask;
  ask.set_require(require);
  pb::SafeToStopResponse answer;
  while (true) {
    if (!drained) drained = Call(o, &pb::Admin::Stub::Drain, start, &drain, &rc, "starting the drain");
    const bool asked = Call(o, &pb::Admin::Stub::SafeToStop, ask, &answer, &rc, "asking safe-to-stop");
    if (asked && answer.safe_to_stop()) {
      std::printf("%s: safe to stop (cluster state version %lld)\n", answer.node_name().c_str(),
                  static_cast<long long>(answer.cluster_state_version()));
      return 0;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(stderr, "holdfastctl: %s: not safe to stop after %llds%s\n", o.addr.c_str(),
                   static_cast<long long>(wait_for.count() / 1000), asked ? ":" : " (no answer)");
      if (asked) PrintReasons(answer.reasons(), stderr);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"holdfastctl: administer a holdfast node or cluster over gRPC"};
  app.set_version_flag("--version", holdfast::kHoldfastVersion);
  app.fallthrough();  // the options below may also follow the subcommand
  Options o;
  app.add_option("--addr", o.addr, "node gRPC address (host:port)")->envname("HOLDFASTCTL_ADDR")->capture_default_str();
  app.add_option("--timeout", o.timeout_text, "deadline of the call: 10s, 500ms, 2m")
      ->capture_default_str()
      ->check([](const std::string& v) { return ParseDuration(v) ? "" : "expected a duration above zero, such as 10s or 500ms"; });
  app.add_flag("--json", o.json, "print the answer as JSON (proto3 JSON mapping)");
  app.add_option("--token-file", o.token_file, "file holding the node's admin token (its --admin-token-file)")
      ->envname("HOLDFASTCTL_TOKEN_FILE");
  app.require_subcommand(1);

  auto* health = app.add_subcommand("health", "gRPC health check (exit 0 when SERVING, 3 otherwise)");
  auto* info = app.add_subcommand("node-info", "identity and phase of the node");
  auto* state = app.add_subcommand("cluster-state", "members, master, indices and every shard copy");
  auto* nodes = app.add_subcommand("nodes", "the members of the cluster (* marks the master)");
  std::string shards_index;
  auto* shards = app.add_subcommand("shards", "every shard copy, or those of INDEX");
  shards->add_option("INDEX", shards_index, "index name, list (a,b) or pattern (logs-*)");
  std::string move_index, move_from, move_to;
  uint32_t move_shard = 0;
  auto* move = app.add_subcommand("move", "start moving a shard copy to another node");
  move->add_option("INDEX", move_index, "index name")->required();
  move->add_option("SHARD", move_shard, "shard number")->required();
  move->add_option("--from", move_from, "the node holding the copy (name or id)")->required();
  move->add_option("--to", move_to, "the node to move it to (name or id)")->required();
  std::string exclude_node, include_node;
  auto* exclude = app.add_subcommand("exclude", "add NODE to cluster.routing.allocation.exclude._name (its copies move away)");
  exclude->add_option("NODE", exclude_node, "node name")->required();
  auto* include = app.add_subcommand("include", "remove NODE from cluster.routing.allocation.exclude._name");
  include->add_option("NODE", include_node, "node name")->required();
  bool plan = false, execute = false;
  auto* rebalance = app.add_subcommand("rebalance", "the moves that even out copies per node: --plan or --execute");
  auto* plan_flag = rebalance->add_flag("--plan", plan, "print each move and why, change nothing");
  rebalance->add_flag("--execute", execute, "start the moves; print which started or failed")->excludes(plan_flag);
  std::string explain_index;
  std::optional<uint32_t> explain_shard;
  bool primary = false, replica = false;
  auto* explain = app.add_subcommand("allocation-explain",
                                     "why a copy is (not) where it is; no options: the first unassigned copy");
  auto* index_opt = explain->add_option("--index", explain_index, "index name");
  auto* shard_opt = explain->add_option("--shard", explain_shard, "shard number");
  index_opt->needs(shard_opt);
  shard_opt->needs(index_opt);
  auto* primary_flag = explain->add_flag("--primary", primary, "the primary copy (the default)")->needs(index_opt);
  explain->add_flag("--replica", replica, "the replica copy")->needs(index_opt)->excludes(primary_flag);

  RerouteArgs reroute_args;
  auto* reroute = app.add_subcommand("reroute", "the _cluster/reroute commands: cancel, allocate-replica, "
                                                 "allocate-stale-primary, allocate-empty-primary, retry-failed");
  reroute->require_subcommand(1);
  reroute->fallthrough();
  reroute->add_flag("--dry-run", reroute_args.dry_run, "show what the command would do; change nothing");
  reroute->add_flag("--explain", reroute_args.explain, "a refused command is explained (exit 1), not an error");
  std::vector<CLI::App*> reroute_commands;
  for (const auto& [name, help] : std::vector<std::pair<std::string, std::string>>{
           {"cancel", "cancel the recovery of a copy (a replica is recovered again; a primary only with --allow-primary)"},
           {"allocate-replica", "allocate an unassigned replica to NODE (passes over allocation.enable)"},
           {"allocate-stale-primary", "make NODE's older copy the primary (acknowledged writes it lacks are lost)"},
           {"allocate-empty-primary", "start an empty primary on NODE (every document of the shard is lost)"}}) {
    auto* c = reroute->add_subcommand(name, help);
    c->add_option("INDEX", reroute_args.index, "index name")->required();
    c->add_option("SHARD", reroute_args.shard, "shard number")->required();
    c->add_option("--node", reroute_args.node, "the node (name or id)")->required();
    if (name == "cancel") c->add_flag("--allow-primary", reroute_args.allow_primary, "cancel a primary's recovery too");
    if (name != "cancel" && name != "allocate-replica") {
      c->add_flag("--accept-data-loss", reroute_args.accept_data_loss, "confirm that data is lost");
    }
    reroute_commands.push_back(c);
  }
  reroute_commands.push_back(
      reroute->add_subcommand("retry-failed", "allocate again now the copies whose allocation failed too often"));

  std::string drain_node, drain_type = "restart", wait_text = "10m", require = "availability";
  bool drain_wait = false, drain_cancel = false;
  auto duration_check = [](const std::string& v) {
    return ParseDuration(v) ? "" : "expected a duration above zero, such as 10s or 500ms";
  };
  auto* drain = app.add_subcommand("drain", "drain NODE for a restart or its removal (its own drain: POST /_lifecycle/drain)");
  drain->add_option("NODE", drain_node, "node name or id")->required();
  drain->add_option("--type", drain_type, "restart or remove")->check(CLI::IsMember({"restart", "remove"}))->capture_default_str();
  auto* wait_flag = drain->add_flag("--wait", drain_wait, "wait until the drain is complete (exit 1 at --wait-timeout)");
  drain->add_flag("--cancel", drain_cancel, "cancel NODE's drain")->excludes(wait_flag);
  drain->add_option("--wait-timeout", wait_text, "how long --wait waits")->check(duration_check)->capture_default_str();
  auto* lifecycle = app.add_subcommand("lifecycle", "an orchestrator's hooks");
  lifecycle->require_subcommand(1);
  std::string pre_stop_wait = "5m";
  auto* pre_stop = lifecycle->add_subcommand(
      "pre-stop", "drain this node for a restart, then wait until it is safe to stop (exit 0; 1 with the reasons at the deadline)");
  pre_stop->add_option("--wait-timeout", pre_stop_wait, "deadline")->check(duration_check)->capture_default_str();
  pre_stop->add_option("--require", require, "availability, or data (0 replicas: only no data lost)")
      ->check(CLI::IsMember({"availability", "data"}))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help and --version exit 0
  }
  o.timeout = *ParseDuration(o.timeout_text);
  if (!o.token_file.empty()) {
    auto token = holdfast::ReadAdminToken(o.token_file);
    if (!token.ok()) {
      std::fprintf(stderr, "holdfastctl: --token-file: %s\n", token.status().message().c_str());
      return 2;
    }
    o.token = std::move(token).value();
  }
  if (rebalance->parsed() && plan == execute) {
    std::fprintf(stderr, "holdfastctl: rebalance needs --plan or --execute\n");
    return 2;
  }
  if (health->parsed()) return HealthCommand(o);
  if (info->parsed()) return NodeInfoCommand(o);
  if (state->parsed()) return ClusterStateCommand(o);
  if (nodes->parsed()) return NodesCommand(o);
  if (shards->parsed()) return ShardsCommand(o, shards_index);
  if (move->parsed()) return MoveCommand(o, move_index, move_shard, move_from, move_to);
  if (exclude->parsed()) return ExclusionCommand(o, exclude_node, true);
  if (include->parsed()) return ExclusionCommand(o, include_node, false);
  if (rebalance->parsed()) return RebalanceCommand(o, execute);
  if (explain->parsed()) return ExplainCommand(o, explain_index, explain_shard, replica);
  for (CLI::App* c : reroute_commands) {
    if (!c->parsed()) continue;
    reroute_args.command = c->get_name();
    return RerouteCommand(o, reroute_args);
  }
  if (drain->parsed()) return DrainCommand(o, drain_node, drain_type, drain_cancel, drain_wait, *ParseDuration(wait_text));
  if (pre_stop->parsed()) return PreStopCommand(o, require, *ParseDuration(pre_stop_wait));
  return 2;
}
