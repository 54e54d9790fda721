# Tests of index/mapping/.
holdfast_add_test(mapping_test
  SOURCES index/mapping_test.cc index/document_parser_test.cc
  LIBS holdfast_index)
holdfast_add_test(field_types_test
  SOURCES index/field_types_test.cc
  LIBS holdfast_index)
