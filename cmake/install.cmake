# cmake --install: the locus binary, liblocus.so and liblocus.a, the C header, the bundled models (the default,
# Locus's own sparse model, and stories260K, which the README's API examples name), a CMake
# package (find_package(locus) -> locus::locus, locus::locus_static) and a pkg-config file (locus.pc).
# The package files find everything relative to their own place, so the prefix can be chosen at install time.
include(GNUInstallDirs)

install(TARGETS locus RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS locus_shared LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES $<TARGET_FILE:locus_core> DESTINATION ${CMAKE_INSTALL_LIBDIR} RENAME liblocus.a)
install(FILES ${PROJECT_SOURCE_DIR}/include/locus/locus.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/locus)
install(FILES ${PROJECT_SOURCE_DIR}/models/relu-llama-tiny-par.powerinfer.gguf
              ${PROJECT_SOURCE_DIR}/models/stories260K.gguf ${PROJECT_SOURCE_DIR}/models/README.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/locus/models)

# Paths from the package files back to the prefix.
file(RELATIVE_PATH LOCUS_CMAKE_TO_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/cmake/locus" "/p")
file(RELATIVE_PATH LOCUS_PC_TO_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")

include(CMakePackageConfigHelpers)
configure_file(${PROJECT_SOURCE_DIR}/cmake/locusConfig.cmake.in ${PROJECT_BINARY_DIR}/package/locusConfig.cmake @ONLY)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/locusConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
configure_file(${PROJECT_SOURCE_DIR}/cmake/locus.pc.in ${PROJECT_BINARY_DIR}/package/locus.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/package/locusConfig.cmake ${PROJECT_BINARY_DIR}/package/locusConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/locus)
install(FILES ${PROJECT_BINARY_DIR}/package/locus.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
