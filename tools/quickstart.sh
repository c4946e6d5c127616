#!/usr/bin/env bash
# quickstart.sh: install what is missing, build seam, then run the demo or the tests.
#
#   bash tools/quickstart.sh demo   # build, then split a zoo model between a server and an
#                                   # edge process over an emulated link (tools/demo_split.sh)
#   bash tools/quickstart.sh test   # build, then run the whole test suite with ctest
#   bash tools/quickstart.sh deps   # only install what is missing (tools/sanitize.sh, tools/fuzz.sh)
#
# Works on a fresh Debian 12 (bookworm) machine: missing packages are installed
# with apt-get (through sudo when not root). Builds into build/ (Release).
# Environment: JOBS (default 2) sets the build and ctest parallelism; SEAM_CMAKE_ARGS
# adds configure options, e.g. SEAM_CMAKE_ARGS="-DSEAM_WITH_ONEDNN=OFF".
set -euo pipefail

PACKAGES=(
  cmake make g++ pkg-config
  libflatbuffers-dev flatbuffers-compiler
  libgoogle-glog-dev libunwind-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format
  # Backends (SEAM_WITH_XNNPACK, and SEAM_WITH_ONEDNN on x86-64); libxnnpack-dev
  # does not pull in pthreadpool's headers, and oneDNN's CMake config needs OpenCL's.
  libxnnpack-dev libpthreadpool-dev
  # Transport plugins (ZeroMQ with CURVE).
  libzmq3-dev cppzmq-dev
  # `seam convert` (the only code linking ONNX/protobuf) and its tests, which
  # export torchvision models with Debian's PyTorch.
  libonnx-dev libprotobuf-dev protobuf-compiler
  python3-torch python3-torchvision python3-numpy
)
if [[ "$(uname -m)" == x86_64 ]]; then
  PACKAGES+=(libdnnl-dev ocl-icd-opencl-dev opencl-c-headers)
fi
readonly PACKAGES
readonly BUILD_DIR=build
readonly JOBS="${JOBS:-2}"

cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() {
  echo "usage: bash tools/quickstart.sh demo|test|deps" >&2
  echo "  demo  install what is missing, build, run an edge and a server splitting a zoo model" >&2
  echo "  test  install what is missing, build, run the whole test suite with ctest" >&2
  echo "  deps  only install what is missing" >&2
  exit 2
}

step() { echo "==> $*"; }

is_installed() {
  local status
  status="$(dpkg -s "$1" 2>/dev/null || true)"
  [[ "${status}" == *$'\nStatus: install ok installed'* || "${status}" == 'Status: install ok installed'* ]]
}

install_missing() {
  local missing=() pkg
  if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "quickstart: this script installs with apt-get (Debian 12); install these yourself:" >&2
    echo "  ${PACKAGES[*]}" >&2
    exit 1
  fi
  for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    step "dependencies: all installed"
    return
  fi
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "quickstart: missing packages (${missing[*]}); run as root or install sudo" >&2
      exit 1
    fi
    sudo=(sudo)
  fi
  step "installing: ${missing[*]}"
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}

# build [TARGET...]: configure, then build the targets (default: everything).
build() {
  step "configuring ${BUILD_DIR}/ (Release)"
  local extra=()
  read -r -a extra <<<"${SEAM_CMAKE_ARGS:-}"
  cmake -S . -B "${BUILD_DIR}" -DCMAKE_BUILD_TYPE=Release "${extra[@]}"
  local targets=()
  if (($# > 0)); then targets=(--target "$@"); fi
  step "building ${*:-everything} with -j${JOBS}"
  cmake --build "${BUILD_DIR}" -j"${JOBS}" "${targets[@]}"
}

demo() {
  bash tools/demo_split.sh "${BUILD_DIR}"
}

test_suite() {
  step "running the test suite"
  # ctest's summary ("100% tests passed, 0 tests failed out of N") ends the output.
  ctest --test-dir "${BUILD_DIR}" --output-on-failure -j"${JOBS}"
}

(($# == 1)) || usage
case "$1" in
  demo)
    install_missing
    build seam seam_transport_zeromq seam_transport_shaped seam_policy_dads_light \
      seam_policy_edge_only seam_policy_server_only seam_monitor_bandwidth seam_monitor_rtt
    demo
    ;;
  test)
    install_missing
    build
    test_suite
    ;;
  deps) install_missing ;;
  *) usage ;;
esac
