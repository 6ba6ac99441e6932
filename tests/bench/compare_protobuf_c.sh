#!/bin/sh
# Reproduces the measurement behind the loader's design (src/onnx/wire.c): protobuf-c's unpack
# against tinyrt's own reader on the same model, each in fresh processes (first load) and best
# of N within one process. Generated protobuf-c code goes to a temporary folder, never the repo.
# Usage: tests/bench/compare_protobuf_c.sh MODEL [BUILD_DIR (Release, default build)] [N]
set -eu
model=$1
build=${2:-build}
n=${3:-20}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp /usr/include/onnx/onnx.proto "$tmp/"
(cd "$tmp" && protoc-c --c_out=. onnx.proto)
cc -O3 -I"$tmp" -o "$tmp/pbc_unpack" "$here/pbc_unpack.c" "$tmp/onnx.pb-c.c" -lprotobuf-c
echo "# $model, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## first load in 10 fresh processes (min / median / max, ms)"
for tool in "$tmp/pbc_unpack" "$build/tests/bench_loader"; do
  for i in 1 2 3 4 5 6 7 8 9 10; do "$tool" "$model" 1 | tail -1; done |
    sed 's/.*first \([0-9.]*\) ms.*/\1/' | sort -n |
    awk -v t="$(basename "$tool")" '{v[NR]=$1} END {printf "%-14s %.2f / %.2f / %.2f\n", t, v[1], v[int((NR+1)/2)], v[NR]}'
done
echo "## best of $n in one process"
"$tmp/pbc_unpack" "$model" "$n"
"$build/tests/bench_loader" "$model" "$n" | tail -1
