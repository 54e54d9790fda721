# Tests of replication/: the cluster state (local, on a real NodeStore where
# persistence matters), its watchers, and cluster health.
holdfast_add_test(cluster_state_test SOURCES
  replication/cluster_health_test.cc
  replication/cluster_state_persistence_test.cc
  replication/cluster_state_snapshot_test.cc
  replication/cluster_state_watch_test.cc
  replication/local_cluster_state_test.cc
  LIBS holdfast_replication holdfast_lifecycle holdfast_test_support)
# The shard service through the loopback client: replica path, history, typed errors.
holdfast_add_test(shard_service_test SOURCES replication/shard_service_test.cc
  LIBS holdfast_replication holdfast_test_support)
# A new primary's resync and an ops recovery compare histories (two real engines).
holdfast_add_test(op_history_test SOURCES replication/op_history_test.cc
  LIBS holdfast_replication holdfast_test_support)
# The etcd client against a real etcd (etcd-server) the tests start on free loopback ports.
holdfast_add_test(etcd_client_test SOURCES replication/etcd_client_test.cc
  LIBS holdfast_replication holdfast_test_support)
# TLS to a real etcd (https, client certificates made by the openssl command).
holdfast_add_test(etcd_tls_test SOURCES replication/etcd_tls_test.cc
  LIBS holdfast_replication holdfast_test_support)
holdfast_add_test(etcd_membership_test SOURCES replication/etcd_membership_test.cc
  LIBS holdfast_replication holdfast_test_support)
holdfast_add_test(etcd_master_test SOURCES replication/etcd_master_test.cc
  LIBS holdfast_replication holdfast_test_support)
holdfast_add_test(etcd_state_store_test SOURCES replication/etcd_state_store_test.cc
  LIBS holdfast_replication holdfast_test_support)
holdfast_add_test(etcd_state_follower_test SOURCES replication/etcd_state_follower_test.cc
  LIBS holdfast_replication holdfast_test_support)
# The shard service over gRPC: a real GrpcServer on 127.0.0.1 and GrpcShardClient.
holdfast_add_test(grpc_shard_client_test SOURCES replication/grpc_shard_client_test.cc
  LIBS holdfast_server holdfast_test_support)
# Batches to one peer that meet on the way share an rpc (GrpcShardClient coalescing).
holdfast_add_test(grpc_batch_coalescing_test SOURCES replication/grpc_batch_coalescing_test.cc
  LIBS holdfast_server holdfast_test_support)
# Where the master puts copies (pure: snapshots in, snapshots out).
holdfast_add_test(allocation_test SOURCES replication/allocation_test.cc replication/allocation_awareness_test.cc
  replication/allocation_filters_test.cc replication/index_allocation_test.cc replication/recovery_throttling_test.cc
  replication/reroute_test.cc
  LIBS holdfast_replication holdfast_test_support)
# Drain records, disruption slots and the primary handoff (pure, likewise).
holdfast_add_test(drain_records_test SOURCES replication/drain_records_test.cc
  LIBS holdfast_replication holdfast_test_support)
# The operator's helpers shared by the HTTP endpoints and holdfastctl's Admin service.
holdfast_add_test(cluster_admin_test SOURCES replication/cluster_admin_test.cc
  LIBS holdfast_replication holdfast_test_support)
