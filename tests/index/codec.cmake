# Tests of index/codec/.
