# Benchmarks of index/search/: query throughput over a generated Zipf corpus.
holdfast_add_benchmark(search_bench SOURCES search_bench.cc LIBS holdfast_index)
# Aggregations over 1M documents (terms on 100k keywords, date histograms).
holdfast_add_benchmark(aggregation_bench SOURCES aggregation_bench.cc LIBS holdfast_index)
