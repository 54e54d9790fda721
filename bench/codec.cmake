# Benchmarks of index/codec/.
