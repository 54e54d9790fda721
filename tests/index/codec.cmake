# Tests of index/codec/.
holdfast_add_test(codec_test
  SOURCES index/codec_test.cc index/postings_test.cc index/term_dictionary_test.cc
  LIBS holdfast_index)
