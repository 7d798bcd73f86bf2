# The fixture self-tests talk to the servers with the plain client libraries.
target_link_libraries(testdb_test_postgres PRIVATE PkgConfig::PQ)
target_link_libraries(testdb_test_mariadb PRIVATE PkgConfig::MARIADB)
