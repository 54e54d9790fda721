# Benchmarks of index/search/: query throughput over a generated Zipf corpus.
holdfast_add_benchmark(search_bench SOURCES search_bench.cc LIBS holdfast_index)
