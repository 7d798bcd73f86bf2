# The rest tests start the project's API server (tools/apiserver) in-process.
file(GLOB rest_tsrcs CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/test_*.c")
foreach(src ${rest_tsrcs})
  get_filename_component(n ${src} NAME_WE)
  target_link_libraries(rest_${n} PRIVATE cdlt_apiserver)
endforeach()
