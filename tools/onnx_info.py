#!/usr/bin/python3
"""Describe an ONNX model: checker verdict, inputs/outputs with symbolic dims, node count by op
type, parameter count, file size, and where each initializer's raw_data lies in the file.

The byte offsets come from walking the protobuf wire format directly (the onnx package does not
expose them); they tell whether a loader that uses tensor data in place from a memory map will
find float data 4-byte aligned.

    onnx_info.py models/bert-tiny/model.onnx [--offsets] [--markdown]
"""

import argparse
import collections
import os
import sys

import numpy as np
import onnx

# Field numbers from onnx.proto (ModelProto.graph, GraphProto.initializer, TensorProto.*).
MODEL_GRAPH = 7
GRAPH_NODE = 1
GRAPH_INITIALIZER = 5
NODE_ATTRIBUTE = 5
ATTRIBUTE_T = 5
TENSOR_DATA_TYPE = 2
TENSOR_NAME = 8
TENSOR_RAW_DATA = 9


def read_varint(buf, pos, end):
    value, shift = 0, 0
    while True:
        if pos >= end or shift > 63:
            raise ValueError(f"bad varint at offset {pos}")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def fields(buf, pos, end):
    """Yield (field number, wire type, value or (start, length)) for each field in buf[pos:end]."""
    while pos < end:
        key, pos = read_varint(buf, pos, end)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, pos = read_varint(buf, pos, end)
            yield num, wt, val
        elif wt == 1:
            yield num, wt, (pos, 8)
            pos += 8
        elif wt == 2:
            n, pos = read_varint(buf, pos, end)
            if pos + n > end:
                raise ValueError(f"field {num} at offset {pos} runs past its message")
            yield num, wt, (pos, n)
            pos += n
        elif wt == 5:
            yield num, wt, (pos, 4)
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wt} at offset {pos}")
        if pos > end:
            raise ValueError("message overruns its bounds")


def tensor_raw(buf, tstart, tlen):
    name, dtype, raw = None, None, None
    for tnum, twt, tval in fields(buf, tstart, tstart + tlen):
        if tnum == TENSOR_NAME and twt == 2:
            name = bytes(buf[tval[0]:tval[0] + tval[1]]).decode("utf-8", "replace")
        elif tnum == TENSOR_DATA_TYPE and twt == 0:
            dtype = tval
        elif tnum == TENSOR_RAW_DATA and twt == 2:
            raw = tval
    return (name, dtype, raw[0] if raw else None, raw[1] if raw else 0)


def tensor_offsets(buf):
    """Two lists of (name, data_type, raw_data file offset or None, raw_data length): the graph's
    initializers, and the tensors held in node attributes (Constant values)."""
    inits, consts = [], []
    for num, wt, val in fields(buf, 0, len(buf)):
        if num != MODEL_GRAPH or wt != 2:
            continue
        gstart, glen = val
        for gnum, gwt, gval in fields(buf, gstart, gstart + glen):
            if gnum == GRAPH_INITIALIZER and gwt == 2:
                inits.append(tensor_raw(buf, *gval))
            elif gnum == GRAPH_NODE and gwt == 2:
                for nnum, nwt, nval in fields(buf, gval[0], gval[0] + gval[1]):
                    if nnum != NODE_ATTRIBUTE or nwt != 2:
                        continue
                    for anum, awt, aval in fields(buf, nval[0], nval[0] + nval[1]):
                        if anum == ATTRIBUTE_T and awt == 2:
                            consts.append(tensor_raw(buf, *aval))
    return inits, consts


def dim_str(d):
    if d.HasField("dim_param"):
        return d.dim_param
    if d.HasField("dim_value"):
        return str(d.dim_value)
    return "?"


def value_info_str(vi):
    t = vi.type.tensor_type
    dtype = onnx.TensorProto.DataType.Name(t.elem_type)
    return f"{vi.name}: {dtype}[{', '.join(dim_str(d) for d in t.shape.dim)}]"


def describe(path, show_offsets=False, markdown=False, out=sys.stdout):
    model = onnx.load(path)
    onnx.checker.check_model(model)
    g = model.graph
    init_names = {t.name for t in g.initializer}
    params = sum(int(np.prod(t.dims)) for t in g.initializer)
    counts = collections.Counter(n.op_type for n in g.node)
    size = os.path.getsize(path)
    opsets = ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in model.opset_import)

    p = lambda s="": print(s, file=out)
    p(f"file: {path}")
    p(f"file size: {size} bytes ({size / 2**20:.2f} MiB)")
    p(f"onnx.checker: passed; ir_version {model.ir_version}; opset {opsets}; "
      f"producer {model.producer_name} {model.producer_version}")
    p("inputs:")
    for vi in g.input:
        if vi.name not in init_names:
            p(f"  {value_info_str(vi)}")
    p("outputs:")
    for vi in g.output:
        p(f"  {value_info_str(vi)}")
    p(f"initializers: {len(g.initializer)} tensors, {params} elements")
    p(f"nodes: {len(g.node)}")
    if markdown:
        p()
        p("| op type | count |")
        p("|---|---:|")
        for op, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            p(f"| {op} | {n} |")
    else:
        for op, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            p(f"  {op:20s} {n}")

    with open(path, "rb") as f:
        buf = f.read()
    offs, consts = tensor_offsets(buf)
    for what, lst in (("initializers", offs), ("node attribute tensors", consts)):
        with_raw = [o for o in lst if o[2] is not None]
        mis = [o for o in with_raw if o[2] % 4]
        p(f"raw_data: {len(with_raw)} of {len(lst)} {what}, {sum(o[3] for o in with_raw)} bytes; "
          f"not 4-byte aligned in the file: {len(mis)} tensors, {sum(o[3] for o in mis)} bytes")
    if show_offsets:
        p("initializer raw_data offsets (name, dtype, offset, offset mod 4, bytes):")
        for name, dtype, off, n in offs:
            dt = onnx.TensorProto.DataType.Name(dtype) if dtype is not None else "?"
            where = f"{off:10d} {off % 4}" if off is not None else "      none -"
            p(f"  {name:55s} {dt:7s} {where} {n}")
    return model


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("--offsets", action="store_true", help="list every initializer's offset")
    ap.add_argument("--markdown", action="store_true", help="node counts as a markdown table")
    args = ap.parse_args(argv)
    try:
        describe(args.model, args.offsets, args.markdown)
    except (OSError, ValueError, onnx.checker.ValidationError) as e:
        print(f"onnx_info.py: {args.model}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
