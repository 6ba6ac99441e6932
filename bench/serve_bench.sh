#!/usr/bin/env bash
# `make bench-serve`: the serving targets of the serving issue, measured with `tinyrt loadgen`
# against `tinyrt serve` on a loopback port, printed as a table with the figures.
#
#   bench/serve_bench.sh [TINYRT [MODEL]]
#
# Knobs (environment): DURATION (s per throughput run, default 8), ROUNDS (alternating
# batching / --no-batching throughput runs, default 3), SOAK (s, default 60),
# THREADS (runtime threads, default 2), MAX_BATCH (default 16: two batches in flight at
# concurrency 32), DELAY_US (default 2000),
# HTTP_THREADS (default 1), SEQ (default 128).
set -euo pipefail

TINYRT=${1:-build/tinyrt}
MODEL=${2:-models/bert-tiny/model.onnx}
DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-3}
SOAK=${SOAK:-60}
THREADS=${THREADS:-2}
MAX_BATCH=${MAX_BATCH:-16}
DELAY_US=${DELAY_US:-2000}
HTTP_THREADS=${HTTP_THREADS:-1}
SEQ=${SEQ:-128}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=build/bench-serve
mkdir -p "$OUT"

[ -x "$TINYRT" ] || { echo "bench-serve: $TINYRT not built (make build)" >&2; exit 1; }
[ -f "$MODEL" ] || { echo "bench-serve: no model at $MODEL" >&2; exit 1; }

PID=""
PORT=""
B_PID=""
N_PID=""
cleanup() {
  for p in "$PID" "$B_PID" "$N_PID"; do
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then kill -TERM "$p"; wait "$p" || true; fi
  done
}
trap cleanup EXIT

# start_server NAME [serve options...]: starts the server on a free loopback port.
start_server() {
  local name=$1
  shift
  "$TINYRT" serve "$MODEL" --host 127.0.0.1 --port 0 --model-name bert --threads "$THREADS" \
    --http-threads "$HTTP_THREADS" --max-batch "$MAX_BATCH" --max-queue-delay-us "$DELAY_US" \
    --max-queue 1024 "$@" > "$OUT/$name.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 600); do
    PORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$OUT/$name.log")
    [ -n "$PORT" ] && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench-serve: the $name server did not start:" >&2
  cat "$OUT/$name.log" >&2
  exit 1
}

stop_server() {
  kill -TERM "$PID"
  local rc=0
  wait "$PID" || rc=$?
  PID=""
  [ "$rc" -eq 0 ] || echo "bench-serve: warning: server exited with $rc" >&2
}

loadgen() { # loadgen OUTFILE [options...]
  local out=$1
  shift
  "$TINYRT" loadgen "http://127.0.0.1:$PORT" --model bert --json "$@" > "$out" || true
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

echo "bench-serve: $MODEL, runtime threads $THREADS, http threads $HTTP_THREADS, max batch" \
     "$MAX_BATCH, delay ${DELAY_US} us, s$SEQ; $ROUNDS x $DURATION s per server, $SOAK s soak" >&2

# Both servers run side by side and the throughput runs alternate between them, so that drift in
# the machine's load (it is shared) hits both alike; the table shows the median round.
start_server batching
B_PID=$PID
B_PORT=$PORT
PID=""
start_server nobatching --no-batching
N_PID=$PID
N_PORT=$PORT
PID=""
for r in $(seq 1 "$ROUNDS"); do
  echo "bench-serve: [1/3] round $r/$ROUNDS at concurrency 32: batching on, then --no-batching" >&2
  PORT=$B_PORT loadgen "$OUT/c32_batching_$r.json" --concurrency 32 --duration "$DURATION" \
    --warmup 2 --seq-len "$SEQ"
  PORT=$N_PORT loadgen "$OUT/c32_nobatching_$r.json" --concurrency 32 --duration "$DURATION" \
    --warmup 2 --seq-len "$SEQ"
done

echo "bench-serve: [2/3] mixed s16-s256 at concurrency 32: throughput, then batched vs unbatched" >&2
PORT=$B_PORT loadgen "$OUT/mixed_batching.json" --concurrency 32 --duration "$DURATION" \
  --warmup 2 --seq-len 16-256
PORT=$N_PORT loadgen "$OUT/mixed_nobatching.json" --concurrency 32 --duration "$DURATION" \
  --warmup 2 --seq-len 16-256
python3 "$HERE/serve_compare.py" "http://127.0.0.1:$B_PORT" "http://127.0.0.1:$N_PORT" \
  --model bert --requests 256 --concurrency 32 --seq 16-256 > "$OUT/mixed.json" || true
curl -s "http://127.0.0.1:$B_PORT/metrics" > "$OUT/batching_metrics.txt" || true
PID=$N_PID
N_PID=""
stop_server
PID=$B_PID
B_PID=""
stop_server

echo "bench-serve: [3/3] soak at concurrency 64 for $SOAK s" >&2
start_server soak
WARM=10
"$TINYRT" loadgen "http://127.0.0.1:$PORT" --model bert --json --concurrency 64 \
  --duration "$SOAK" --warmup "$WARM" --seq-len "$SEQ" > "$OUT/soak.json" &
LG=$!
sleep "$WARM"
sleep 1
RSS0=$(rss_kb "$PID")
wait "$LG" || true
RSS1=$(rss_kb "$PID")
stop_server

python3 - "$OUT" "$RSS0" "$RSS1" "$SOAK" "$ROUNDS" <<'EOF'
import json, sys
out, rss0, rss1, soak = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rounds = int(sys.argv[5])

def load(name):
    try:
        with open("%s/%s" % (out, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

m, s = load("mixed.json"), load("soak.json")
pairs = [(load("c32_batching_%d.json" % r), load("c32_nobatching_%d.json" % r))
         for r in range(1, rounds + 1)]
pairs = [(b, n) for b, n in pairs if b and n]
rows = []

def row(name, target, measured, ok):
    rows.append((name, target, measured, "PASS" if ok else "FAIL"))

def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else float("nan")

if pairs:
    ratios = [b["throughput_infer_per_s"] / max(n["throughput_infer_per_s"], 1e-9) for b, n in pairs]
    b, n = pairs[sorted(range(len(ratios)), key=lambda i: ratios[i])[len(ratios) // 2]]
    ratio = median(ratios)
    failed = sum(b["failed"] + n["failed"] for b, n in pairs)
    row("throughput at concurrency 32, batching on", ">= 1.5x --no-batching",
        "%.0f vs %.0f infer/s = %.2fx (median of %s; avg batch %.1f rows)" % (
            b["throughput_infer_per_s"], n["throughput_infer_per_s"], ratio,
            "/".join("%.2fx" % x for x in ratios), b.get("server", {}).get("avg_batch_rows", 0)),
        ratio >= 1.5 and failed == 0)
    p99s = [b["latency_ms"]["p99"] for b, _ in pairs]
    p99 = median(p99s)
    row("p99 latency at concurrency 32", "<= 50 ms",
        "%.1f ms (median of %s; p50 %.1f; --no-batching p99 %.1f ms)" % (
            p99, "/".join("%.0f" % x for x in p99s), median([b["latency_ms"]["p50"] for b, _ in pairs]),
            median([n["latency_ms"]["p99"] for _, n in pairs])),
        p99 <= 50 and failed == 0)
else:
    row("throughput at concurrency 32, batching on", ">= 1.5x --no-batching", "no result", False)
    row("p99 latency at concurrency 32", "<= 50 ms", "no result", False)
mb, mn = load("mixed_batching.json"), load("mixed_nobatching.json")
if mb and mn:
    rows.append(("throughput, mixed s16-s256 at concurrency 32", "(no target)",
                 "%.0f vs %.0f infer/s = %.2fx --no-batching (p99 %.1f vs %.1f ms)" % (
                     mb["throughput_infer_per_s"], mn["throughput_infer_per_s"],
                     mb["throughput_infer_per_s"] / max(mn["throughput_infer_per_s"], 1e-9),
                     mb["latency_ms"]["p99"], mn["latency_ms"]["p99"]),
                 "info" if mb["failed"] == 0 and mn["failed"] == 0 else "FAIL"))
if m:
    row("mixed lengths s16-s256 at concurrency 32", "batched == unbatched within 1e-5",
        "max abs diff %.2g over %d requests, %d failed" % (m["max_abs_diff"], m["requests"],
                                                            m["failures"]),
        m["failures"] == 0 and m["max_abs_diff"] <= 1e-5)
else:
    row("mixed lengths s16-s256 at concurrency 32", "batched == unbatched within 1e-5",
        "no result", False)
growth = (rss1 - rss0) / rss0 * 100 if rss0 else float("inf")
if s:
    row("%s s soak at concurrency 64" % soak, "0 failed, RSS grows <= 5% after warm-up",
        "%d failed of %d; RSS %.1f -> %.1f MB (%+.1f%%); %.0f infer/s, p99 %.1f ms" % (
            s["failed"], s["requests"] + s["failed"], rss0 / 1024, rss1 / 1024, growth,
            s["throughput_infer_per_s"], s["latency_ms"]["p99"]),
        s["failed"] == 0 and s["requests"] > 0 and growth <= 5)
else:
    row("%s s soak at concurrency 64" % soak, "0 failed, RSS grows <= 5%", "no result", False)

w = [max(len(r[i]) for r in rows + [("row", "target", "measured", "result")]) for i in range(4)]
line = lambda r: "| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(r)) + " |"
print(line(("row", "target", "measured", "result")))
print("|" + "|".join("-" * (x + 2) for x in w) + "|")
for r in rows:
    print(line(r))
EOF
