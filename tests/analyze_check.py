#!/usr/bin/python3
"""Checks `tinyrt analyze --json` against an independent computation from the raw profile.

usage: analyze_check.py TINYRT [--bench MODEL OUTDIR] PROFILE...

For each PROFILE (a Chrome-trace JSON array, or {"traceEvents": [...]}), recomputes with the json
module alone: total events, runs, total duration, model loading, session initialization, node
time, overhead, kernel time and events per (op, layer, provider), per provider, the partitions,
and the first-run and nearest-rank p50/p90/p99 latencies, and compares them with the analyzer's
JSON. With --bench, first writes a tinyrt profile of MODEL with `tinyrt bench --profile` into
OUTDIR and checks it too (tinyrt's own format). Also checks the text and HTML outputs and that a
broken profile fails cleanly.
"""
import json
import math
import os
import re
import subprocess
import sys

# Durations are whole microseconds in both formats, so the sums below are exact; the tolerance only
# allows for the analyzer summing in a different order and dividing by 1000 (1e-6 relative, as
# the checked numbers are printed with 15+ significant digits).
REL = 1e-6

LAYER = re.compile(r"(?<![A-Za-z0-9])(?:layers|layer|blocks|block)[._/](\d+)(?![0-9A-Za-z])", re.I)
failures = []


def close(a, b):
    return abs(a - b) <= REL * max(1.0, abs(b))


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def layer_of(name, fused):
    if fused:
        return None
    m = LAYER.search(name)
    return int(m.group(1)) if m else None


def nearest_rank(sorted_vals, p):
    n = len(sorted_vals)
    rank = max(1, math.ceil(round(p * n * 1000) / 100000))  # p*n/100 without float drift
    return sorted_vals[min(rank, n) - 1]


def independent(events):
    timed = [e for e in events if e.get("ph", "X") == "X"]
    start = min(e["ts"] for e in timed)
    end = max(e["ts"] + e["dur"] for e in timed)
    kern = [e for e in timed if e["name"].endswith("_kernel_time")]
    runs = sorted((e for e in timed if e["name"] == "model_run"), key=lambda e: e["ts"])
    r = {
        "total_events": len(events),
        "kernel_events": len(kern),
        "runs": len(runs),
        "total_duration_ms": (end - start) / 1000.0,
        "model_load_ms": sum(e["dur"] for e in timed
                             if e["name"] in ("model_loading_uri", "model_loading_array")) / 1000.0,
        "session_init_ms": sum(e["dur"] for e in timed if e["name"] == "session_initialization") / 1000.0,
        "node_time_ms": sum(e["dur"] for e in kern) / 1000.0,
    }
    r["overhead_ms"] = r["total_duration_ms"] - r["node_time_ms"]

    nodes = {}  # (name, node_index) -> info
    for e in kern:
        a = e["args"]
        name = e["name"][: -len("_kernel_time")]
        key = (name, int(a["node_index"]) if "node_index" in a else -1)
        prov, op = a["provider"], a["op_name"]
        fused = re.fullmatch(re.escape(prov) + "_" + re.escape(op) + r"_\d+", name) is not None
        n = nodes.setdefault(key, {"op": op, "provider": prov, "us": 0, "events": 0,
                                   "first": e["ts"], "fused": fused, "index": key[1]})
        n["us"] += e["dur"]
        n["events"] += 1
        n["first"] = min(n["first"], e["ts"])
    # a node whose name has no layer takes the layer of its nearest named neighbours in execution
    # order (first event) when the one before and the one after agree (ORT's fused "BiasGelu")
    for (name, _), n in nodes.items():
        n["layer"] = layer_of(name, n["fused"])
    order = sorted(nodes.values(), key=lambda n: (n["first"], n["index"]))
    named = [(i, n["layer"]) for i, n in enumerate(order) if n["layer"] is not None]
    for i, n in enumerate(order):
        if n["layer"] is None and not n["fused"]:
            prev = [l for j, l in named if j < i]
            nxt = [l for j, l in named if j > i]
            if prev and nxt and prev[-1] == nxt[0]:
                n["inferred"] = prev[-1]
    for n in order:
        if "inferred" in n:
            n["layer"] = n["inferred"]
    ops, providers = {}, {}
    for (name, _), n in nodes.items():
        k = (n["op"], n["layer"], n["provider"])
        o = ops.setdefault(k, [0, 0])
        o[0] += n["us"]
        o[1] += n["events"]
        p = providers.setdefault(n["provider"], [0, 0])
        p[0] += 1
        p[1] += n["us"]
    r["ops"] = {k: (v[0] / 1000.0, v[1]) for k, v in ops.items()}
    r["providers"] = {k: (v[0], v[1] / 1000.0) for k, v in providers.items()}

    # partitions: fused nodes if any, else runs of one provider in node_index order
    if any(n["fused"] for n in nodes.values()):
        parts = sorted((n["first"], name, n["us"] / 1000.0) for (name, _), n in nodes.items() if n["fused"])
        r["partitions"] = [(name, ms) for _, name, ms in parts]
    else:
        order = sorted(nodes.values(), key=lambda n: (n["index"], n["first"]))
        parts = []
        for n in order:
            if parts and parts[-1][0] == n["provider"]:
                parts[-1][1] += n["us"]
            else:
                parts.append([n["provider"], n["us"]])
        r["partitions"] = [(p, us / 1000.0) for p, us in parts]

    run_ms = [(e["dur"]) / 1000.0 for e in runs]
    if run_ms:
        steady = sorted(run_ms[1:] if len(run_ms) > 1 else run_ms)
        r["latency"] = {"first_run_ms": run_ms[0], "runs": len(steady),
                        "p50_ms": nearest_rank(steady, 50), "p90_ms": nearest_rank(steady, 90),
                        "p99_ms": nearest_rank(steady, 99),
                        "mean_ms": sum(steady) / len(steady)}
    return r


def run(cmd, **kw):
    # errors="replace": a stray byte in a command's output must not hide what is being checked
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace", **kw)


def check_profile(tinyrt, path):
    print("checking", path)
    with open(path) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    want = independent(events)
    p = run([tinyrt, "analyze", "--json", "--top", "0", path])
    check(p.returncode == 0, f"{path}: analyze exit {p.returncode}: {p.stderr}")
    if p.returncode:
        return
    got = json.loads(p.stdout)
    for k in ("total_events", "kernel_events", "runs"):
        check(got[k] == want[k], f"{path}: {k} {got[k]} != {want[k]}")
    for k in ("total_duration_ms", "model_load_ms", "session_init_ms", "node_time_ms", "overhead_ms"):
        check(close(got[k], want[k]), f"{path}: {k} {got[k]} != {want[k]}")
    # the overhead breakdown adds up
    parts = got["model_load_ms"] + got["session_init_ms"] + got["run_overhead_ms"] + got["other_overhead_ms"]
    check(close(parts, got["overhead_ms"]), f"{path}: overhead parts {parts} != {got['overhead_ms']}")

    got_ops = {(o["op"], o["layer"], o["provider"]): (o["total_ms"], o["events"]) for o in got["top_ops"]}
    check(set(got_ops) == set(want["ops"]),
          f"{path}: op groups differ: only analyzer {sorted(map(str, set(got_ops) - set(want['ops'])))}, "
          f"only here {sorted(map(str, set(want['ops']) - set(got_ops)))}")
    for k, (ms, ev) in want["ops"].items():
        if k in got_ops:
            check(close(got_ops[k][0], ms) and got_ops[k][1] == ev, f"{path}: op {k}: {got_ops[k]} != {(ms, ev)}")
    totals = [o["total_ms"] for o in got["top_ops"]]
    check(totals == sorted(totals, reverse=True), f"{path}: top_ops not sorted by time")
    check(close(sum(totals), want["node_time_ms"]), f"{path}: top_ops sum {sum(totals)} != node time")

    check(set(got["providers"]) == set(want["providers"]), f"{path}: providers differ")
    for k, (nodes, ms) in want["providers"].items():
        g = got["providers"].get(k)
        if g:
            check(g["nodes"] == nodes and close(g["total_ms"], ms), f"{path}: provider {k}: {g} != {(nodes, ms)}")

    gp = [(p["provider"] if not p["fused"] else p["name"], p["total_ms"]) for p in got["partitions"]]
    check(len(gp) == len(want["partitions"]), f"{path}: {len(gp)} partitions != {len(want['partitions'])}")
    for (gn, gms), (wn, wms) in zip(gp, want["partitions"]):
        check(gn == wn and close(gms, wms), f"{path}: partition {(gn, gms)} != {(wn, wms)}")

    if "latency" in want:
        for k, v in want["latency"].items():
            check(close(got["latency"][k], v), f"{path}: latency {k} {got['latency'][k]} != {v}")
    check(isinstance(got["observations"], list) and got["observations"], f"{path}: no observations")

    # text and HTML
    html = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"analyze_check_{os.getpid()}.html")
    t = run([tinyrt, "analyze", path, "--html", html])
    check(t.returncode == 0, f"{path}: text analyze exit {t.returncode}: {t.stderr}")
    check(f"Total events: {want['total_events']:,}" in t.stdout, f"{path}: text lacks the event count")
    check(f"Runs (model_run): {want['runs']}" in t.stdout, f"{path}: text lacks the run count")
    for section in ("Profile Analysis", "Execution Time Breakdown", "Key Observations", "Recommendations"):
        check(section in t.stdout, f"{path}: text lacks '{section}'")
    try:
        with open(html) as f:
            page = f.read()
        os.remove(html)
        check(page.count("<svg") >= 3 and page.rstrip().endswith("</html>"), f"{path}: HTML incomplete")
    except OSError as e:
        check(False, f"{path}: no HTML written: {e}")


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    tinyrt = args.pop(0)
    profiles = []
    while args:
        a = args.pop(0)
        if a == "--bench":
            model, outdir = args.pop(0), args.pop(0)
            os.makedirs(outdir, exist_ok=True)
            out = os.path.join(outdir, "tinyrt_profile.json")
            b = run([tinyrt, "bench", model, "--shape", "batch_size=1,sequence_length=16",
                     "--iterations", "5", "--warmup", "1", "--threads", "1", "--profile", out])
            check(b.returncode == 0, f"tinyrt bench --profile failed: {b.stderr}")
            if b.returncode == 0:
                profiles.append(out)
        else:
            profiles.append(a)
    for p in profiles:
        check_profile(tinyrt, p)

    # a broken profile: exit 1, the problem on stderr, nothing on stdout
    bad = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"analyze_bad_{os.getpid()}.json")
    with open(bad, "w") as f:
        f.write('[{"name":"model_run","ph":"X","ts":0,"dur":1},\n{"name":"x_kernel_time","ts":1,"dur":1}]')
    b = run([tinyrt, "analyze", bad])
    os.remove(bad)
    check(b.returncode == 1 and b.stdout == "" and "event 1" in b.stderr and "args" in b.stderr,
          f"bad profile: exit {b.returncode}, stderr {b.stderr!r}")

    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
