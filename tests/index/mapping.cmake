# Tests of index/mapping/.
