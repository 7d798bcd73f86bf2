# test_duckdb_bigint runs whole pipelines (public API) into DuckDB: it also needs cdlt_pipeline.
if(TARGET destinations_test_duckdb_bigint)
  target_link_libraries(destinations_test_duckdb_bigint PRIVATE cdlt_pipeline)
endif()
