# Tests of index/util/.
holdfast_add_test(status_test SOURCES index/status_test.cc LIBS holdfast_index)
