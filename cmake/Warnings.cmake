# holdfast_set_warnings(target): the warning set every holdfast target builds with.
function(holdfast_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
                         -Wold-style-cast -Wno-unused-parameter)
endfunction()
