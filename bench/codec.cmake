# Benchmarks of index/codec/. StreamVByte is linked only to compare it with
# the bit-packing block codec the index uses.
holdfast_add_benchmark(postings_bench SOURCES postings_bench.cc LIBS holdfast_index holdfast_dep_streamvbyte)
