# Benchmarks of index/mapping/.
