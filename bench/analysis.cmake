# Benchmarks of index/analysis/.
