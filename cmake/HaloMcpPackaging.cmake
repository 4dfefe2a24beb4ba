# Installation layout and the Debian package (CPack DEB).
#
# `cmake --install build [--prefix P]` puts the server in P/bin, its tool schemas in
# P/share/halo-mcp/schemas (where FindSchemaDir looks, relative to the binary), the man page in
# P/share/man/man1 and the licence and README in P/share/doc/halo-mcp. The simulator goes to
# P/libexec/halo-mcp, where `halo-mcp --demo` runs it; in P/bin only on request
# (`cmake --install build --component sim`).
#
# `cpack -G DEB --config build/CPackConfig.cmake` packages the same files as
# halo-mcp_<version>_amd64.deb, with its dependencies worked out by dpkg-shlibdeps.

# `install`/`package` must not rebuild the whole tree (tests, benchmarks) first: they package
# what is built, and the packaging tests run after the build anyway.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
# GNUInstallDirs' DOCDIR follows the CMake project name (halo_mcp), not the package's.
set(HALO_MCP_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/halo-mcp)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/schemas/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/halo-mcp/schemas)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/halo-mcp.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${HALO_MCP_DOCDIR}
       )
# Debian keeps the licence as /usr/share/doc/<package>/copyright.
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${HALO_MCP_DOCDIR}
        RENAME copyright)

set(CPACK_PACKAGE_NAME halo-mcp)
set(CPACK_PACKAGE_VENDOR "halo-mcp contributors")
set(CPACK_PACKAGE_CONTACT "halo-mcp contributors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "HaloPSA tools for AI assistants (Model Context Protocol server)")
set(CPACK_PACKAGE_DESCRIPTION
    "A native MCP server (stdio and Streamable HTTP) that lets Claude and other AI assistants "
    "find, triage, update and close HaloPSA tickets, log notes and time, and look up clients, "
    "sites, users, assets, contracts, agents and teams. `halo-mcp --demo` serves a generated "
    "demo tenant without a HaloPSA account.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_INSTALL_DIRECTORY halo-mcp)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # halo-mcp_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
# HTTPS to HaloPSA verifies against the system CA store; --timezone names need the zone database.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "tzdata")
include(CPack)
