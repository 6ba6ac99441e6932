#!/usr/bin/env bash
# `make bench-serve`: the serving targets of the serving issue, measured with `tinyrt loadgen`
# against `tinyrt serve` on a loopback port, printed as a table with the figures.
#
#   bench/serve_bench.sh [TINYRT [MODEL]]
#
# Knobs (environment): DURATION (s per throughput run, default 15), SOAK (s, default 60),
# THREADS (runtime threads, default 2), MAX_BATCH (default 16: two batches in flight at
# concurrency 32), DELAY_US (default 2000),
# HTTP_THREADS (default 1), SEQ (default 128).
set -euo pipefail

TINYRT=${1:-build/tinyrt}
MODEL=${2:-models/bert-tiny/model.onnx}
DURATION=${DURATION:-15}
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
cleanup() { if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -TERM "$PID"; wait "$PID" || true; fi; }
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
     "$MAX_BATCH, delay ${DELAY_US} us, s$SEQ; $DURATION s per run, $SOAK s soak" >&2

echo "bench-serve: [1/4] batching on, concurrency 32" >&2
start_server batching
loadgen "$OUT/c32_batching.json" --concurrency 32 --duration "$DURATION" --warmup 3 --seq-len "$SEQ"
BATCH_PORT=$PORT
BATCH_PID=$PID

echo "bench-serve: [2/4] --no-batching, concurrency 32" >&2
PID=""
start_server nobatching --no-batching
loadgen "$OUT/c32_nobatching.json" --concurrency 32 --duration "$DURATION" --warmup 3 --seq-len "$SEQ"

echo "bench-serve: [3/4] mixed s16-s256 at concurrency 32: batched vs unbatched" >&2
python3 "$HERE/serve_compare.py" "http://127.0.0.1:$BATCH_PORT" "http://127.0.0.1:$PORT" \
  --model bert --requests 256 --concurrency 32 --seq 16-256 > "$OUT/mixed.json" || true
curl -s "http://127.0.0.1:$BATCH_PORT/metrics" > "$OUT/batching_metrics.txt" || true
stop_server
PID=$BATCH_PID
stop_server

echo "bench-serve: [4/4] soak at concurrency 64 for $SOAK s" >&2
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

python3 - "$OUT" "$RSS0" "$RSS1" "$SOAK" <<'EOF'
import json, sys
out, rss0, rss1, soak = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def load(name):
    try:
        with open("%s/%s" % (out, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

b, n, m, s = (load(x) for x in ("c32_batching.json", "c32_nobatching.json", "mixed.json",
                                "soak.json"))
rows = []

def row(name, target, measured, ok):
    rows.append((name, target, measured, "PASS" if ok else "FAIL"))

if b and n:
    ratio = b["throughput_infer_per_s"] / max(n["throughput_infer_per_s"], 1e-9)
    row("throughput at concurrency 32, batching on", ">= 1.5x --no-batching",
        "%.0f vs %.0f infer/s = %.2fx (avg batch %.1f rows)" % (
            b["throughput_infer_per_s"], n["throughput_infer_per_s"], ratio,
            b.get("server", {}).get("avg_batch_rows", 0)),
        ratio >= 1.5 and b["failed"] == 0 and n["failed"] == 0)
else:
    row("throughput at concurrency 32, batching on", ">= 1.5x --no-batching", "no result", False)
if b:
    row("p99 latency at concurrency 32", "<= 50 ms",
        "%.1f ms (p50 %.1f, p95 %.1f; --no-batching p99 %s)" % (
            b["latency_ms"]["p99"], b["latency_ms"]["p50"], b["latency_ms"]["p95"],
            "%.1f ms" % n["latency_ms"]["p99"] if n else "?"),
        b["latency_ms"]["p99"] <= 50 and b["failed"] == 0)
else:
    row("p99 latency at concurrency 32", "<= 50 ms", "no result", False)
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
