# The http tests talk to the project's API server (tools/apiserver), started in-process.
target_link_libraries(http_test_http PRIVATE cdlt_apiserver)
# test_http_edges runs a libmicrohttpd server of its own.
target_link_libraries(http_test_http_edges PRIVATE PkgConfig::MHD Threads::Threads)
