# Tests of `seam convert` (the ONNX importer), included from tests/CMakeLists.txt
# after `seam_add_test_suite(convert_test convert seam_onnx_import)`.
#
#  convert_test              the committed small models (tests/convert/data) and
#                            the error paths, through the library and the CLI
#  convert_export_torchvision  a CTest fixture: exports the torchvision models with
#                            PyTorch into the build tree (fails loudly without torch)
#  convert_torchvision_test  converts those and compares with PyTorch's outputs

target_compile_definitions(convert_test PRIVATE
  SEAM_CONVERT_DATA_DIR="${CMAKE_CURRENT_SOURCE_DIR}/convert/data")
if(TARGET seam)
  add_dependencies(convert_test seam)  # the CLI tests run the real binary
endif()

# The torchvision exports need Debian's python3-torch/torchvision, which a
# pyenv or venv python3 earlier on PATH usually lacks: pick the first python3
# that can import them.
set(SEAM_CONVERT_PYTHON "" CACHE FILEPATH
    "python3 with torch and torchvision, for the torchvision convert tests")
if(NOT SEAM_CONVERT_PYTHON)
  set(_seam_pythons /usr/bin/python3)
  find_program(_seam_path_python3 NAMES python3)
  if(_seam_path_python3)
    list(APPEND _seam_pythons ${_seam_path_python3})
  endif()
  set(_seam_found_python "")
  foreach(_python IN LISTS _seam_pythons)
    if(EXISTS "${_python}")
      execute_process(COMMAND "${_python}" -c "import torch, torchvision, numpy"
                      RESULT_VARIABLE _seam_rc OUTPUT_QUIET ERROR_QUIET)
      if(_seam_rc EQUAL 0)
        set(_seam_found_python "${_python}")
        break()
      endif()
    endif()
  endforeach()
  if(_seam_found_python)
    set(SEAM_CONVERT_PYTHON "${_seam_found_python}" CACHE FILEPATH
        "python3 with torch and torchvision, for the torchvision convert tests" FORCE)
  else()
    # Keep going: the fixture then fails with the script's own message, so
    # the missing dependency is reported by ctest rather than skipped.
    message(WARNING "No python3 can import torch and torchvision: the torchvision "
                    "`seam convert` tests will fail. Install python3-torch and "
                    "python3-torchvision, or set SEAM_CONVERT_PYTHON.")
    set(_seam_convert_python /usr/bin/python3)
  endif()
endif()
if(SEAM_CONVERT_PYTHON)
  set(_seam_convert_python "${SEAM_CONVERT_PYTHON}")
endif()

set(SEAM_CONVERT_MODEL_DIR ${CMAKE_BINARY_DIR}/convert_models)
add_test(NAME convert_export_torchvision
  COMMAND ${_seam_convert_python} ${PROJECT_SOURCE_DIR}/tools/convert/export_torchvision.py
          --out ${SEAM_CONVERT_MODEL_DIR})
# Exporting VGG16 and AlexNet dominates: about two minutes on two cores.
set_tests_properties(convert_export_torchvision PROPERTIES
  FIXTURES_SETUP convert_torchvision_models TIMEOUT 1800)

add_executable(convert_torchvision_test
  ${CMAKE_CURRENT_SOURCE_DIR}/convert/torchvision/torchvision_convert_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/common/test_environment.cc)
target_include_directories(convert_torchvision_test PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(convert_torchvision_test PRIVATE seam_onnx_import seam_runtime
                      GTest::gtest GTest::gtest_main)
target_compile_definitions(convert_torchvision_test PRIVATE
  SEAM_CONVERT_DATA_DIR="${CMAKE_CURRENT_SOURCE_DIR}/convert/data"
  SEAM_CONVERT_MODEL_DIR="${SEAM_CONVERT_MODEL_DIR}"
  SEAM_TEST_PLUGIN_DIR="${SEAM_PLUGIN_OUTPUT_DIR}")
gtest_discover_tests(convert_torchvision_test DISCOVERY_TIMEOUT 60
  PROPERTIES FIXTURES_REQUIRED convert_torchvision_models TIMEOUT 600)
