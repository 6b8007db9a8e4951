# liblocus.so: the C API (include/locus/locus.h) as a shared library for C programs and the Rust and Python
# bindings. It holds all of locus_core; a version script exports only the locus_* C functions.
add_library(locus_shared SHARED ${PROJECT_SOURCE_DIR}/src/api/c99_header_check.c)
target_link_libraries(locus_shared PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,locus_core>")
target_include_directories(locus_shared PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>)
set_source_files_properties(${PROJECT_SOURCE_DIR}/src/api/c99_header_check.c PROPERTIES
  COMPILE_OPTIONS "-std=c99;-pedantic-errors;-Wall;-Wextra;-Werror")
set_target_properties(locus_shared PROPERTIES
  OUTPUT_NAME locus
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}
  LINK_DEPENDS ${PROJECT_SOURCE_DIR}/cmake/locus.map)
target_link_options(locus_shared PRIVATE "-Wl,--version-script=${PROJECT_SOURCE_DIR}/cmake/locus.map"
  "-Wl,--no-undefined")
