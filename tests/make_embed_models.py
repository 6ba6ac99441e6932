#!/usr/bin/python3
"""Small ONNX graphs for tests/test_opt_embed.c: the EmbedLayerNormalization op on its own (for
the cpu kernel against the reference), and the BERT embedding block as exporters write it, with
near misses the optimizer must leave alone.

    make_embed_models.py OUTDIR

Inputs are input_ids and token_type_ids (int64 [batch, seq]) unless a model says otherwise; the
expected rewrite counts live in test_opt_embed.c next to the model names.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

V, P, T = 50, 32, 3
rng = np.random.RandomState(11)


def table(rows, h, scale=1.0):
    return (scale * rng.randn(rows, h)).astype(np.float32)


class G:
    """A tiny graph builder: values get fresh names, constants become initializers."""

    def __init__(self):
        self.nodes, self.inits, self.inputs, self.outputs, self.n = [], [], [], [], 0

    def name(self, p):
        self.n += 1
        return f"{p}_{self.n}"

    def const(self, arr, dtype=np.float32):
        nm = self.name("c")
        self.inits.append(numpy_helper.from_array(np.asarray(arr, dtype=dtype), nm))
        return nm

    def input(self, name, elem, dims):
        self.inputs.append(helper.make_tensor_value_info(name, elem, dims))
        return name

    def op(self, op_type, *inputs, n_out=1, domain="", **attrs):
        outs = [self.name(op_type.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, domain=domain, **attrs))
        return outs[0] if n_out == 1 else outs

    def output(self, v, name=None):
        if name:
            self.nodes.append(helper.make_node("Identity", [v], [name]))
            v = name
        self.outputs.append(helper.make_tensor_value_info(v, TensorProto.FLOAT, None))

    def save(self, path, opset=14, ms=False):
        graph = helper.make_graph(self.nodes, "g", self.inputs, self.outputs, self.inits)
        imports = [helper.make_opsetid("", opset)]
        if ms:
            imports.append(helper.make_opsetid("com.microsoft", 1))
        model = helper.make_model(graph, opset_imports=imports)
        model.ir_version = 8
        onnx.save(model, path)


def ids_input(g, name="input_ids", elem=TensorProto.INT64, batch="batch"):
    return g.input(name, elem, [batch, "seq"])


def layer_norm(g, x, h, opset):
    gamma, beta = g.const(1 + 0.1 * rng.randn(h)), g.const(0.1 * rng.randn(h))
    if opset >= 17:
        return g.op("LayerNormalization", x, gamma, beta, axis=-1, epsilon=1e-12)
    m = g.op("ReduceMean", x, axes=[-1])
    d = g.op("Sub", x, m)
    v = g.op("ReduceMean", g.op("Pow", d, g.const(2.0)), axes=[-1])
    n = g.op("Div", d, g.op("Sqrt", g.op("Add", v, g.const(1e-12))))
    return g.op("Add", g.op("Mul", n, gamma), beta)


def hf_positions(g, ids, buffer):
    """HF's position ids: buffer[:, :seq], seq read from the ids' shape."""
    seq = g.op("Gather", g.op("Shape", ids), g.const(1, np.int64), axis=0)
    end = g.op("Unsqueeze", seq, g.const([0], np.int64))
    return g.op("Slice", g.const(buffer, np.int64), g.const([0], np.int64), end,
                g.const([1], np.int64), g.const([1], np.int64))


def block(g, h, order="hf", token_type=True, buffer=None, opset=14):
    """The embedding block; returns (sum, its leaves' Gather outputs, LayerNorm output)."""
    ids = ids_input(g)
    word = g.op("Gather", g.const(table(V, h)), ids)
    typ = None
    if token_type:
        typ = g.op("Gather", g.const(table(T, h, 0.3)), ids_input(g, "token_type_ids"))
    pos_ids = hf_positions(g, ids, np.arange(P)[None, :] if buffer is None else buffer)
    pos = g.op("Gather", g.const(table(P, h, 0.5)), pos_ids)
    if order == "hf":  # (word + type) + pos
        s = g.op("Add", g.op("Add", word, typ), pos) if typ else g.op("Add", word, pos)
    else:  # pos + (type + word)
        s = g.op("Add", pos, g.op("Add", typ, word)) if typ else g.op("Add", pos, word)
    return s, word, layer_norm(g, s, h, opset)


def build(out):
    os.makedirs(out, exist_ok=True)

    # --- the op alone: inputs of every kind, hidden sizes with and without vector tails ---
    def embed_op(path, h, seg, beta, pos_ids, elem=TensorProto.INT64, mask=False,
                 mask_index=False, emb_sum=False):
        g = G()
        ins = [ids_input(g, elem=elem), ids_input(g, "segment_ids", elem) if seg else "",
               g.const(table(V, h)), g.const(table(P, h, 0.5)),
               g.const(table(T, h, 0.3)) if seg else "", g.const(1 + 0.1 * rng.randn(h)),
               g.const(0.1 * rng.randn(h)) if beta else "",
               g.input("mask", elem, ["batch", "seq"]) if mask else "",
               g.input("position_ids", elem, [pos_ids, "seq"]) if pos_ids else ""]
        while not ins[-1]:
            ins.pop()
        outs = ["output", "mask_index" if mask_index else "", "embedding_sum" if emb_sum else ""]
        while not outs[-1]:
            outs.pop()
        g.nodes.append(helper.make_node("EmbedLayerNormalization", ins, outs,
                                        domain="com.microsoft", epsilon=1e-5))
        g.outputs.append(helper.make_tensor_value_info("output", TensorProto.FLOAT, None))
        if mask_index:
            g.outputs.append(helper.make_tensor_value_info("mask_index", TensorProto.INT32, None))
        if emb_sum:
            g.outputs.append(helper.make_tensor_value_info("embedding_sum", TensorProto.FLOAT,
                                                           None))
        g.save(f"{out}/{path}", ms=True)

    embed_op("op_seg.onnx", 20, seg=True, beta=True, pos_ids=None, emb_sum=True)
    embed_op("op_pos1.onnx", 37, seg=False, beta=False, pos_ids=1, elem=TensorProto.INT32,
             mask=True)
    embed_op("op_posb.onnx", 128, seg=True, beta=True, pos_ids="batch", emb_sum=True)
    embed_op("op_mask_index.onnx", 16, seg=True, beta=True, pos_ids=None, elem=TensorProto.INT32,
             mask=True, mask_index=True)

    # --- the block as exported: fuses ---
    g = G()
    _, _, y = block(g, 24)
    g.output(y, "y")
    g.save(f"{out}/pat_hf.onnx")

    g = G()
    _, _, y = block(g, 24, order="pos_first", opset=17)
    g.output(y, "y")
    g.save(f"{out}/pat_order.onnx", opset=17)

    g = G()
    _, _, y = block(g, 16, token_type=False)
    g.output(y, "y")
    g.save(f"{out}/pat_notype.onnx")

    # position buffers that are not 0, 1, 2, ... over the table: fuse with position_ids
    g = G()
    _, _, y = block(g, 24, buffer=np.arange(P)[::-1].copy()[None, :])
    g.output(y, "y")
    g.save(f"{out}/pat_buffer.onnx")

    g = G()
    _, _, y = block(g, 24, buffer=np.arange(P // 2)[None, :])
    g.output(y, "y")
    g.save(f"{out}/pat_short_buffer.onnx")

    # --- near misses: an intermediate read outside the block ---
    g = G()
    s, _, y = block(g, 24)
    g.output(y, "y")
    g.output(s)
    g.save(f"{out}/pat_sum_out.onnx")

    g = G()
    _, word, y = block(g, 24)
    g.output(y, "y")
    g.output(g.op("Mul", word, g.const(2.0)), "z")
    g.save(f"{out}/pat_word_shared.onnx")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    build(sys.argv[1])
