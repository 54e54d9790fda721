# Tests of index/shard/ and replication/.
holdfast_add_test(shard_test SOURCES index/shard_store_test.cc replication/checkpoint_test.cc
  LIBS holdfast_replication holdfast_test_support)
holdfast_add_test(segment_test SOURCES index/segment_test.cc index/mmap_file_test.cc LIBS holdfast_index holdfast_test_support)
holdfast_add_test(shard_engine_test SOURCES index/shard_engine_test.cc LIBS holdfast_index holdfast_test_support)
# What a shard copy needs of its engine: failures, the replica write path,
# retained history, the STATE file, file snapshots.
holdfast_add_test(shard_replica_test SOURCES index/shard_apply_ops_test.cc index/shard_failure_test.cc
  index/shard_history_test.cc index/shard_snapshot_test.cc index/shard_state_test.cc
  LIBS holdfast_index holdfast_test_support)
add_executable(shard_crash_child index/shard_crash_child.cc)
target_link_libraries(shard_crash_child PRIVATE holdfast_index)
holdfast_set_warnings(shard_crash_child)
holdfast_add_test(shard_crash_test SOURCES index/shard_crash_test.cc LIBS holdfast_index holdfast_test_support)
target_compile_definitions(shard_crash_test PRIVATE SHARD_CRASH_CHILD="$<TARGET_FILE:shard_crash_child>")
add_dependencies(shard_crash_test shard_crash_child)
holdfast_add_test(recommend_test SOURCES index/recommend_test.cc LIBS holdfast_server holdfast_test_support)
holdfast_add_test(more_like_this_test SOURCES index/more_like_this_test.cc LIBS holdfast_server holdfast_test_support)
# A shard on a full disk: a tiny tmpfs the test mounts (root only; fails, not skips, without it).
holdfast_add_test(shard_disk_full_test SOURCES index/shard_disk_full_test.cc LIBS holdfast_index holdfast_test_support)
