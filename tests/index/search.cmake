# Tests of index/search/: scoring, queries, the query DSL parser, top-k search.
holdfast_add_test(search_test SOURCES index/search_test.cc index/search_dsl_test.cc index/search_topk_test.cc
  LIBS holdfast_index holdfast_test_support)
# Explanations (the explain search option, the _explain API) of every query type.
holdfast_add_test(search_explain_test SOURCES index/search_explain_test.cc LIBS holdfast_index holdfast_test_support)
