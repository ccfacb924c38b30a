# Install rules and the Debian package (docs/packaging.md). Included from the top-level
# CMakeLists.txt after the executables are defined:
#   cmake --install build --prefix /usr        # or DESTDIR=/tmp/stage cmake --install build
#   (cd build && cpack -G DEB)                 # raintree-studio_<version>_amd64.deb
# tests/packaging checks the desktop file, the AppStream metadata, the man pages and the bash
# completion against the executables (ctest -L packaging).

include(GNUInstallDirs)

set(RT_APP_ID "io.github.raintree.Studio")
set(RT_PACKAGE_HOMEPAGE "https://github.com/raintree/raintree-studio" CACHE STRING
    "Homepage named by the .deb and the AppStream metadata")
set(RT_PACKAGE_MAINTAINER
    "RainTree Studio maintainers <maintainers@users.noreply.r-seed-02cb0de1.example>"
    CACHE STRING "Maintainer field of the .deb")
# Shared data (scenarios, the Wireshark dissector) under DATADIR/raintree-studio. Documentation
# goes to Debian's folder named after the package: GNUInstallDirs' DOCDIR is named after the
# CMake project (raintree_studio), and Qt's CMake files include GNUInstallDirs first.
set(RT_INSTALL_PKGDATADIR "${CMAKE_INSTALL_DATADIR}/raintree-studio")
set(RT_INSTALL_DOCDIR "${CMAKE_INSTALL_DATAROOTDIR}/doc/raintree-studio")
set(rt_linux "${PROJECT_SOURCE_DIR}/packaging/linux")

# --- Executables: the lab starts the raintree-node next to itself, so all share BINDIR. -------
set(rt_programs raintree-node raintree-lab)
if(TARGET raintree-studio)
  list(APPEND rt_programs raintree-studio)
endif()
install(TARGETS ${rt_programs} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# --- Man pages: hand-written troff (packaging/man), the version filled in, gzipped. -----------
set(rt_man_pages "")
foreach(program IN LISTS rt_programs)
  set(page_in "${PROJECT_SOURCE_DIR}/packaging/man/${program}.1")
  set(page "${PROJECT_BINARY_DIR}/packaging/man/${program}.1")
  configure_file(${page_in} ${page} @ONLY)
  add_custom_command(OUTPUT ${page}.gz
                     COMMAND gzip -9 -n -c ${page} > ${page}.gz
                     DEPENDS ${page} ${page_in}
                     COMMENT "Compressing man page ${program}.1"
                     VERBATIM)
  list(APPEND rt_man_pages ${page}.gz)
endforeach()
add_custom_target(rt_man_pages ALL DEPENDS ${rt_man_pages})
install(FILES ${rt_man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# --- Shell completion, example scenarios, the Wireshark dissector, documentation. -------------
install(FILES ${PROJECT_SOURCE_DIR}/packaging/bash-completion/raintree-lab
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/scenarios/
        DESTINATION ${RT_INSTALL_PKGDATADIR}/scenarios
        FILES_MATCHING PATTERN "*.yaml" PATTERN "*.md")
# Opt-in (tshark -X lua_script:...), not in Wireshark's global plugin folder: a global plugin
# would register its TCP heuristic for every Wireshark user of the machine (docs/packaging.md).
install(FILES ${PROJECT_SOURCE_DIR}/packaging/wireshark/raintree.lua
              ${PROJECT_SOURCE_DIR}/packaging/wireshark/README.md
        DESTINATION ${RT_INSTALL_PKGDATADIR}/wireshark)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${RT_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${RT_INSTALL_DOCDIR}/docs)

# --- Desktop integration, with the GUI only. ---------------------------------------------------
if(TARGET raintree-studio)
  configure_file(${rt_linux}/${RT_APP_ID}.metainfo.xml
                 ${PROJECT_BINARY_DIR}/packaging/linux/${RT_APP_ID}.metainfo.xml @ONLY)
  install(FILES ${rt_linux}/${RT_APP_ID}.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${PROJECT_BINARY_DIR}/packaging/linux/${RT_APP_ID}.metainfo.xml
          DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
  # The window icon (resources/icons/raintree.svg) is the application icon; the PNG is that SVG
  # rendered at 256x256 (docs/packaging.md says how), for launchers that want a bitmap.
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/raintree.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps
          RENAME ${RT_APP_ID}.svg)
  install(FILES ${rt_linux}/${RT_APP_ID}.png
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/256x256/apps)
endif()

# --- CPack: one Debian package with the three executables. -------------------------------------
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "raintree-studio")
set(CPACK_PACKAGE_VENDOR "RainTree")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${RT_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_HOMEPAGE_URL ${RT_PACKAGE_HOMEPAGE})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # raintree-studio_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${RT_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE ${RT_PACKAGE_HOMEPAGE})
# Depends from the linked libraries (dpkg-shlibdeps, from dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# raintree-lab's network-namespace runs use ip, tc and nft; Wireshark reads the dissector.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "iproute2, nftables")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "tshark | wireshark, bash-completion")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The extended description under CPACK_PACKAGE_DESCRIPTION_SUMMARY; CPack indents it and turns
# the empty line into a paragraph break.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "RainTree Studio starts a cluster of real gossip node processes on this
machine (real TCP, mutual TLS 1.3 links), shows what every node sends and
receives, and lets you kill, stop, mute, slow down or partition nodes and
watch the protocol recover. It compares random, pocket, RainTree and advert
gossip.

This package contains raintree-studio (the Qt 6 GUI), raintree-node (the
gossip node daemon), raintree-lab (a command-line lab for measured runs,
scenarios, recordings, soaks and deterministic simulations), example
scenarios and a Wireshark dissector for the wire format.")
if(NOT TARGET raintree-studio)
  string(REPLACE "raintree-studio (the Qt 6 GUI), " "" CPACK_DEBIAN_PACKAGE_DESCRIPTION
                 "${CPACK_DEBIAN_PACKAGE_DESCRIPTION}")
endif()
set(CPACK_SOURCE_GENERATOR "TGZ")
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/\\\\.git$" "/build[^/]*/" "/out/" "/\\\\.cache/")
include(CPack)
