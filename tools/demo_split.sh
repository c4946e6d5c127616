#!/usr/bin/env bash
# demo_split.sh: seam's main job on one machine. A server and an edge process
# split a zoo model over loopback TCP; the link between them is emulated and
# its bandwidth follows a trace (4G -> 3G -> CAT1 -> WiFi, DADS Table I). The
# adaptive edge (dads-light) is run first, then edge-only and server-only over
# the same trace, and a table compares their latency in each phase.
#
#   bash tools/demo_split.sh [BUILD_DIR]     (quickstart.sh demo calls this)
#
# Environment: MODEL (zoo name, default mobilenet_v2), PHASE_S (seconds per
# link phase, default 8), RATE (frames/s, default 2), SLOWDOWN (how many times
# slower than this machine the emulated edge device is, default 30; a
# Raspberry-Pi-class device against a server). A frame waits at most 3 s for
# the server, then finishes on the edge (as any deployed policy would).
set -euo pipefail

readonly BUILD_DIR="${1:-build}"
readonly SEAM="${BUILD_DIR}/tools/seam"
readonly MODEL_NAME="${MODEL:-mobilenet_v2}"
readonly PHASE_S="${PHASE_S:-8}"
readonly RATE="${RATE:-2}"
readonly SLOWDOWN="${SLOWDOWN:-30}"
readonly WORK="$(mktemp -d /tmp/seam-demo.XXXXXX)"
readonly PORT="${PORT:-$((20000 + RANDOM % 20000))}"
readonly ENDPOINT="tcp://127.0.0.1:${PORT}"
SERVER_PID=""

cleanup() {
  if [[ -n "${SERVER_PID}" ]]; then kill "${SERVER_PID}" 2>/dev/null || true; wait "${SERVER_PID}" 2>/dev/null || true; fi
  rm -rf "${WORK}"
}
trap cleanup EXIT

step() { echo "==> $*"; }

model="${WORK}/${MODEL_NAME}.seam"
step "building the ${MODEL_NAME} zoo model"
"${SEAM}" zoo build "${MODEL_NAME}" -o "${model}"

trace="${WORK}/link.csv"
cat >"${trace}" <<TRACE
time_s,bandwidth_mbps,rtt_ms
0,5.85,50
${PHASE_S},1.1,100
$((2 * PHASE_S)),0.13,100
$((3 * PHASE_S)),18.88,10
TRACE
frames=$(python3 -c "import sys; print(max(1, round(4 * float(sys.argv[1]) * float(sys.argv[2]))))" "${PHASE_S}" "${RATE}")
step "link trace: 4G (5.85 Mbit/s) -> 3G (1.1) -> CAT1 (0.13) -> WiFi (18.88), ${PHASE_S} s each"

step "starting the server on ${ENDPOINT}"
"${SEAM}" serve "${model}" --bind "${ENDPOINT}" --workers 2 >"${WORK}/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  grep -q '^serving' "${WORK}/server.log" && break
  kill -0 "${SERVER_PID}" 2>/dev/null || { cat "${WORK}/server.log"; exit 1; }
  sleep 0.2
done
cat "${WORK}/server.log"

run_edge() {  # run_edge POLICY: one pass over the trace, JSON lines to WORK/POLICY.jsonl
  local policy="$1"
  "${SEAM}" edge "${model}" --connect "${ENDPOINT}" --policy "${policy}" --link "trace:${trace}" \
    --synthetic "${frames}" --rate "${RATE}" --edge-slowdown "${SLOWDOWN}" --max-timeout-ms 3000 --verify --json \
    >"${WORK}/${policy}.jsonl"
}

step "adaptive edge (dads-light): ${frames} frames at ${RATE}/s; the cut follows the link"
run_edge dads-light
python3 - "${WORK}/dads-light.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "recut":
        print(f"  frame {e['from_frame']:4d}: re-cut {e['from']} -> {e['to']}  ({e['reason']})")
    elif e["event"] == "notice":
        print(f"  note: {e['message']}")
PY
step "edge-only and server-only over the same trace, for comparison"
run_edge edge-only
run_edge server-only

python3 - "${WORK}" "${PHASE_S}" "${RATE}" <<'PY'
import json, statistics, sys
work, phase_s, rate = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
phases = ["4G", "3G", "CAT1", "WiFi"]
def load(policy):
    frames, summary = [], None
    for line in open(f"{work}/{policy}.jsonl"):
        e = json.loads(line)
        if e["event"] == "frame": frames.append(e)
        elif e["event"] == "summary": summary = e
    return frames, summary
runs = {p: load(p) for p in ("dads-light", "edge-only", "server-only")}
print()
print(f"{'phase':<6} {'adaptive (ms)':>14} {'edge-only (ms)':>15} {'server-only (ms)':>17}   adaptive cut (most frames)")
for i, name in enumerate(phases):
    row = []
    for p in ("dads-light", "edge-only", "server-only"):
        lat = [f["latency_ms"] for f in runs[p][0] if int(f["frame"] / rate // phase_s) == i]
        row.append(statistics.median(lat) if lat else float("nan"))
    cuts = [f["cut"] for f in runs["dads-light"][0] if int(f["frame"] / rate // phase_s) == i]
    common = max(set(cuts), key=cuts.count) if cuts else "-"
    print(f"{name:<6} {row[0]:14.1f} {row[1]:15.1f} {row[2]:17.1f}   {common}")
print("(median latency per phase, from frame release to output; frames released at a fixed rate,")
print(" so a policy that falls behind the rate accumulates queueing delay)")
for p, (_, s) in runs.items():
    print(f"{p:<12} frames {s['frames']}/{s['expected_frames']}, lost {s['lost']}, re-cuts {s['recuts']}, "
          f"finished locally {s['fallbacks']}, outputs identical to the full model: {s['verified'] - s['mismatches']}/{s['verified']}")
PY
