#!/usr/bin/python3
"""Lists the ONNX backend node test cases (from Debian's libonnx-testdata) that exercise the ops
tinyrt implements, minus the committed exclusions (tests/node_excluded/*.txt: `case reason`).

A case is in scope when its graph contains at least one op of OPS. Cases that also contain ops
outside OPS are in scope too: they must pass or be excluded with a reason.

usage: node_cases.py DATA_DIR EXCLUDED_DIR [--excluded]   (--excluded lists the excluded ones)
"""
import os
import sys

import onnx

OPS = {
    "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Erf", "Tanh", "Exp", "Log", "Neg", "Relu",
    "Sigmoid", "MatMul", "Gemm", "Softmax", "ReduceMean", "ReduceSum", "Gather", "Shape", "Size",
    "Unsqueeze", "Squeeze", "Concat", "Reshape", "Transpose", "Slice", "Split", "Cast", "Equal",
    "Less", "Greater", "Not", "Where", "Expand", "ConstantOfShape", "Constant", "Identity",
    "Range", "Clip", "LayerNormalization",
}


def excluded(excl_dir):
    out = {}
    if not os.path.isdir(excl_dir):
        return out
    for fn in sorted(os.listdir(excl_dir)):
        if not fn.endswith(".txt"):
            continue
        with open(os.path.join(excl_dir, fn)) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                case, _, reason = line.partition(" ")
                if not reason.strip():
                    sys.exit(f"{fn}: '{case}' has no reason")
                out[case] = reason.strip()
    return out


def main():
    data, excl_dir = sys.argv[1], sys.argv[2]
    want_excluded = "--excluded" in sys.argv
    excl = excluded(excl_dir)
    for case in sorted(os.listdir(data)):
        path = os.path.join(data, case, "model.onnx")
        if not os.path.exists(path):
            continue
        try:
            m = onnx.load(path, load_external_data=False)
        except Exception:
            continue
        ops = {n.op_type for n in m.graph.node}
        if not ops & OPS:
            continue
        if (case in excl) == want_excluded:
            print(case)


if __name__ == "__main__":
    main()
