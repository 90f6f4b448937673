# package.cmake -- what `cmake --install` puts under the prefix (bin/qcc,
# the man page, the CMake package) and the same package exported into the
# build tree, so find_package(qcc) works with either as qcc_DIR.
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

set(QCC_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/qcc)

install(FILES ${PROJECT_SOURCE_DIR}/frontend/qcc.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/qccConfig.cmake.in
  ${PROJECT_BINARY_DIR}/qccConfig.cmake
  INSTALL_DESTINATION ${QCC_CMAKE_INSTALL_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/qccConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(EXPORT qccTargets NAMESPACE qcc:: DESTINATION ${QCC_CMAKE_INSTALL_DIR})
install(FILES ${PROJECT_BINARY_DIR}/qccConfig.cmake
              ${PROJECT_BINARY_DIR}/qccConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/QccAddModel.cmake
        DESTINATION ${QCC_CMAKE_INSTALL_DIR})

# The build tree's package: qcc_DIR=<build> finds these.
export(EXPORT qccTargets NAMESPACE qcc:: FILE ${PROJECT_BINARY_DIR}/qccTargets.cmake)
configure_file(${CMAKE_CURRENT_LIST_DIR}/QccAddModel.cmake
               ${PROJECT_BINARY_DIR}/QccAddModel.cmake COPYONLY)
