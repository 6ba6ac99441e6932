#!/usr/bin/env bash
# Runs one reference case of a BERT export through `tinyrt run` and compares the outputs with the
# PyTorch references.
# usage: run_model_case.sh TINYRT SOURCE_DIR MODEL_DIR CASE ATOL [tinyrt run options...]
set -euo pipefail
tinyrt=$1 src=$2 dir=$3 case=$4 atol=$5
shift 5
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
refs=$dir/refs/$case
args=()
for name in input_ids attention_mask token_type_ids; do
  if [ -f "$refs/$name.npy" ]; then args+=(--input "$name=$refs/$name.npy"); fi
done
"$tinyrt" run "$dir/model.onnx" "${args[@]}" --output-dir "$out" --quiet "$@"
real_only=()
for a in "$@"; do
  if [ "$a" = --remove-padding ]; then real_only=(--real-only "$refs/attention_mask.npy"); fi
done
/usr/bin/python3 "$src/tools/compare_npy.py" --dirs "$refs" "$out" --atol "$atol" \
  --names last_hidden_state,pooler_output "${real_only[@]}"
