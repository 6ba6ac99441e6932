#!/usr/bin/python3
"""Writes small ONNX models that the error-handling tests (tests/test_errors.c) open.

    make_error_models.py OUTDIR
"""
import os
import sys

import onnx
from onnx import TensorProto, helper


def save(model, outdir, name, check=True):
    if check:
        onnx.checker.check_model(model)
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(model.SerializeToString())


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    opset = [helper.make_opsetid("", 14)]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])
    z = helper.make_tensor_value_info("z", TensorProto.FLOAT, ["n", 4])

    # valid: z = x + y with a symbolic batch dim "n" shared by both inputs
    g = helper.make_graph([helper.make_node("Add", ["x", "y"], ["z"], name="add")], "add", [x, y], [z])
    save(helper.make_model(g, opset_imports=opset), out, "add.onnx")

    # an op tinyrt does not implement
    g = helper.make_graph([helper.make_node("HardSwish", ["x"], ["z"], name="the_hardswish")],
                          "unknown", [x], [z])
    save(helper.make_model(g, opset_imports=opset), out, "unknown_op.onnx")

    # an op from a domain the model does not import
    g = helper.make_graph([helper.make_node("Gelu", ["x"], ["z"], name="g", domain="com.example")],
                          "domain", [x], [z])
    save(helper.make_model(g, opset_imports=opset), out, "unknown_domain.onnx", check=False)

    # a node reading a value nothing produces
    g = helper.make_graph([helper.make_node("Add", ["x", "ghost"], ["z"], name="reads_ghost")],
                          "dangling", [x], [z])
    save(helper.make_model(g, opset_imports=opset), out, "dangling.onnx", check=False)

    # a cycle: a = relu(b), b = relu(a)
    g = helper.make_graph([helper.make_node("Relu", ["b"], ["a"], name="r1"),
                           helper.make_node("Relu", ["a"], ["b"], name="r2"),
                           helper.make_node("Add", ["x", "a"], ["z"], name="add")],
                          "cycle", [x], [z])
    save(helper.make_model(g, opset_imports=opset), out, "cycle.onnx", check=False)

    # Add with the wrong number of inputs
    g = helper.make_graph([helper.make_node("Add", ["x"], ["z"], name="one_input_add")], "arity",
                          [x], [z])
    save(helper.make_model(g, opset_imports=opset), out, "bad_arity.onnx", check=False)

    # an output nothing produces
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["r"], name="r")], "noout", [x], [z])
    save(helper.make_model(g, opset_imports=opset), out, "missing_output.onnx", check=False)

    # shapes that cannot broadcast: [n,4] + [3]
    c = helper.make_tensor("c", TensorProto.FLOAT, [3], [1.0, 2.0, 3.0])
    g = helper.make_graph([helper.make_node("Add", ["x", "c"], ["z"], name="bad_broadcast")],
                          "bcast", [x], [z], initializer=[c])
    save(helper.make_model(g, opset_imports=opset), out, "bad_broadcast.onnx", check=False)

    # a fixed dim: x is [2, 4]
    x2 = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["z"], name="r")], "fixed", [x2], [z])
    save(helper.make_model(g, opset_imports=opset), out, "fixed_dims.onnx", check=False)

    # a Gather from a constant table of 10 rows with int64 indices (token ids)
    table = helper.make_tensor("table", TensorProto.FLOAT, [10, 4], [float(i) for i in range(40)])
    ids = helper.make_tensor_value_info("ids", TensorProto.INT64, ["n"])
    g = helper.make_graph([helper.make_node("Gather", ["table", "ids"], ["z"], name="lookup")],
                          "gather", [ids], [z], initializer=[table])
    save(helper.make_model(g, opset_imports=opset), out, "gather.onnx")


if __name__ == "__main__":
    main()
