#!/usr/bin/python3
"""End-to-end checks of the tinyrt CLI (registered in tests/cli.cmake).

    cli_checks.py TINYRT SOURCE_DIR CHECK
"""
import json
import os
import sys
import tempfile

from checklib import Checks

TINYRT, SRC, CHECK = sys.argv[1], sys.argv[2], sys.argv[3]
MODEL = os.path.join(SRC, "models/bert-tiny/model.onnx")
checks = Checks(TINYRT)
failures, expect = checks.failures, checks.expect
run = checks.run


def check_help():
    p = run("--help")
    for cmd in ("run", "bench", "inspect"):
        expect(f"  {cmd} " in p.stdout, f"--help lists {cmd}")
    for cmd in ("run", "bench", "inspect"):
        p = run(cmd, "--help")
        expect(p.stdout.startswith(f"usage: tinyrt {cmd}"), f"{cmd} --help prints usage")
    p = run("frobnicate", ok=False)
    expect(p.returncode == 2 and "unknown command" in p.stderr, "unknown command is refused")
    p = run("run", MODEL, "--shape", "batch_size=x", ok=False)
    expect(p.returncode == 2 and "--shape" in p.stderr, "a bad --shape is refused")


def check_inspect():
    info = json.loads(run("inspect", MODEL, "--json").stdout)
    arch = info["architecture"]
    expect(arch["layers"] == 2, f"layers 2 (got {arch['layers']})")
    expect(arch["hidden_size"] == 128, f"hidden 128 (got {arch['hidden_size']})")
    expect(arch["num_heads"] == 2, f"heads 2 (got {arch['num_heads']})")
    expect(arch["intermediate_size"] == 512, f"intermediate 512 (got {arch['intermediate_size']})")
    expect(arch["activation"] == "GELU (erf)", f"erf GELU (got {arch['activation']})")
    expect(arch["vocab_size"] == 30522, "vocabulary 30522")
    expect(info["opset"] == 14 and info["parameters"] == 4385920, "opset and parameter count")
    expect(info["inputs"][0]["shape"] == ["batch_size", "sequence_length"], "dynamic axes named")
    expect(sum(info["op_counts_loaded"].values()) == info["nodes_loaded"] == 257,
           "loaded op counts add up to 257 nodes")
    expect(sum(p["nodes"] for p in info["partitions"]) == info["nodes"] == len(info["node_list"]),
           "partitions cover every node")


BENCH_KEYS = ["model", "shape", "threads", "iterations", "mean_ms", "p50_ms", "p90_ms", "p95_ms",
              "p99_ms", "min_ms", "max_ms", "stdev_ms", "inferences_per_s", "sequences_per_s",
              "session_init_ms", "model_load_ms", "peak_rss_bytes", "gflop_per_inference",
              "peak_gflops", "peak_1t_gflops", "core_scaling"]


def check_bench():
    with tempfile.TemporaryDirectory() as d:
        prof = os.path.join(d, "p.json")
        out = run("bench", MODEL, "--shape", "batch_size=2,sequence_length=16", "--iterations",
                  "7", "--warmup", "1", "--threads", "1", "--json", "--profile", prof).stdout
        lines = [json.loads(l) for l in out.splitlines() if l.strip()]
        expect(len(lines) == 1, "one JSON object per shape set")
        r = lines[0]
        for k in BENCH_KEYS:
            expect(k in r, f"bench --json has {k}")
        expect(r["shape"] == {"batch_size": 2, "sequence_length": 16}, "shape echoed")
        expect(r["iterations"] == 7, "iterations honoured")
        expect(r["min_ms"] <= r["p50_ms"] <= r["p90_ms"] <= r["p99_ms"] <= r["max_ms"],
               "percentiles ordered")
        expect(abs(r["sequences_per_s"] - 2 * r["inferences_per_s"]) < 1e-6 * r["sequences_per_s"] + 1e-3,
               "sequences/s = batch x inferences/s")
        # matrix-multiply FLOPs of bert-tiny per sequence of length s (cpu-facts.md formula)
        s = 16
        flops = 2 * (3 * s * 128 * 128 * 2 + 2 * (2 * s * s * 64 * 2) + s * 128 * 128 * 2 +
                     2 * s * 128 * 512 * 2)
        expected = 2 * flops + 2 * 128 * 128 * 2  # two sequences, plus the pooler's Gemm
        expect(abs(r["gflop_per_inference"] * 1e9 - expected) < 1e3,
               f"GFLOP per inference {r['gflop_per_inference']} vs {expected / 1e9}")
        check_profile(prof, runs=1 + 1 + 7)
        out = run("bench", MODEL, "--shape", "batch_size=1,sequence_length=8", "--shape",
                  "batch_size=1,sequence_length=4", "--iterations", "3", "--warmup", "0", "--json").stdout
        expect(len([l for l in out.splitlines() if l.strip()]) == 2, "one object per --shape set")
        # the peak: one thread's for one thread; measured on both threads at once for two, and
        # core_scaling relates the two (no bound on its value: that is the machine's to set)
        expect(r["peak_gflops"] == r["peak_1t_gflops"] > 0 and r["core_scaling"] == 1.0,
               "one thread: peak is the one-thread peak")
        out = run("bench", MODEL, "--shape", "batch_size=1,sequence_length=8", "--iterations", "3",
                  "--warmup", "0", "--threads", "2", "--json").stdout
        r2 = json.loads(out.splitlines()[0])
        expect(r2["peak_gflops"] > 0 and r2["peak_1t_gflops"] > 0, "two threads: both peaks")
        # as printed: peaks to 0.01 GFLOP/s, the scaling to 0.001 (a debug build's peaks are small)
        pg, p1, cs = r2["peak_gflops"], r2["peak_1t_gflops"], r2["core_scaling"]
        expect(abs(cs - pg / p1) <= cs * (0.005 / pg + 0.005 / p1) + 0.0005,
               f"core_scaling {cs} = peak on the threads / one thread's ({pg} / {p1})")
        p = run("bench", MODEL, "--shape", "batch_size=1,sequence_length=8", "--iterations", "3",
                "--warmup", "0", "--threads", "2")
        expect("on 2 threads at once" in p.stdout, "text report says the peak was measured on both")


def check_profile(path, runs):
    with open(path) as f:
        events = json.load(f)
    expect(isinstance(events, list) and events, "profile is a non-empty JSON array")
    for e in events:
        for k in ("cat", "name", "ph", "ts", "dur", "pid", "tid", "args"):
            if k not in e:
                expect(False, f"event has {k}: {e}")
                return
        expect(e["ph"] == "X", "complete events")
    names = [e["name"] for e in events if e["cat"] == "Session"]
    expect(names.count("model_loading_uri") == 1, "one model_loading_uri")
    expect(names.count("session_initialization") == 1, "one session_initialization")
    expect(names.count("model_run") == runs, f"{runs} model_run events (got {names.count('model_run')})")
    nodes = [e for e in events if e["cat"] == "Node"]
    expect(nodes and all(e["name"].endswith("_kernel_time") for e in nodes), "node event names")
    for k in ("op_name", "provider", "node_index", "input_type_shape", "output_type_shape",
              "activation_size", "parameter_size", "output_size"):
        expect(all(k in e["args"] for e in nodes), f"node events have args.{k}")
    expect([e["ts"] for e in events] == sorted(e["ts"] for e in events), "events sorted by ts")
    # at the default optimization level the projections are FusedGemm nodes
    matmuls = [e for e in nodes if e["args"]["op_name"] in ("MatMul", "FusedGemm")]
    expect(any(s == {"float": [2, 16, 128]} for e in matmuls for s in e["args"]["input_type_shape"]),
           "MatMul input shapes recorded")


def check_run_outputs():
    with tempfile.TemporaryDirectory() as d:
        run("run", MODEL, "--shape", "batch_size=2,sequence_length=9", "--output-dir", d, "--quiet")
        names = sorted(os.listdir(d))
        expect(names == ["last_hidden_state.npy", "pooler_output.npy"], f"outputs written: {names}")
        # --fast-gelu reports how much the approximation moved the outputs, measured
        p = run("run", MODEL, "--shape", "batch_size=1,sequence_length=16", "--output-dir", d,
                "--fast-gelu")
        import re
        m = re.search(r"--fast-gelu: (\d+) GELUs? rewritten.*: ([0-9.e+-]+)", p.stdout)
        expect(m and int(m.group(1)) == 2, f"--fast-gelu rewrites both GELUs: {p.stdout}")
        # the tanh form differs from erf GELU by < 1e-3 per activation (bert-tiny's README
        # measures 4.6e-4 on its outputs); it must be visible but small
        expect(m and 0 < float(m.group(2)) < 1e-2, "--fast-gelu change measured and small")
        p = run("run", MODEL, "--output-dir", d, ok=False)
        expect(p.returncode == 1 and "--shape" in p.stderr, "missing dims are named")


{"help": check_help, "inspect": check_inspect, "bench": check_bench,
 "run": check_run_outputs}[CHECK]()
print(f"{'FAILED' if failures else 'ok'}: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
