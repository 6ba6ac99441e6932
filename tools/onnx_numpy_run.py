#!/usr/bin/python3
"""Evaluate an exported ONNX graph node by node with numpy and compare it against a reference case.

This is a check of the export, not of tinyrt: PyTorch computes the references by running the
torch module, while tinyrt runs the ONNX graph the tracer produced. If the two disagreed (a shape
frozen into a constant during tracing, a mask built differently) tinyrt would be blamed for it.
Running the graph itself with an independent, plain interpreter shows the graph and the
references agree. It covers exactly the ops these BERT exports contain (onnx 1.12 has no
reference evaluator and there is no onnxruntime here).

    onnx_numpy_run.py models/bert-tiny/model.onnx models/bert-tiny/refs/b4_s37_pad [--float64]
"""

import argparse
import math
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

_erf = np.frompyfunc(math.erf, 1, 1)


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def to_dtype(onnx_type, float_type):
    np_type = onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[onnx_type]
    return float_type if np_type == np.float32 else np_type


def axes_of(node, ins, a):
    if len(ins) > 1 and ins[1] is not None:
        return [int(x) for x in ins[1]]
    return list(a.get("axes", []))


def run_node(node, ins, a, ft):
    op = node.op_type
    x = ins[0] if ins else None
    if op == "Constant":
        return numpy_helper.to_array(a["value"]).astype(
            to_dtype(a["value"].data_type, ft), copy=False)
    if op in ("Add", "Sub", "Mul", "Div", "Pow", "Equal"):
        y = ins[1]
        if op == "Add":
            return x + y
        if op == "Sub":
            return x - y
        if op == "Mul":
            return x * y
        if op == "Div":
            return x // y if np.issubdtype(x.dtype, np.integer) else x / y
        if op == "Pow":
            return np.power(x, y.astype(x.dtype))
        return x == y
    if op == "Sqrt":
        return np.sqrt(x)
    if op == "Erf":
        return _erf(x.astype(np.float64)).astype(x.dtype)
    if op == "Tanh":
        return np.tanh(x)
    if op == "MatMul":
        return np.matmul(x, ins[1])
    if op == "Gemm":
        A = x.T if a.get("transA", 0) else x
        B = ins[1].T if a.get("transB", 0) else ins[1]
        y = a.get("alpha", 1.0) * (A @ B)
        if len(ins) > 2 and ins[2] is not None:
            y = y + a.get("beta", 1.0) * ins[2]
        return y.astype(x.dtype)
    if op == "Gather":
        axis = a.get("axis", 0)
        idx = ins[1].astype(np.int64)
        idx = np.where(idx < 0, idx + x.shape[axis], idx)
        return np.take(x, idx, axis=axis)
    if op == "Unsqueeze":
        out = x
        axes = axes_of(node, ins, a)
        rank = x.ndim + len(axes)
        for ax in sorted(ax % rank for ax in axes):
            out = np.expand_dims(out, ax)
        return out
    if op == "Squeeze":
        axes = axes_of(node, ins, a)
        return np.squeeze(x, axis=tuple(axes)) if axes else np.squeeze(x)
    if op == "Shape":
        shape = np.array(x.shape, dtype=np.int64)
        return shape[a.get("start", 0):a.get("end", len(shape))]
    if op == "Concat":
        return np.concatenate(ins, axis=a["axis"])
    if op == "Reshape":
        shape = [int(s) for s in ins[1]]
        if not a.get("allowzero", 0):
            shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
        return x.reshape(shape)
    if op == "Transpose":
        return np.transpose(x, a.get("perm"))
    if op == "ReduceMean":
        axes = axes_of(node, ins, a)
        return np.mean(x, axis=tuple(axes) if axes else None,
                       keepdims=bool(a.get("keepdims", 1))).astype(x.dtype)
    if op == "Softmax":
        axis = a.get("axis", -1)
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        return e / np.sum(e, axis=axis, keepdims=True)
    if op == "Cast":
        return x.astype(to_dtype(a["to"], ft))
    if op == "Slice":
        starts, ends = ins[1], ins[2]
        axes = ins[3] if len(ins) > 3 and ins[3] is not None else range(len(starts))
        steps = ins[4] if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
        sl = [slice(None)] * x.ndim
        for s, e, ax, st in zip(starts, ends, axes, steps):
            sl[int(ax)] = slice(int(s), int(e), int(st))
        return x[tuple(sl)]
    if op == "Where":
        return np.where(x, ins[1], ins[2])
    if op == "Expand":
        shape = np.broadcast_shapes(x.shape, tuple(int(s) for s in ins[1]))
        return np.broadcast_to(x, shape).copy()
    if op == "ConstantOfShape":
        val = a.get("value")
        v = numpy_helper.to_array(val) if val is not None else np.zeros(1, np.float32)
        return np.full([int(s) for s in x], v.reshape(-1)[0],
                       dtype=v.dtype if v.dtype != np.float32 else ft)
    if op == "LayerNormalization":
        axis = a.get("axis", -1) % x.ndim
        red = tuple(range(axis, x.ndim))
        mean = np.mean(x, axis=red, keepdims=True)
        var = np.mean((x - mean) ** 2, axis=red, keepdims=True)
        y = (x - mean) / np.sqrt(var + a.get("epsilon", 1e-5)) * ins[1]
        return y + ins[2] if len(ins) > 2 and ins[2] is not None else y
    if op == "Identity":
        return x
    raise NotImplementedError(f"op {op} (node {node.name}) is not in this evaluator")


def run_model(model, feeds, float64=False):
    ft = np.float64 if float64 else np.float32
    env = {}
    for t in model.graph.initializer:
        env[t.name] = numpy_helper.to_array(t).astype(to_dtype(t.data_type, ft), copy=False)
    env.update(feeds)
    for node in model.graph.node:
        ins = [env[n] if n else None for n in node.input]
        out = run_node(node, ins, attrs(node), ft)
        if isinstance(out, np.ndarray) and out.dtype == np.float32 and ft == np.float64:
            out = out.astype(np.float64)
        env[node.output[0]] = np.asarray(out)
    return {o.name: env[o.name] for o in model.graph.output}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("case_dir", help="a refs/<case> directory with inputs and expected outputs")
    ap.add_argument("--float64", action="store_true", help="evaluate float tensors in float64")
    args = ap.parse_args(argv)
    model = onnx.load(args.model)
    feeds = {}
    for vi in model.graph.input:
        path = os.path.join(args.case_dir, vi.name + ".npy")
        if os.path.exists(path):
            feeds[vi.name] = np.load(path)
    outs = run_model(model, feeds, args.float64)
    worst = 0.0
    for name, arr in outs.items():
        ref = np.load(os.path.join(args.case_dir, name + ".npy"))
        if ref.shape != arr.shape:
            print(f"{name}: shape {arr.shape} but reference has {ref.shape}")
            return 1
        err = float(np.max(np.abs(arr.astype(np.float64) - ref)))
        worst = max(worst, err)
        print(f"{name}: max abs diff {err:.3g}")
    return 0 if worst <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
