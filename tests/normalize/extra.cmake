# Normalizer tests share golden.c (settings -> schema, recording sink, schema rendering).
foreach(t normalize_test_golden normalize_test_normalize)
  if(TARGET ${t})
    target_sources(${t} PRIVATE ${CMAKE_CURRENT_LIST_DIR}/golden.c)
    target_include_directories(${t} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  endif()
endforeach()
