#!/usr/bin/python3
"""Writes the fuzz seed corpus (tests/fuzz/corpus): small models and tensors, each a few hundred
bytes, covering what the loader reads: every attribute type, initializers in raw_data and in
each typed field, packed and unpacked repeated fields, 10-byte varints, external data, a subgraph
attribute, symbolic dims. Run with Debian's /usr/bin/python3 (onnx 1.12)."""
import os
import shutil
import struct

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")


def save_model(name, nodes, inputs, outputs, inits=(), opset=14, **graph_kw):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits), **graph_kw)
    model = helper.make_model(graph, producer_name="make_corpus",
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.save(model, os.path.join(OUT, name + ".onnx"))


def save_tensor(name, t):
    with open(os.path.join(OUT, name + ".pb"), "wb") as f:
        f.write(t.SerializeToString())


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def typed(name, dtype, dims, field, values):
    t = T(name=name, data_type=dtype, dims=dims)
    getattr(t, field).extend(values)
    return t


# protobuf's writer always packs repeated scalars; these encodings are written by hand
def varint(v):
    v &= (1 << 64) - 1
    out = bytearray()
    while True:
        b, v = v & 0x7F, v >> 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def field(n, wire_type, payload):
    return varint(n << 3 | wire_type) + payload


def ld(n, payload):
    return field(n, 2, varint(len(payload)) + payload)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    x = vi("x", T.FLOAT, ["batch", 4])
    y = vi("y", T.FLOAT, ["batch", 4])

    save_model("gemm_attrs", [helper.make_node("Gemm", ["a", "b", "c"], ["y"], alpha=0.25,
                                               beta=0.35, transA=1, transB=1)],
               [vi("a", T.FLOAT, [4, 3]), vi("b", T.FLOAT, [5, 4]), vi("c", T.FLOAT, [1, 5])],
               [vi("y", T.FLOAT, [3, 5])], opset=13)
    save_model("constant_typed", [helper.make_node(
        "Constant", [], ["y"], value=typed("v", T.FLOAT, [2, 2], "float_data", [1, 2, 3, 4]))],
        [], [vi("y", T.FLOAT, [2, 2])])
    save_model("initializers", [helper.make_node("Add", ["x", "w"], ["s"]),
                                helper.make_node("Reshape", ["s", "shape"], ["y"], name="")],
               [x, vi("w", T.FLOAT, [4])], [y],
               [numpy_helper.from_array(np.arange(4, dtype=np.float32), "w"),
                typed("shape", T.INT64, [2], "int64_data", [-1, 4]),
                typed("flags", T.BOOL, [2], "int32_data", [1, 0]),
                typed("half", T.FLOAT16, [1], "int32_data", [0x3C00]),
                typed("wide", T.DOUBLE, [1], "double_data", [0.5]),
                typed("u32", T.UINT32, [1], "uint64_data", [7])])
    save_model("attr_kinds", [helper.make_node(
        "Custom", ["x", "", "x"], ["y", ""], domain="com.example", f=1.5, i=-3, s="text",
        floats=[0.5, 1.5], ints=[1, 2, 3], strings=[b"a", b"b"],
        t=numpy_helper.from_array(np.array([1, 2], dtype=np.int32), "t"),
        tensors=[numpy_helper.from_array(np.array([3.0], dtype=np.float32), "u")])],
        [x], [y], value_info=[vi("x", T.FLOAT, ["batch", None])])
    then_g = helper.make_graph([helper.make_node("Identity", ["x"], ["t"])], "then", [],
                              [vi("t", T.FLOAT, [4])])
    else_g = helper.make_graph([helper.make_node("Neg", ["x"], ["e"])], "else", [],
                              [vi("e", T.FLOAT, [4])])
    save_model("if_subgraph", [helper.make_node("If", ["cond"], ["y"], then_branch=then_g,
                                                else_branch=else_g)],
               [vi("cond", T.BOOL, []), x], [y])
    save_model("reduce_layernorm", [
        helper.make_node("ReduceMean", ["x"], ["m"], axes=[-1], keepdims=1),
        helper.make_node("Sub", ["x", "m"], ["d"]),
        helper.make_node("LayerNormalization", ["d", "g"], ["y"], axis=-1, epsilon=1e-5)],
        [x], [y], [numpy_helper.from_array(np.ones(4, dtype=np.float32), "g")], opset=17)

    # external data: the reader must refuse it from memory and bounds-check it from a folder
    w = numpy_helper.from_array(np.arange(4, dtype=np.float32), "w")
    w.ClearField("raw_data")
    w.data_location = T.EXTERNAL
    for k, v in (("location", "weights.bin"), ("offset", "0"), ("length", "16")):
        w.external_data.add(key=k, value=v)
    save_model("external", [helper.make_node("Add", ["x", "w"], ["y"])], [x], [y], [w])

    save_tensor("raw_float", numpy_helper.from_array(
        np.arange(6, dtype=np.float32).reshape(2, 3), "raw_float"))
    save_tensor("raw_bool", numpy_helper.from_array(np.array([True, False]), "raw_bool"))
    save_tensor("typed_int64", typed("typed_int64", T.INT64, [3], "int64_data", [1, -1, 1 << 40]))
    save_tensor("typed_float16", typed("h", T.FLOAT16, [2], "int32_data", [0x3C00, 0x7BFF]))

    with open(os.path.join(OUT, "unpacked_int64.pb"), "wb") as f:
        f.write(field(1, 0, varint(2)) + ld(1, varint(2)) + field(2, 0, varint(T.INT64)) +
                ld(7, varint(1) + varint(-2)) + field(7, 0, varint(-3)) +
                ld(7, varint(1 << 62)) + ld(8, b"unpacked"))
    with open(os.path.join(OUT, "unpacked_float.pb"), "wb") as f:
        f.write(field(1, 0, varint(3)) + field(2, 0, varint(T.FLOAT)) +
                b"".join(field(4, 5, struct.pack("<f", v)) for v in (1.5, -2.0, 3.0)) +
                ld(8, b"f"))


    # the loader test's fixture: a bigger model with every initializer encoding
    shutil.copy(os.path.join(HERE, "..", "fixtures", "small_encoder.onnx"), OUT)


if __name__ == "__main__":
    main()
