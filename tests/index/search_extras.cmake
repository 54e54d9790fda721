# Tests of sorting, search_after, aggregations and highlighting (index/search/).
holdfast_add_test(search_extras_test
  SOURCES index/search_extras_sort_test.cc index/search_extras_aggregation_test.cc
          index/search_extras_highlight_test.cc index/search_extras_top_hits_test.cc
  LIBS holdfast_index)
holdfast_add_test(sketches_test SOURCES index/sketches_test.cc LIBS holdfast_index)
holdfast_add_test(date_math_test SOURCES index/date_math_test.cc LIBS holdfast_index)
holdfast_add_test(time_zone_test SOURCES index/time_zone_test.cc LIBS holdfast_index)
