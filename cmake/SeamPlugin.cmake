# seam_add_plugin(<target> KIND <policy|monitor|transport> NAME <name> SOURCES ...
#                 [LIBS ...] [NO_INSTALL])
#
# Builds a seam plugin as a shared module named seam_<kind>_<name>.so (dashes
# in <name> become underscores) into ${SEAM_PLUGIN_OUTPUT_DIR}. A linker
# version script exports only seam_plugin_query; everything else is hidden,
# so plugins cannot clash with each other or with the host.
set(SEAM_PLUGIN_VERSION_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/seam_plugin.map)

function(seam_add_plugin target)
  cmake_parse_arguments(ARG "NO_INSTALL" "KIND;NAME" "SOURCES;LIBS" ${ARGN})
  string(REPLACE "-" "_" file_name "${ARG_NAME}")
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "seam_${ARG_KIND}_${file_name}"
    LIBRARY_OUTPUT_DIRECTORY ${SEAM_PLUGIN_OUTPUT_DIR}
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(TARGET seam::plugin_api)
    target_link_libraries(${target} PRIVATE seam::plugin_api)  # installed package
  else()
    target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/plugins/include ${PROJECT_SOURCE_DIR})
  endif()
  target_link_options(${target} PRIVATE
    "-Wl,--version-script=${SEAM_PLUGIN_VERSION_SCRIPT}" "-Wl,--no-undefined")
  if(ARG_LIBS)
    target_link_libraries(${target} PRIVATE ${ARG_LIBS})
  endif()
  set_property(GLOBAL APPEND PROPERTY SEAM_PLUGIN_TARGETS ${target})
  if(NOT TARGET seam::plugin_api AND NOT ARG_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/seam/plugins)
  endif()
endfunction()
