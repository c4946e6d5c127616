#!/usr/bin/env bash
# cross_test_arm64.sh: cross-compile seam's edge side for arm64 (aarch64) Linux and
# run its tests under qemu-aarch64-static. Checks that the runtime builds for, and
# gives correct results on, an Arm edge device (XNNPACK's NEON kernels included).
#
#   bash tools/cross_test_arm64.sh          (.ci/run calls this after the main suite)
#
# Steps: the sysroot (tools/make_arm64_sysroot.sh; installs the cross compiler and
# qemu when missing) -> configure build-arm64/ with cmake/aarch64-linux-gnu.cmake ->
# build only the test executables below -> ctest runs them through qemu
# (CMAKE_CROSSCOMPILING_EMULATOR), each test executable's tests by its label.
#
# Environment: ARM64_SYSROOT (default /opt/sysroot-arm64), ARM64_QEMU_CPU (default
# cortex-a72), JOBS (build and ctest parallelism, default 2), BUILD_DIR (default
# build-arm64).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
readonly SYSROOT="${ARM64_SYSROOT:-/opt/sysroot-arm64}"
readonly QEMU_CPU="${ARM64_QEMU_CPU:-cortex-a72}"
readonly JOBS="${JOBS:-2}"
readonly BUILD_DIR="${BUILD_DIR:-build-arm64}"

# What runs under qemu, by ctest label: one label per GoogleTest executable
# (tests/CMakeLists.txt), and "firmware" for the C firmware example's runs and
# their bit-for-bit checks against the C++ API.
SUITES=(kernels_test backends_test cuts_test core_test capi_test)
readonly SUITES
TARGETS=("${SUITES[@]}" seam_firmware_example seam_firmware_example_archive firmware_boundary_check)
readonly TARGETS
# Left out: zoo_test (it builds every zoo model, VGG and ResNet-50 included, with
# seeded weights, and checks their parameter counts: host-side authoring, not edge
# code, and minutes under qemu), and these tests. qemu-user runs XNNPACK's NEON
# kernels about 500x slower than the host runs its own and the reference kernels
# about 25x slower, so a 224x224 ImageNet model that takes milliseconds natively
# takes minutes here. Their small siblings stay in: every per-op XNNPACK test, the
# split invariant on small graphs, the zoo's small models (lenet5, mlp, lstm,
# branchy_lenet) in the cut round trip, and XNNPACK on lenet5 and mlp.
EXCLUDE=(
  # XNNPACK backend on the 224x224 zoo models and the hand-built DenseNet-121 segment.
  'XnnpackZoo\.MatchesReference/(resnet18|mobilenet_v2|googlenet|densenet121|mobilenet_v1)'
  'XnnpackZooSegment\.'
  # Cut round trip (run-until, wire encode/decode, resume) at every partition point
  # of the large zoo models.
  'ZooCutInvariant\.SplitRunEqualsFullRun/(alexnet|vgg16|vgg19|nin|tiny_yolov2|resnet18|resnet50|mobilenet_v1|mobilenet_v2|densenet121|googlenet)_'
  # core_test's two tests that build VGG-16 (138 M seeded weights, 20-30 s under
  # qemu) only to count its partition points or fit the latency model.
  'LatencyModel\.RecoversAnExactLinearLaw'
  'PartitionPoints\.ChainModelsHaveOnePerLayer'
)
readonly EXCLUDE

step() { echo "==> arm64: $*"; }

t0=${SECONDS}
step "sysroot ${SYSROOT}"
# The firmware build (SEAM_EDGE_MINIMAL) needs no glog/gflags in the sysroot.
bash tools/make_arm64_sysroot.sh --without-glog "${SYSROOT}"
t_sysroot=$((SECONDS - t0))

t0=${SECONDS}
# gtest_discover_tests writes the emulator command (sysroot, -cpu) into each suite's
# test list when the executable links. If either changed since the last configure,
# drop the suites' executables so they relink and list their tests again. A new
# sysroot also needs a fresh cache: find_path/find_library results point into the old.
cached() { sed -n "s/^$1:[A-Z]*=//p" "${BUILD_DIR}/CMakeCache.txt" 2>/dev/null; }
fresh=()
if [[ -f "${BUILD_DIR}/CMakeCache.txt" ]]; then
  # (Checked on what configure found, so a failed configure cannot hide the change.)
  for v in FlatBuffers_DIR GTest_DIR XNNPACK_LIBRARY; do
    found="$(cached "${v}")"
    if [[ -n "${found}" && "${found}" != "${SYSROOT}/"* ]]; then
      step "sysroot changed (${v} was ${found}): configuring from a fresh cache"
      fresh=(--fresh)
      break
    fi
  done
  if [[ -n "${fresh[*]}" || "$(cached ARM64_QEMU_CPU)" != "${QEMU_CPU}" ]]; then
    step "emulator settings changed: relinking the test executables"
    for s in "${SUITES[@]}"; do rm -f "${BUILD_DIR}/tests/${s}"; done
  fi
fi
step "configuring ${BUILD_DIR}/ (SEAM_EDGE_MINIMAL, XNNPACK, Release; qemu -cpu ${QEMU_CPU})"
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# SEAM_EDGE_MINIMAL: runtime, reference kernels, XNNPACK, wire format and C API,
# as a device gets them; no tools, benchmarks, plugins, transports or oneDNN.
cmake "${fresh[@]}" -S . -B "${BUILD_DIR}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="${PWD}/cmake/aarch64-linux-gnu.cmake" \
  -DARM64_SYSROOT="${SYSROOT}" -DARM64_QEMU_CPU="${QEMU_CPU}" \
  -DSEAM_EDGE_MINIMAL=ON -DSEAM_WITH_XNNPACK=ON "${launcher[@]}"
step "building ${TARGETS[*]} with -j${JOBS}"
cmake --build "${BUILD_DIR}" -j"${JOBS}" --target "${TARGETS[@]}"
t_build=$((SECONDS - t0))

labels="^($(IFS='|'; echo "${SUITES[*]}")|firmware)\$"
excludes="$(IFS='|'; echo "${EXCLUDE[*]}")"
# Printed before the tests so that ctest's summary stays the last thing printed;
# ctest reports its own time ("Total Test time").
step "times: sysroot ${t_sysroot} s, configure + build ${t_build} s"
step "running ${SUITES[*]} and the firmware example under qemu-aarch64-static -cpu ${QEMU_CPU}"
# --timeout: a test hung under emulation fails after 5 minutes instead of using up CI.
ctest --test-dir "${BUILD_DIR}" --output-on-failure -j"${JOBS}" --timeout 300 \
  -L "${labels}" -E "${excludes}"
