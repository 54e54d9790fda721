# Tests of index/shard/ and replication/.
holdfast_add_test(shard_test SOURCES index/shard_store_test.cc replication/checkpoint_test.cc
  LIBS holdfast_replication holdfast_test_support)
holdfast_add_test(segment_test SOURCES index/segment_test.cc LIBS holdfast_index holdfast_test_support)
holdfast_add_test(shard_engine_test SOURCES index/shard_engine_test.cc LIBS holdfast_index holdfast_test_support)
