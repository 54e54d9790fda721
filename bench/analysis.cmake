# Benchmarks of index/analysis/.
holdfast_add_benchmark(tokenizer_bench SOURCES tokenizer_bench.cc LIBS holdfast_index)
