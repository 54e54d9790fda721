# Tests of index/mapping/.
holdfast_add_test(mapping_test
  SOURCES index/mapping_test.cc index/document_parser_test.cc
  LIBS holdfast_index)
holdfast_add_test(field_types_test
  SOURCES index/field_types_test.cc
  LIBS holdfast_index)
# Date formats: named, patterns, lists, writing; and a date field's `fields`
# output (hit_fields.cc, built in as the search request fuzz replay does).
holdfast_add_test(date_format_test
  SOURCES index/date_format_test.cc ${PROJECT_SOURCE_DIR}/server/coordinator/hit_fields.cc
  LIBS holdfast_index)
