# Warning flags and the optional ASan+UBSan and ThreadSanitizer builds, applied per target.
function(otter_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter
    -Wno-restrict)  # GCC 12 -O3 false positives inside std::string (GCC bug 105329)
  if(OTTER_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
if(OTTER_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(OTTER_TSAN)
  # Boost.Asio's fences are beyond TSan's model (GCC warns); its reports are what counts.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
endif()
