#!/usr/bin/env bash
# make_arm64_sysroot.sh: build an arm64 (aarch64) sysroot for seam's cross build
# from Debian's arm64 packages, without installing any arm64 package on the host.
#
#   bash tools/make_arm64_sysroot.sh [--without-glog] [DIR]
#
# DIR defaults to $ARM64_SYSROOT, else /opt/sysroot-arm64 (outside the work tree,
# so every clone on the machine shares one). Idempotent: a sysroot whose stamp
# file lists every requested package is left as it is (a few seconds).
#
# Why a sysroot: libxnnpack-dev, libpthreadpool-dev, libgoogle-glog-dev and
# libgflags-dev are not Multi-Arch: same, so `apt-get install libxnnpack-dev:arm64`
# would REMOVE the host's amd64 package. Instead the .debs are fetched with
# `apt-get download` and unpacked with `dpkg -x` (no maintainer scripts run).
#
# Host prerequisites it installs when missing (as root, or through sudo):
# g++-aarch64-linux-gnu, qemu-user-static, flatbuffers-compiler (the host flatc),
# and the arm64 package lists (`dpkg --add-architecture arm64` + apt-get update).
#
# Packages: libc and libstdc++ (run time files for qemu), XNNPACK + pthreadpool +
# cpuinfo, FlatBuffers (headers, CMake config), GoogleTest/gmock, and glog +
# gflags unless --without-glog (a SEAM_EDGE_MINIMAL build does not use them).
set -euo pipefail

step() { echo "==> sysroot: $*"; }
die() {
  echo "make_arm64_sysroot: error: $*" >&2
  exit 1
}

usage() {
  echo "usage: bash tools/make_arm64_sysroot.sh [--without-glog] [DIR]" >&2
  echo "  DIR  where to build the sysroot (default: \$ARM64_SYSROOT or /opt/sysroot-arm64)" >&2
  exit 2
}

WITH_GLOG=1
DIR=""
while (($# > 0)); do
  case "$1" in
    --without-glog) WITH_GLOG=0 ;;
    -h | --help) usage ;;
    -*) echo "make_arm64_sysroot: unknown option '$1'" >&2; usage ;;
    *)
      [[ -z "${DIR}" ]] || { echo "make_arm64_sysroot: more than one DIR given" >&2; usage; }
      DIR="$1"
      ;;
  esac
  shift
done
SYSROOT="$(realpath -m "${DIR:-${ARM64_SYSROOT:-/opt/sysroot-arm64}}")"
[[ "${SYSROOT}" != / ]] || die "refusing to use / as the sysroot"

# The arm64 packages: each a runtime library and, where seam compiles or links
# against it, its -dev package. The NEEDED closure is checked after unpacking.
PKGS=(
  # C and C++ runtime (ld-linux-aarch64.so.1, libc.so.6, libstdc++.so.6 for qemu -L).
  libc6 libc6-dev linux-libc-dev libcrypt1 libcrypt-dev libgcc-s1 libstdc++6
  # XNNPACK (xnnpack.h includes pthreadpool.h; libXNNPACK.so NEEDs libcpuinfo.so.0).
  libxnnpack0 libxnnpack-dev libpthreadpool0 libpthreadpool-dev libcpuinfo0
  # FlatBuffers: headers and CMake config (its shared-library target checks the .so exists).
  libflatbuffers2 libflatbuffers-dev
  # GoogleTest and gmock (static libraries and CMake config).
  libgtest-dev libgmock-dev
)
if ((WITH_GLOG)); then
  PKGS+=(libgoogle-glog0v6 libgoogle-glog-dev libgflags2.2 libgflags-dev)
fi
readonly PKGS
# Files whose absence means the sysroot is incomplete, whatever the stamp says.
KEY_FILES=(
  lib/ld-linux-aarch64.so.1
  usr/include/xnnpack.h
  usr/include/pthreadpool.h
  usr/lib/aarch64-linux-gnu/libXNNPACK.so
  usr/lib/aarch64-linux-gnu/cmake/flatbuffers/FlatBuffersConfig.cmake
  usr/lib/aarch64-linux-gnu/cmake/GTest/GTestConfig.cmake
)
readonly STAMP="${SYSROOT}/.seam-sysroot-packages"

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  SUDO=(sudo)
fi
as_root() {
  if ((${#SUDO[@]} > 0)) && ! command -v sudo >/dev/null 2>&1; then
    die "need root to run '$*'; run as root or install sudo"
  fi
  "${SUDO[@]}" "$@"
}

# The sysroot is complete when the stamp lists every requested package and the
# key files are there.
sysroot_complete() {
  [[ -f "${STAMP}" ]] || return 1
  local f p
  for f in "${KEY_FILES[@]}"; do
    [[ -e "${SYSROOT}/${f}" ]] || return 1
  done
  for p in "${PKGS[@]}"; do
    grep -q "^${p} " "${STAMP}" || return 1
  done
}

is_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == 'install ok installed' ]]
}

# (Captured first: grep -q would close the pipe early and pipefail would see SIGPIPE.)
have_arm64_lists() {
  local policy
  policy="$(apt-cache policy libc6:arm64 2>/dev/null || true)"
  [[ "${policy}" == *"Candidate: "[0-9]* ]]
}

# Wait for other apt/dpkg runs (another build, unattended upgrades) instead of failing.
APT_OPTS=(-o DPkg::Lock::Timeout=600)

install_host_prerequisites() {
  if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    die "this script needs Debian's dpkg and apt-get (Debian 12 bookworm)"
  fi
  local need_update=0 missing=() p
  if [[ " $(dpkg --print-foreign-architectures | tr '\n' ' ') " != *" arm64 "* ]]; then
    step "adding the arm64 architecture to dpkg (package lists only; nothing arm64 is installed)"
    as_root dpkg --add-architecture arm64
    need_update=1
  fi
  for p in g++-aarch64-linux-gnu qemu-user-static flatbuffers-compiler cmake; do
    is_installed "${p}" || missing+=("${p}")
  done
  if ((need_update || ${#missing[@]} > 0)); then
    step "apt-get update (fetches the arm64 package lists too)"
    as_root apt-get "${APT_OPTS[@]}" update -q
  fi
  if ((${#missing[@]} > 0)); then
    step "installing host packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" install -y -q \
      --no-install-recommends "${missing[@]}"
  fi
}

# No arm64 candidate for libc6 means the arm64 package lists were never fetched
# (the architecture was added by hand without an update).
ensure_arm64_lists() {
  if ! have_arm64_lists; then
    step "apt-get update (the arm64 package lists are missing)"
    as_root apt-get "${APT_OPTS[@]}" update -q
  fi
  have_arm64_lists ||
    die "apt has no arm64 packages even after 'apt-get update'; check /etc/apt/sources.list.d"
}

# dpkg -x keeps Debian's absolute symlinks (e.g. usr/lib/aarch64-linux-gnu/libm.so ->
# /lib/aarch64-linux-gnu/libm.so.6), which would resolve against the HOST. Make
# every one relative to its place inside the sysroot.
rewrite_absolute_symlinks() {
  local link target count=0
  while IFS= read -r -d '' link; do
    target="$(readlink "${link}")"
    ln -sfn "$(realpath -m --relative-to="$(dirname "${link}")" "${SYSROOT}${target}")" "${link}"
    count=$((count + 1))
  done < <(find "${SYSROOT}" -type l -lname '/*' -print0)
  step "rewrote ${count} absolute symlinks as relative ones"
}

# Every shared library's NEEDED entries must resolve inside the sysroot, or the
# link (and qemu at run time) would fail later with a less clear message.
check_needed_closure() {
  local libdirs=("${SYSROOT}/lib/aarch64-linux-gnu" "${SYSROOT}/usr/lib/aarch64-linux-gnu")
  local missing=() lib needed d found
  while IFS= read -r -d '' lib; do
    while read -r needed; do
      found=0
      for d in "${libdirs[@]}" "${SYSROOT}/lib"; do
        [[ -e "${d}/${needed}" ]] && { found=1; break; }
      done
      ((found)) || missing+=("${lib#"${SYSROOT}"/} needs ${needed}")
    done < <(aarch64-linux-gnu-objdump -p "${lib}" 2>/dev/null | awk '$1 == "NEEDED" {print $2}')
  done < <(find "${libdirs[@]}" -maxdepth 1 -name '*.so*' -type f -print0)
  if ((${#missing[@]} > 0)); then
    printf '  %s\n' "${missing[@]}" >&2
    die "the sysroot's libraries need files no listed package provides; add their packages to PKGS"
  fi
}

build_sysroot() {
  local work start=${SECONDS}
  mkdir -p "${SYSROOT}" 2>/dev/null || as_root install -d -o "$(id -u)" -g "$(id -g)" "${SYSROOT}"
  [[ -w "${SYSROOT}" ]] || die "cannot write to ${SYSROOT}; pass a writable DIR"
  work="$(mktemp -d "${TMPDIR:-/tmp}/seam-arm64-debs.XXXXXX")"
  # shellcheck disable=SC2064  # expand now: the trap must remove this run's directory
  trap "rm -rf '${work}'" EXIT
  local specs=() p
  for p in "${PKGS[@]}"; do specs+=("${p}:arm64"); done
  step "downloading ${#PKGS[@]} arm64 packages"
  local sandbox=()
  # apt drops to user _apt for downloads, which cannot write a root-owned mktemp dir.
  [[ "$(id -u)" -ne 0 ]] || sandbox=(-o APT::Sandbox::User=root)
  (cd "${work}" && apt-get "${sandbox[@]}" download -q "${specs[@]}") ||
    die "apt-get download failed (network, or a package missing from the arm64 lists)"
  step "unpacking into ${SYSROOT}"
  local deb
  : >"${STAMP}.new"
  for deb in "${work}"/*.deb; do
    dpkg -x "${deb}" "${SYSROOT}" || die "dpkg -x failed on $(basename "${deb}")"
    # shellcheck disable=SC2016  # ${Package} is dpkg-deb's field syntax, not the shell's
    dpkg-deb -W --showformat='${Package} ${Version}\n' "${deb}" >>"${STAMP}.new"
  done
  rewrite_absolute_symlinks
  check_needed_closure
  local f
  for f in "${KEY_FILES[@]}"; do
    [[ -e "${SYSROOT}/${f}" ]] || die "${SYSROOT}/${f} is missing after unpacking"
  done
  # Merge with an earlier stamp, so a smaller request later still counts as complete.
  if [[ -f "${STAMP}" ]]; then cat "${STAMP}" >>"${STAMP}.new"; fi
  sort -u -o "${STAMP}" "${STAMP}.new"
  rm -f "${STAMP}.new" "${work}"/*.deb
  step "done in $((SECONDS - start)) s ($(du -sh "${SYSROOT}" | cut -f1))"
}

main() {
  install_host_prerequisites
  # One builder at a time per sysroot (two CI clones on one machine share it).
  mkdir -p "$(dirname "${SYSROOT}")" 2>/dev/null || as_root mkdir -p "$(dirname "${SYSROOT}")"
  local lock="${SYSROOT}.lock"
  if [[ -w "$(dirname "${SYSROOT}")" ]]; then
    exec 9>"${lock}"
    flock 9
  fi
  if sysroot_complete; then
    step "${SYSROOT} is complete (${#PKGS[@]} packages); nothing to do"
    return
  fi
  ensure_arm64_lists
  build_sysroot
}

main
