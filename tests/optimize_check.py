#!/usr/bin/python3
"""End-to-end checks of `tinyrt optimize` (registered in tests/optimize.cmake).

    optimize_check.py TINYRT SOURCE_DIR

The static-shape copy must pass ONNX's checker, equal the original model with exactly the fixed
dims changed, and run in tinyrt with the same outputs as the dynamic model at those sizes.
"""
import os
import re
import shutil
import sys
import tempfile

import numpy as np
import onnx

from checklib import Checks

TINYRT, SRC = sys.argv[1], sys.argv[2]
MODEL = os.path.join(SRC, "models/bert-tiny/model.onnx")
REFS = os.path.join(SRC, "models/bert-tiny/refs")
FIX = {"batch_size": 1, "sequence_length": 128}
OUTPUTS = ["last_hidden_state", "pooler_output"]
checks = Checks(TINYRT)
failures, expect = checks.failures, checks.expect
run = checks.run


def value_infos(model):
    g = model.graph
    return list(g.input) + list(g.output) + list(g.value_info)


def expected_static(model, fix):
    """The original model with every fixed dim_param replaced by its value, done by onnx."""
    for vi in value_infos(model):
        for d in vi.type.tensor_type.shape.dim:
            if d.WhichOneof("value") == "dim_param" and d.dim_param in fix:
                d.dim_value = fix[d.dim_param]
    return model


def check_static_copy(src, out, fix):
    """out passes the checker and is src with exactly the dims in fix set."""
    onnx.checker.check_model(out)  # raises on failure
    got = onnx.load(out)
    want = expected_static(onnx.load(src), fix)
    expect(got == want, f"{out} is {src} with the dims {fix} fixed and nothing else changed")
    left = {d.dim_param for vi in value_infos(got) for d in vi.type.tensor_type.shape.dim
            if d.WhichOneof("value") == "dim_param"}
    expect(not left & set(fix), f"no fixed name left as dim_param (left: {left & set(fix)})")
    return got


def run_outputs(model, case, d, *extra, ok=True):
    args = []
    for name in ("input_ids", "attention_mask", "token_type_ids"):
        path = os.path.join(REFS, case, name + ".npy")
        if os.path.exists(path):
            args += ["--input", f"{name}={path}"]
    p = run("run", model, *args, "--output-dir", d, "--quiet", *extra, ok=ok)
    if p.returncode:
        return p, None
    return p, {n: np.load(os.path.join(d, n + ".npy")) for n in OUTPUTS}


def check_shipped(tmp):
    out = os.path.join(tmp, "static.onnx")
    p = run("optimize", MODEL, "--fix", "batch_size=1,sequence_length=128", "-o", out)
    # three inputs and two outputs have batch_size; three inputs and last_hidden_state the length
    expect("batch_size = 1 (5 dims), sequence_length = 128 (4 dims)" in p.stdout,
           f"optimize says what it fixed: {p.stdout!r}")
    expect("input_ids                int64   [1, 128]" in p.stdout, "optimize prints the new I/O")
    got = check_static_copy(MODEL, out, FIX)
    for vi in list(got.graph.input) + list(got.graph.output):
        dims = [d.dim_value for d in vi.type.tensor_type.shape.dim]
        expect(dims[:2] == [1, 128][:len(dims)] and all(
            d.WhichOneof("value") == "dim_value" for d in vi.type.tensor_type.shape.dim),
            f"{vi.name} has fixed dims {dims}")
    expect(os.path.getsize(out) < os.path.getsize(MODEL), "the copy is not larger")
    expect([f for f in os.listdir(tmp) if ".tmp." in f] == [], "no temporary file left behind")

    # Same kernels on the same sizes: tinyrt's outputs are bit-identical to the dynamic model's.
    # Against PyTorch, the model tests' tolerance (1e-5, tests/models.cmake) applies.
    _, dyn = run_outputs(MODEL, "b1_s128", os.path.join(tmp, "dyn"))
    _, sta = run_outputs(out, "b1_s128", os.path.join(tmp, "sta"))
    for n in OUTPUTS:
        ref = np.load(os.path.join(REFS, "b1_s128", n + ".npy"))
        expect(sta[n].shape == dyn[n].shape and np.array_equal(sta[n], dyn[n]),
               f"{n}: static == dynamic bit for bit (max diff {np.abs(sta[n] - dyn[n]).max()})")
        expect(np.abs(sta[n] - ref).max() <= 1e-5, f"{n}: static within 1e-5 of PyTorch")

    # another shape is refused, naming the input and the dim
    p, _ = run_outputs(out, "b2_s64", os.path.join(tmp, "b2"), ok=False)
    expect(p.returncode == 1 and "input_ids" in p.stderr and "dim 0 must be 1, got 2" in p.stderr,
           f"b2 s64 on the b1 s128 model is refused: {p.stderr!r}")
    p = run("run", out, "--shape", "sequence_length=64", "--output-dir", os.path.join(tmp, "w"),
            "--quiet")
    expect("no input has a symbolic dim 'sequence_length'" in p.stderr,
           f"--shape on a static model warns: {p.stderr!r}")

    # only one dim fixed: the other stays symbolic and still takes any size
    half = os.path.join(tmp, "b1.onnx")
    run("optimize", MODEL, "--fix", "batch_size=1", "-o", half, "--quiet")
    check_static_copy(MODEL, half, {"batch_size": 1})
    _, o = run_outputs(half, "b1_s1", os.path.join(tmp, "half"))
    expect(o["last_hidden_state"].shape == (1, 1, 128), "half-static model runs at s1")


def check_value_info(tmp):
    """value_info (here from ONNX's shape inference) is rewritten too, and the model still runs."""
    src = os.path.join(tmp, "inferred.onnx")
    onnx.save(onnx.shape_inference.infer_shapes(onnx.load(MODEL)), src)
    names = {d.dim_param for vi in onnx.load(src).graph.value_info
             for d in vi.type.tensor_type.shape.dim}
    expect({"batch_size", "sequence_length"} <= names, "shape inference names the dims")
    out = os.path.join(tmp, "inferred_static.onnx")
    p = run("optimize", src, "--fix", "sequence_length=128,batch_size=1", "-o", out)
    m = re.search(r"sequence_length = 128 \((\d+) dims\), batch_size = 1 \((\d+) dims\)",
                  p.stdout)
    expect(m and int(m.group(1)) > 4 and int(m.group(2)) > 5,
           f"value_info dims are fixed and counted: {p.stdout.splitlines()[:1]}")
    check_static_copy(src, out, FIX)
    _, dyn = run_outputs(MODEL, "b1_s128", os.path.join(tmp, "vdyn"))
    _, sta = run_outputs(out, "b1_s128", os.path.join(tmp, "vsta"))
    for n in OUTPUTS:
        expect(np.array_equal(sta[n], dyn[n]), f"{n}: inferred static == dynamic bit for bit")


def check_errors(tmp):
    out = os.path.join(tmp, "never.onnx")
    p = run("optimize", MODEL, "--fix", "batch=1", "-o", out, ok=False)
    expect(p.returncode == 1 and "'batch'" in p.stderr and "batch_size, sequence_length" in p.stderr,
           f"an unknown dim is refused, listing the model's: {p.stderr!r}")
    p = run("optimize", MODEL, "--fix", "batch_size=-1", "-o", out, ok=False)
    expect(p.returncode == 2 and "--fix" in p.stderr, f"a negative value is refused: {p.stderr!r}")
    p = run("optimize", MODEL, "-o", out, ok=False)
    expect(p.returncode == 2 and "nothing to fix" in p.stderr, "--fix is required")
    p = run("optimize", MODEL, "--fix", "batch_size=1", ok=False)
    expect(p.returncode == 2 and "-o" in p.stderr, "-o is required")
    p = run("optimize", os.path.join(tmp, "missing.onnx"), "--fix", "batch_size=1", "-o", out,
            ok=False)
    expect(p.returncode == 1 and "missing.onnx" in p.stderr, "a missing model is named")
    p = run("optimize", MODEL, "--fix", "batch_size=1", "-o", os.path.join(tmp, "no/dir/x.onnx"),
            ok=False)
    expect(p.returncode == 1 and "does not exist" in p.stderr, "a missing output folder is named")
    expect(not os.path.exists(out) and not [f for f in os.listdir(tmp) if ".tmp." in f],
           "failures write nothing")
    p = run("optimize", "--help")
    expect(p.stdout.startswith("usage: tinyrt optimize"), "optimize --help")
    expect("  optimize " in run("--help").stdout, "--help lists optimize")


def check_external_and_in_place(tmp):
    ext = os.path.join(tmp, "ext")
    os.makedirs(ext)
    src = os.path.join(ext, "model.onnx")
    onnx.save_model(onnx.load(MODEL), src, save_as_external_data=True, location="weights.bin",
                    size_threshold=1024)
    other = os.path.join(tmp, "elsewhere.onnx")
    p = run("optimize", src, "--fix", "batch_size=1,sequence_length=128", "-o", other, ok=False)
    expect(p.returncode == 1 and "external data" in p.stderr and not os.path.exists(other),
           f"external data + another folder is refused: {p.stderr!r}")
    # next to the data files the references stay valid: copied as they are
    out = os.path.join(ext, "static.onnx")
    run("optimize", src, "--fix", "batch_size=1,sequence_length=128", "-o", out, "--quiet")
    check_static_copy(src, out, FIX)
    _, dyn = run_outputs(MODEL, "b1_s128", os.path.join(tmp, "edyn"))
    _, sta = run_outputs(out, "b1_s128", os.path.join(tmp, "esta"))
    expect(all(np.array_equal(sta[n], dyn[n]) for n in OUTPUTS), "external-data static copy runs")

    # OUT may be MODEL itself
    inplace = os.path.join(tmp, "inplace.onnx")
    shutil.copy(MODEL, inplace)
    os.chmod(inplace, 0o644)
    run("optimize", inplace, "--fix", "batch_size=1,sequence_length=128", "-o", inplace, "--quiet")
    check_static_copy(MODEL, inplace, FIX)
    expect(os.stat(inplace).st_mode & 0o777 == 0o666 & ~current_umask(), "usual permissions")


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


with tempfile.TemporaryDirectory() as tmp:
    for check in (check_shipped, check_value_info, check_errors, check_external_and_in_place):
        d = os.path.join(tmp, check.__name__)
        os.makedirs(d)
        check(d)
print(f"{'FAILED' if failures else 'ok'}: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
