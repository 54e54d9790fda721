# Tests of index/analysis/.
