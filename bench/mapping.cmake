# Benchmarks of index/mapping/.
holdfast_add_benchmark(document_parse_bench SOURCES document_parse_bench.cc LIBS holdfast_index)
