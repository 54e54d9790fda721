# Tests of index/analysis/.
holdfast_add_test(analysis_test SOURCES index/analysis_test.cc LIBS holdfast_index)
