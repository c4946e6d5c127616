#!/usr/bin/env bash
# sanitize.sh: build seam with AddressSanitizer + UndefinedBehaviorSanitizer
# into build-asan/ (RelWithDebInfo) and run the test suite under them.
#
#   bash tools/sanitize.sh          # the whole test suite (every ctest test)
#   bash tools/sanitize.sh --ci     # the subset .ci/run runs: see CI_LABELS below
#   bash tools/sanitize.sh --build-only
#   bash tools/sanitize.sh -- -R WireTest   # extra arguments after -- go to ctest
#
# Any sanitizer report fails the test that triggered it: ASan aborts on the
# first error, UBSan is built with -fno-sanitize-recover=undefined, and
# LeakSanitizer fails the process at exit. Third-party noise (oneDNN, OpenMP,
# glog, ...) is suppressed by the files in tests/sanitizers/, each entry with
# the reason; seam's own code is never suppressed.
#
# Environment: JOBS (build and ctest parallelism, default 2), BUILD_DIR
# (default build-asan), SEAM_CMAKE_ARGS (extra configure options).
# Missing packages are installed first (tools/quickstart.sh deps).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
readonly ROOT="$(pwd)"
readonly BUILD_DIR="${BUILD_DIR:-build-asan}"
readonly JOBS="${JOBS:-2}"

# The CI subset, by ctest label (one label per test executable): the suites
# that parse untrusted bytes or own the memory: core (loader, wire, session,
# planner), kernels, transport, plugins (policy decision checks), and the
# fuzz regression replays. The full run adds the cuts suite (every zoo model
# split at its partition points on three backends: AlexNet alone takes 40-120 s
# per backend under ASan, VGG-16 more), backends, zoo, CLI, stream and convert.
readonly CI_LABELS=(core_test kernels_test transport_test plugins_test fuzz_replay)
readonly CI_TARGETS=(core_test kernels_test transport_test plugins_test fuzz_replay_tests)

mode=full
ctest_args=()
while (($# > 0)); do
  case "$1" in
    --ci) mode=ci ;;
    --full) mode=full ;;
    --build-only) mode=build ;;
    --) shift; ctest_args=("$@"); break ;;
    -h | --help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "sanitize.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

step() { echo "==> $*"; }

bash tools/quickstart.sh deps

readonly SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  # Hits across clones in other directories (CI builds a fresh clone).
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-${ROOT}}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
fi
extra=()
read -r -a extra <<<"${SEAM_CMAKE_ARGS:-}"
step "configuring ${BUILD_DIR}/ (RelWithDebInfo, ASan + UBSan)"
cmake -S . -B "${BUILD_DIR}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS="${SAN_FLAGS}" -DCMAKE_CXX_FLAGS="${SAN_FLAGS}" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_MODULE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DSEAM_BUILD_BENCHMARKS=OFF "${launcher[@]}" "${extra[@]}"

start=${SECONDS}
if [[ "${mode}" == ci ]]; then
  # Only the CI suites and what their tests run (the CLI, the plugins).
  targets=()
  for t in "${CI_TARGETS[@]}"; do targets+=(--target "$t"); done
  step "building ${CI_TARGETS[*]} with -j${JOBS}"
  cmake --build "${BUILD_DIR}" -j"${JOBS}" "${targets[@]}"
else
  step "building everything with -j${JOBS}"
  cmake --build "${BUILD_DIR}" -j"${JOBS}"
fi
step "build took $((SECONDS - start)) s"
[[ "${mode}" == build ]] && exit 0

# Sanitizer runtime options for every test process (and the processes they
# start: the CLI, serve/edge). Suppression files hold third-party noise only.
readonly SUPP="${ROOT}/tests/sanitizers"
export ASAN_OPTIONS="abort_on_error=0:detect_leaks=1:detect_stack_use_after_return=0:strict_string_checks=1:check_initialization_order=1:suppressions=${SUPP}/asan.supp"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=${SUPP}/ubsan.supp"
export LSAN_OPTIONS="suppressions=${SUPP}/lsan.supp:print_suppressions=0"

start=${SECONDS}
if [[ "${mode}" == ci ]]; then
  step "running the CI sanitizer subset"
  labels="$(IFS='|'; echo "${CI_LABELS[*]}")"
  ctest --test-dir "${BUILD_DIR}" --output-on-failure -j"${JOBS}" -L "^(${labels})\$" \
    "${ctest_args[@]}"
else
  step "running the whole test suite under ASan + UBSan"
  ctest --test-dir "${BUILD_DIR}" --output-on-failure -j"${JOBS}" "${ctest_args[@]}"
fi
step "ctest took $((SECONDS - start)) s"
