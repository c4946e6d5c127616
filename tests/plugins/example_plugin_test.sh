#!/usr/bin/env bash
# Builds examples/policy-plugin out of tree against an installed seam package
# (find_package(seam)), then loads the plugin into the real `seam plan`.
# Usage: example_plugin_test.sh BUILD_DIR SEAM_CLI SOURCE_DIR
set -euo pipefail
build_dir=$1 seam=$2 source_dir=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >"$work/install.log"
cmake -S "$source_dir/examples/policy-plugin" -B "$work/example" \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release >"$work/configure.log"
cmake --build "$work/example" >"$work/build.log"
plugin="$work/example/seam_policy_min_transfer.so"
test -f "$plugin" || { echo "plugin was not built"; exit 1; }
# Only the entry point is exported.
exported=$(nm -D --defined-only "$plugin" | awk '{print $3}' | sort -u)
[[ "$exported" == "seam_plugin_query" ]] || { echo "unexpected exports: $exported"; exit 1; }

cd "$work"
"$seam" zoo build lenet5 -o lenet5.seam >/dev/null
"$seam" profile lenet5.seam --runs 2 -o edge.json >/dev/null 2>&1
"$seam" profile lenet5.seam --runs 2 -o server.json >/dev/null 2>&1
out=$("$seam" plan lenet5.seam --policy "$plugin" --edge-profile edge.json \
  --server-profile server.json --bandwidth 5.85Mbit --rtt 30ms --json)
echo "$out"
grep -q '"policy": "min-transfer"' <<<"$out" || { echo "plugin did not plan"; exit 1; }
grep -q '"reason": "fewest bytes' <<<"$out" || { echo "unexpected reason"; exit 1; }
echo "example plugin built against the installed package and loaded: ok"
