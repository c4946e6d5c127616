#!/usr/bin/env bash
# fuzz.sh: build seam's libFuzzer targets and fuzz them.
#
#   bash tools/fuzz.sh [--time SECONDS] [TARGET...]
#
# TARGETs (default: all): model_loader wire stream_protocol policy_decision
# onnx_import (tests/fuzz/<TARGET>_fuzzer.cc). For each target, in order:
#   1. replays every input in tests/fuzz/regressions/<TARGET>/ (inputs that
#      once crashed it and were fixed): any failure stops the script;
#   2. fuzzes it for --time seconds (default 3600) from the generated seeds
#      (build-fuzz/fuzz-seeds/<TARGET>/, written by make_fuzz_seeds; the ONNX
#      seeds are tests/convert/data/*.onnx) and the corpus kept between runs
#      (build-fuzz/fuzz-corpus/<TARGET>/);
#   3. prints its executions (total and per second) and whether it crashed.
# A crash, leak, timeout or sanitizer report leaves its input in
# build-fuzz/fuzz-artifacts/<TARGET>/ and the script exits non-zero, after
# the remaining targets ran. Reproduce one with
#   build-fuzz/tests/fuzz/<TARGET>_fuzzer build-fuzz/fuzz-artifacts/<TARGET>/crash-...
# then fix the code, add a gtest, and copy the input to
# tests/fuzz/regressions/<TARGET>/ (docs/hardening.md).
#
# The build is clang 14 with -fsanitize=fuzzer,address,undefined (Debian
# bookworm: clang-14, and libclang-rt-14-dev, which ships the libFuzzer
# runtime libclang_rt.fuzzer-*.a); missing packages are installed first.
# Environment: BUILD_DIR (default build-fuzz), JOBS (build parallelism,
# default 2), FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
readonly ROOT="$(pwd)"
readonly BUILD_DIR="${BUILD_DIR:-build-fuzz}"
readonly JOBS="${JOBS:-2}"
readonly ALL_TARGETS=(model_loader wire stream_protocol policy_decision onnx_import)

time_s=3600
targets=()
while (($# > 0)); do
  case "$1" in
    --time) time_s="$2"; shift ;;
    --time=*) time_s="${1#--time=}" ;;
    -h | --help) sed -n '2,28p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *)
      if [[ ! " ${ALL_TARGETS[*]} " == *" $1 "* ]]; then
        echo "fuzz.sh: unknown target '$1' (targets: ${ALL_TARGETS[*]})" >&2
        exit 2
      fi
      targets+=("$1")
      ;;
  esac
  shift
done
((${#targets[@]} > 0)) || targets=("${ALL_TARGETS[@]}")
[[ "${time_s}" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: --time needs whole seconds" >&2; exit 2; }

step() { echo "==> $*"; }

# The project's own dependencies, then clang and the libFuzzer runtime.
bash tools/quickstart.sh deps
fuzz_packages=(clang-14 libclang-rt-14-dev llvm-14)
missing=()
for pkg in "${fuzz_packages[@]}"; do
  dpkg -s "${pkg}" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("${pkg}")
done
if ((${#missing[@]} > 0)); then
  sudo=()
  [[ "$(id -u)" -ne 0 ]] && sudo=(sudo)
  step "installing: ${missing[*]}"
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  # Hits across clones in other directories (CI builds a fresh clone).
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-${ROOT}}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
fi
step "configuring ${BUILD_DIR}/ (clang 14, libFuzzer + ASan + UBSan)"
# Only what the targets link: no backends, tests or benchmarks.
cmake -S . -B "${BUILD_DIR}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DSEAM_BUILD_FUZZERS=ON \
  -DSEAM_BUILD_TESTS=OFF -DSEAM_BUILD_BENCHMARKS=OFF -DSEAM_WITH_ONEDNN=OFF \
  -DSEAM_WITH_XNNPACK=OFF "${launcher[@]}" >/dev/null
build_targets=(--target make_fuzz_seeds)
for t in "${targets[@]}"; do build_targets+=(--target "${t}_fuzzer"); done
step "building ${targets[*]} with -j${JOBS}"
cmake --build "${BUILD_DIR}" -j"${JOBS}" "${build_targets[@]}"

readonly SEEDS="${BUILD_DIR}/fuzz-seeds"
rm -rf "${SEEDS}"
"${BUILD_DIR}/tests/fuzz/make_fuzz_seeds" "${SEEDS}"
mkdir -p "${SEEDS}/onnx_import"
cp tests/convert/data/*.onnx "${SEEDS}/onnx_import/"

export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

summary=()
failed=0
extra=()
read -r -a extra <<<"${FUZZ_ARGS:-}"
for t in "${targets[@]}"; do
  bin="${BUILD_DIR}/tests/fuzz/${t}_fuzzer"
  regressions=(tests/fuzz/regressions/"${t}"/*)
  if [[ -e "${regressions[0]}" ]]; then
    step "${t}: replaying ${#regressions[@]} regression inputs"
    if ! "${bin}" -runs=1 "${regressions[@]}" >"${BUILD_DIR}/fuzz-${t}-replay.log" 2>&1; then
      tail -40 "${BUILD_DIR}/fuzz-${t}-replay.log"
      echo "fuzz.sh: ${t} fails on a saved regression input (log: ${BUILD_DIR}/fuzz-${t}-replay.log)" >&2
      exit 1
    fi
  fi
  corpus="${BUILD_DIR}/fuzz-corpus/${t}"
  artifacts="${BUILD_DIR}/fuzz-artifacts/${t}/"
  mkdir -p "${corpus}" "${artifacts}"
  log="${BUILD_DIR}/fuzz-${t}.log"
  step "${t}: fuzzing for ${time_s} s (log: ${log})"
  rc=0
  "${bin}" -max_total_time="${time_s}" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="${artifacts}" "${extra[@]}" "${corpus}" "${SEEDS}/${t}" >"${log}" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "${log}" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "${log}" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "${log}" | tail -1 | cut -d' ' -f2)
  if ((rc == 0)); then
    result="no crash"
  else
    failed=1
    result="FAILED (exit ${rc}); input in ${artifacts}"
    grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|fuzz property violated' \
      "${log}" || true
    tail -60 "${log}"
  fi
  line="$(printf '%-16s %12s execs %8s exec/s  cov %6s  %s' "${t}" "${execs:-?}" "${rate:-?}" \
    "${cov:-?}" "${result}")"
  echo "${line}"
  summary+=("${line}")
done

step "summary (${time_s} s per target)"
printf '%s\n' "${summary[@]}"
exit "${failed}"
