#!/usr/bin/env bash
# Two tinyrt binaries' batching servers side by side, with `tinyrt loadgen` runs alternating
# between them, so that drift in a shared machine's speed hits both alike. Prints each run.
#
#   bench/serve_ab.sh OLD NEW [SEQ (128 or a range 16-256)] [ROUNDS (3)]
#
# Both servers: runtime threads 2, max batch 16, delay 2 ms; loadgen at concurrency 32 for 8 s.
# Timing only, nothing asserted.
set -euo pipefail
OLD=$1 NEW=$2 SEQ=${3:-128} ROUNDS=${4:-3}
MODEL=models/bert-tiny/model.onnx
cd "$(dirname "$0")/.."
LOADGEN=$NEW
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait' EXIT
start() { # start BINARY LOG: prints the port
  "$1" serve "$MODEL" --host 127.0.0.1 --port 0 --model-name bert --threads 2 --http-threads 1 \
    --max-batch 16 --max-queue-delay-us 2000 --max-queue 1024 > "$2" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    local p
    p=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$2")
    if [ -n "$p" ]; then echo "$p"; return 0; fi
    sleep 0.1
  done
  echo "serve_ab: $1 did not start" >&2
  return 1
}
TMP=$(mktemp -d)
PO=$(start "$OLD" "$TMP/old.log")
PN=$(start "$NEW" "$TMP/new.log")
for r in $(seq 1 "$ROUNDS"); do
  for side in old:$PO new:$PN; do
    name=${side%%:*} port=${side#*:}
    "$LOADGEN" loadgen "http://127.0.0.1:$port" --model bert --concurrency 32 --duration 8 \
      --warmup 2 --seq-len "$SEQ" --json > "$TMP/$name.json"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%s round %s: %.0f infer/s, p50 %.1f ms, p99 %.1f ms, %d failed" % (sys.argv[2], sys.argv[3], d["throughput_infer_per_s"], d["latency_ms"]["p50"], d["latency_ms"]["p99"], d["failed"]))' \
      "$TMP/$name.json" "$name" "$r"
  done
done
rm -rf "$TMP"
