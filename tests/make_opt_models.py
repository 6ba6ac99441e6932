#!/usr/bin/python3
"""Small ONNX graphs for tests/test_optimizer.c: each fusion pattern as exporters write it, and
near misses the optimizer must leave alone.

    make_opt_models.py OUTDIR

Every model has one float input `x` [2, 3, 8] and one output `y`. The expected rewrite counts
live in test_optimizer.c next to the model names.
"""

import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

H = 8
rng = np.random.RandomState(7)


class G:
    """A tiny graph builder: values get fresh names, constants become initializers."""

    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0
        self.extra_outputs = []

    def name(self, p):
        self.n += 1
        return f"{p}_{self.n}"

    def const(self, arr, dtype=np.float32):
        arr = np.asarray(arr, dtype=dtype)
        nm = self.name("c")
        self.inits.append(numpy_helper.from_array(arr, nm))
        return nm

    def op(self, op_type, *inputs, **attrs):
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], **attrs))
        return out

    def save(self, path, y, opset=14, x_shape=(2, 3, H), ms_domain=False):
        outs = [helper.make_tensor_value_info(y, TensorProto.FLOAT, None)]
        outs += [helper.make_tensor_value_info(v, TensorProto.FLOAT, None) for v in self.extra_outputs]
        graph = helper.make_graph(
            self.nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))],
            outs, self.inits)
        # name the first output y
        graph.output[0].name = y
        opsets = [helper.make_opsetid("", opset)]
        if ms_domain:
            opsets.append(helper.make_opsetid("com.microsoft", 1))
        model = helper.make_model(graph, opset_imports=opsets)
        model.ir_version = 7
        onnx.save(model, path)


def layer_norm(g, x, pow_exp=2.0, axes=(-1,), eps=1e-12):
    m = g.op("ReduceMean", x, axes=list(axes))
    d = g.op("Sub", x, m)
    p = g.op("Pow", d, g.const(pow_exp))
    v = g.op("ReduceMean", p, axes=list(axes))
    a = g.op("Add", v, g.const(eps))
    s = g.op("Sqrt", a)
    n = g.op("Div", d, s)
    y = g.op("Mul", n, g.const(1 + 0.1 * rng.randn(H)))
    return g.op("Add", y, g.const(0.1 * rng.randn(H))), d


def gelu(g, x, half=0.5, order=0):
    e = g.op("Erf", g.op("Div", x, g.const(math.sqrt(2.0))))
    a = g.op("Add", e, g.const(1.0))
    if order == 0:  # 0.5 * (x * a)
        return g.op("Mul", g.op("Mul", x, a), g.const(half))
    if order == 1:  # (x * 0.5) * a
        return g.op("Mul", g.op("Mul", x, g.const(half)), a)
    return g.op("Mul", x, g.op("Mul", a, g.const(half)))  # x * (a * 0.5)


def build(out):
    os.makedirs(out, exist_ok=True)
    w = lambda *s: 0.3 * rng.randn(*s)  # noqa: E731

    g = G()
    y, _ = layer_norm(g, "x")
    g.save(f"{out}/ln.onnx", y)

    g = G()
    y, _ = layer_norm(g, "x", pow_exp=3.0)
    g.save(f"{out}/ln_pow3.onnx", y)

    g = G()
    y, _ = layer_norm(g, "x", axes=(1,))
    g.save(f"{out}/ln_axis1.onnx", y)

    g = G()
    y, d = layer_norm(g, "x")
    g.extra_outputs.append(d)  # an intermediate that is also a graph output
    g.save(f"{out}/ln_shared.onnx", y)

    # residual Add + LayerNorm, with a bias on the projection: SkipLayerNorm with bias
    g = G()
    h = g.op("Add", g.op("MatMul", "x", g.const(w(H, H))), g.const(w(H)))
    r = g.op("Add", h, g.op("Relu", "x"))
    y, _ = layer_norm(g, r)
    g.save(f"{out}/skip_ln.onnx", y)

    # GemmSkipLayerNorm: the projection is the residual Add's second operand (SkipLayerNorm's
    # skip; swapped, as input + skip is skip + input)
    g = G()
    h = g.op("Add", g.op("MatMul", "x", g.const(w(H, H))), g.const(w(H)))
    y, _ = layer_norm(g, g.op("Add", g.op("Relu", "x"), h))
    g.save(f"{out}/gemm_skip_ln_swapped.onnx", y)

    # a second bias after the projection's: SkipLayerNorm's bias, kept by GemmSkipLayerNorm
    g = G()
    h = g.op("Add", g.op("MatMul", "x", g.const(w(H, H))), g.const(w(H)))
    y, _ = layer_norm(g, g.op("Add", g.op("Add", h, g.const(w(H))), g.op("Relu", "x")))
    g.save(f"{out}/gemm_skip_ln_bias.onnx", y)

    # the projection as skip of a SkipLayerNorm with a bias on the other side: no twin, no fusion
    g = G()
    h = g.op("Add", g.op("MatMul", "x", g.const(w(H, H))), g.const(w(H)))
    y, _ = layer_norm(g, g.op("Add", g.op("Add", g.op("Relu", "x"), g.const(w(H))), h))
    g.save(f"{out}/gemm_skip_ln_bias_on_skip.onnx", y)

    # the projection read twice: no fusion
    g = G()
    h = g.op("Add", g.op("MatMul", "x", g.const(w(H, H))), g.const(w(H)))
    y, _ = layer_norm(g, g.op("Add", h, g.op("Relu", "x")))
    g.save(f"{out}/gemm_skip_ln_shared.onnx", g.op("Add", y, h))

    # the projection is a graph output: no fusion
    g = G()
    h = g.op("Add", g.op("MatMul", "x", g.const(w(H, H))), g.const(w(H)))
    y, _ = layer_norm(g, g.op("Add", h, g.op("Relu", "x")))
    g.extra_outputs.append(h)
    g.save(f"{out}/gemm_skip_ln_output.onnx", y)

    # a GELU epilogue: no fusion
    g = G()
    h = gelu(g, g.op("Add", g.op("MatMul", "x", g.const(w(H, H))), g.const(w(H))))
    y, _ = layer_norm(g, g.op("Add", h, g.op("Relu", "x")))
    g.save(f"{out}/gemm_skip_ln_gelu.onnx", y)

    # ONNX Runtime's SkipLayerNormalization as exported, its sum (output 3) also a graph output:
    # the sum becomes GemmSkipLayerNorm's second output
    g = G()
    h = g.op("Add", g.op("MatMul", "x", g.const(w(H, H))), g.const(w(H)))
    y, s = g.name("skip_ln"), g.name("sum")
    g.nodes.append(helper.make_node(
        "SkipLayerNormalization", [h, g.op("Relu", "x"), g.const(1 + 0.1 * rng.randn(H)),
                                   g.const(0.1 * rng.randn(H))], [y, "", "", s],
        domain="com.microsoft", epsilon=1e-5))
    g.extra_outputs.append(s)
    g.save(f"{out}/gemm_skip_ln_sum.onnx", y, ms_domain=True)

    # Add(Add(input, bias), skip) where the input is no MatMul: the bias goes into SkipLayerNorm
    g = G()
    h = g.op("Add", g.op("Relu", "x"), g.const(w(H)))
    y, _ = layer_norm(g, g.op("Add", "x", h))
    g.save(f"{out}/skip_ln_bias.onnx", y)

    # the residual broadcasts ([1, 3, 8] onto [2, 3, 8]): LayerNorm only
    g = G()
    s = g.op("Slice", "x", g.const([0], np.int64), g.const([1], np.int64), g.const([0], np.int64))
    y, _ = layer_norm(g, g.op("Add", g.op("Relu", "x"), s))
    g.save(f"{out}/skip_ln_broadcast.onnx", y)

    # three GELU groupings, each after a MatMul + bias (FusedGemm with the GELU epilogue) except
    # the last one, which follows a plain Relu (stays a Gelu)
    g = G()
    t = "x"
    for order in range(3):
        t = gelu(g, g.op("Add", g.const(w(H)), g.op("MatMul", t, g.const(w(H, H)))), order=order)
    y = gelu(g, g.op("Relu", t), order=0)
    g.save(f"{out}/gelu_orders.onnx", y)

    g = G()
    y = gelu(g, g.op("Relu", "x"), half=0.6)
    g.save(f"{out}/gelu_wrong_half.onnx", y)

    # Add(bias) + Gelu without a MatMul: BiasGelu
    g = G()
    y = gelu(g, g.op("Add", g.op("Relu", "x"), g.const(w(H))))
    g.save(f"{out}/bias_gelu.onnx", y)

    # MatMul by a non-constant matrix, and MatMul + bias whose bias is 2-D: left alone
    g = G()
    sq = g.op("MatMul", "x", g.op("Transpose", "x", perm=[0, 2, 1]))
    y = g.op("Add", g.op("MatMul", sq, "x"), g.const(w(1, H)))
    g.save(f"{out}/matmul_no_fuse.onnx", y)

    # an erf GELU whose input is an integer Cast back to float: still float, fuses
    g = G()
    y = gelu(g, g.op("Cast", g.op("Cast", "x", to=TensorProto.INT64), to=TensorProto.FLOAT))
    g.save(f"{out}/gelu_cast.onnx", y)


def build_attention_fill100(out):
    """bert-tiny's structure with a mask value of -100: too small to skip masked keys exactly, so
    the attention block must stay unfused (everything else still fuses)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
    import export_bert as eb
    import torch

    class Fill100(eb.BertModel):
        def extended_mask(self, attention_mask):
            return (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -100.0

    torch.set_num_threads(1)
    cfg = eb.Config(layers=1, vocab=100, max_positions=32)
    torch.manual_seed(0)
    model = Fill100(cfg)
    eb.init_weights(model, 0, 0.05)
    model.eval()
    eb.export_onnx(model, cfg, os.path.join(out, "attn_fill100.onnx"), 14)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    build(sys.argv[1])
    build_attention_fill100(sys.argv[1])
