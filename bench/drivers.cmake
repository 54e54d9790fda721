# The macro drivers: holdfast-eval (relevance) and holdfast-bench (indexing
# and query throughput over a docs.jsonl).
add_library(holdfast_bench_corpus STATIC bench_corpus.cc)
target_include_directories(holdfast_bench_corpus PUBLIC ${PROJECT_SOURCE_DIR} ${RAPIDJSON_INCLUDE_DIR} ${CLI11_INCLUDE_DIR})
target_link_libraries(holdfast_bench_corpus PUBLIC holdfast_server)
holdfast_set_warnings(holdfast_bench_corpus)

add_executable(holdfast-eval holdfast_eval.cc)
target_link_libraries(holdfast-eval PRIVATE holdfast_bench_corpus)
holdfast_set_warnings(holdfast-eval)

add_executable(holdfast-bench holdfast_bench.cc)
target_link_libraries(holdfast-bench PRIVATE holdfast_bench_corpus)
holdfast_set_warnings(holdfast-bench)

add_executable(holdfast-receval holdfast_receval.cc)
target_link_libraries(holdfast-receval PRIVATE holdfast_bench_corpus)
holdfast_set_warnings(holdfast-receval)

# The fetch phase: _source reads from a shard store (point vs batched).
holdfast_add_benchmark(fetch_bench SOURCES fetch_bench.cc LIBS holdfast_bench_corpus)

# The transport of node-to-node calls: a gRPC Shard call on loopback.
holdfast_add_benchmark(shard_rpc_bench SOURCES shard_rpc_bench.cc LIBS holdfast_replication)
