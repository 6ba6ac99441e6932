#!/usr/bin/python3
"""End-to-end check of `tinyrt report` (registered in tests/report.cmake).

    report_check.py TINYRT SOURCE_DIR WORK_DIR

Runs the report on the shipped model with small counts, then checks:
  - the text has every section of the seed document (tiny-systems-bert-profile.txt), in order;
  - its figures are consistent with each other (percentiles ordered, shares sum to 100%,
    overhead + node time = total duration, throughput = 1000 / mean, runs = 1 + warmup + timed,
    comparison differences match the table), and with `tinyrt inspect --json` (node counts,
    partitions, parameters) and with the profile it kept (event and run counts);
  - --json parses and has every section; bad --shape values are refused naming the dims;
  - the HTML page is self-contained, loads in headless Chromium (--dump-dom) with every section
    and SVG chart drawn, and renders to a non-blank screenshot.
Nothing here asserts a timing: only relations between numbers the same run printed.
"""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from checklib import Checks

TINYRT, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
MODEL = os.path.join(SRC, "models/bert-tiny/model.onnx")
ITER, WARM = 30, 2
checks = Checks(TINYRT)
failures, expect = checks.failures, checks.expect


def run(*args, ok=True, timeout=900):
    return checks.run(*args, ok=ok, timeout=timeout)


def num(text, pattern, what):
    """The first number group of pattern in text (thousands separators removed)."""
    m = re.search(pattern, text, re.M)
    if not m:
        failures.append(f"missing: {what}")
        print("FAIL: missing", what, "/", pattern)
        return float("nan")
    return float(m.group(1).replace(",", ""))


# The seed's sections in its order. Provider-specific titles map to what tinyrt prints: the seed's
# "CoreML Partitioning" is "<preferred provider> Partitioning", "Top CPU Fallback Operations" is
# "Top Operations" (or "Top ... Fallback Operations" when nodes fall back), "CoreML Partition
# Performance" is the analyzer's partition block.
SEED_SECTIONS = [
    r"^\S.* Profile Analysis \(tinyrt [0-9.]+\)$",
    r"^Model Configuration:$", r"^  - Model: ", r"^  - Precision: ", r"^  - Activation: ",
    r"^  - Batch size: Dynamic \(tested with batch_size=1\)$",
    r"^  - Sequence length: Dynamic \(tested with sequence_length=128\)$",
    r"^  - ONNX file: ", r"^  - Model size: ",
    r"^Export Details:$", r"^  - Dynamic axes: batch_size, sequence_length", r"^  - Opset version: 14",
    r"^  - Architecture: 2 transformer layers, hidden size 128, .*parameters",
    r"^Benchmark Results$", r"^Performance Metrics:$", r"^  - Mean latency: ", r"^  - p50 latency: ",
    r"^  - p90 latency: ", r"^  - p99 latency: ", r"^  - Throughput: .* inferences/sec",
    r"^\S+ Partitioning:$", r"^  - Partitions created: ", r"^  - Total nodes in graph: ",
    r"^  - Nodes on \S+ \(preferred\): ", r"^  - Nodes falling back",
    r"^Profile Analysis$", r"^Total Profile Statistics:$", r"^  - Total events: ",
    r"^  - Total duration: ", r"^  - Session initialization: ", r"^  - Model loading: ",
    r"^Execution Time Breakdown:$", r"^  - Session overhead: ", r"^  - Node execution: ",
    r"^Top (\S+ )?(Fallback )?Operations", r"^(Partitions \(|\S+ Partition Performance:)",
    r"^Key Observations$", r"^1\. Dynamic Shape Support:$", r"^\d\. Graph Fragmentation Pattern:$",
    r"^\d\. Performance Characteristics:$",
    r"^Comparison: Static vs Dynamic Shapes$",
    r"^Static Shape \(batch_size=1, sequence_length=128\):$", r"^  - Partitions: ",
    r"^Dynamic Shape \(batch_size, sequence_length\):$", r"^Trade-offs:$",
    r"^Recommendations$", r"^1\. For ",
]


def check_sections(text):
    pos = 0
    for pat in SEED_SECTIONS:
        m = re.compile(pat, re.M).search(text, pos)
        expect(m is not None, f"section in order: {pat}")
        if m:
            pos = m.end()


def check_figures(text, info, profile_path):
    mean = num(text, r"^  - Mean latency: ([\d.]+) ms", "mean")
    p = {k: num(text, rf"^  - {k} latency: ([\d.]+) ms", k) for k in ("p50", "p90", "p95", "p99")}
    lo = num(text, r"^  - Min / max latency: ([\d.]+) /", "min")
    hi = num(text, r"^  - Min / max latency: [\d.]+ / ([\d.]+) ms", "max")
    expect(lo <= p["p50"] <= p["p90"] <= p["p95"] <= p["p99"] <= hi,
           f"min <= p50 <= p90 <= p95 <= p99 <= max ({lo}, {p}, {hi})")
    expect(lo <= mean <= hi, "mean between min and max")
    ips = num(text, r"^  - Throughput: ([\d.]+) inferences/sec", "throughput")
    # printed to 3 and 2 decimals: relative error well under 1e-3 at these magnitudes
    expect(abs(ips - 1000.0 / mean) <= 1e-3 * ips + 0.01, f"throughput {ips} = 1000 / mean {mean}")

    # node counts and partitions against tinyrt inspect --json
    loaded = num(text, r"^  - Total nodes in graph: (\d+) as loaded", "nodes loaded")
    after = num(text, r"^  - Total nodes in graph: \d+ as loaded, (\d+) after", "nodes after")
    expect(loaded == info["nodes_loaded"], f"nodes as loaded {loaded} = inspect {info['nodes_loaded']}")
    expect(after == info["nodes"], f"nodes after optimization {after} = inspect {info['nodes']}")
    parts = num(text, r"^  - Partitions created: (\d+)", "partitions")
    expect(parts == len(info["partitions"]), "partitions = inspect's")
    m = re.search(r"^  - Nodes on (\S+) \(preferred\): (\d+)$", text, re.M)
    expect(m is not None, "nodes on the preferred provider")
    preferred, on_pref = (m.group(1), int(m.group(2))) if m else ("?", -1)
    by_provider = {}
    for n in info["node_list"]:
        by_provider[n["provider"]] = by_provider.get(n["provider"], 0) + 1
    expect(on_pref == by_provider.get(preferred, 0), f"nodes on {preferred} = inspect's")
    for prov, count in re.findall(r"^  - Nodes falling back to (\S+): (\d+)", text, re.M):
        expect(int(count) == by_provider.get(prov, 0), f"nodes falling back to {prov} = inspect's")
    fallback = sum(int(c) for c in re.findall(r"^  - Nodes falling back to \S+: (\d+)", text, re.M))
    expect(on_pref + fallback == info["nodes"], "preferred + fallback nodes = all nodes")
    params = num(text, r"parameters \((\d+)\)", "parameter count")
    expect(params == info["parameters"], "parameter count = inspect's")

    # the profile analysis: shares, totals, runs, against the kept profile itself
    total = num(text, r"^  - Total duration: ([\d,.]+) ms", "total duration")
    over_ms = num(text, r"^  - Session overhead: ([\d,.]+) ms", "overhead ms")
    over_pct = num(text, r"^  - Session overhead: [\d,.]+ ms \(([\d.]+)%\)", "overhead %")
    node_ms = num(text, r"^  - Node execution: ([\d,.]+) ms", "node ms")
    node_pct = num(text, r"^  - Node execution: [\d,.]+ ms \(([\d.]+)%\)", "node %")
    expect(abs(over_pct + node_pct - 100) <= 0.11, f"overhead % + node % = 100 ({over_pct} + {node_pct})")
    expect(abs(over_ms + node_ms - total) <= 0.011, "overhead + node execution = total duration")
    runs = num(text, r"^  - Runs \(model_run\): (\d+)", "runs")
    expect(runs == 1 + WARM + ITER, f"profile runs = 1 sizing + {WARM} warm-up + {ITER} timed")
    with open(profile_path) as f:
        events = json.load(f)
    expect(num(text, r"^  - Total events: ([\d,]+)", "total events") == len(events),
           "total events = the kept profile's length")
    expect(sum(e["name"] == "model_run" for e in events) == runs, "model_run events = runs")
    shares = [float(s) for s in re.findall(r"^  \d+\. \S+: [\d,.]+ ms \(([\d.]+)%, ", text, re.M)]
    expect(shares and sum(shares) <= 100.0 + 0.05 * len(shares), "op type shares sum to <= 100%")

    # the comparison table's differences follow from its own columns
    for name in ("mean latency", "p50 latency", "p99 latency", "throughput"):
        m = re.search(rf"^  {name} \S+\s+(([\d]+)\.(\d+))\s+([\d.]+)\s+([+-][\d.]+)%$", text, re.M)
        expect(m is not None, f"comparison row {name}")
        if m:
            s, d, diff = float(m.group(1)), float(m.group(4)), float(m.group(5))
            # the columns are rounded to their printed decimals (h = half a unit of the last
            # one) and the difference to 0.1%: the difference must lie within the range the
            # rounded columns allow
            h = 0.5 * 10 ** -len(m.group(3))
            corners = [100 * (dd - ss) / ss for ss in (s - h, s + h) for dd in (d - h, d + h) if ss > 0]
            expect(corners and min(corners) - 0.05 <= diff <= max(corners) + 0.05,
                   f"{name}: {diff}% = (dynamic - static) / static of {s}, {d}")
    expect(re.search(r"^  - Mean latency: [\d.]+ ms \([+-][\d.]+% vs static: (no measurable "
                     r"difference|[\d.]+% (slower|faster))\)$", text, re.M) is not None,
           "the dynamic mean says whether the difference is measurable")
    z = num(text, r"Mann-Whitney U, z = ([-\d.]+)", "z")
    m = re.search(r"^  - Mean latency: .* vs static: (.*)\)$", text, re.M)
    verdict = m.group(1) if m else ""
    # z is printed to 2 decimals: a value that rounds onto 1.96 could go either way
    expect((verdict == "no measurable difference") == (abs(z) < 1.96) or abs(abs(z) - 1.96) <= 0.005,
           f"'no measurable difference' exactly when |z| < 1.96 (z = {z}, '{verdict}')")


class Dom(html.parser.HTMLParser):
    """Collects h2/h3 texts and, per <svg>, its <rect> sizes."""

    def __init__(self):
        super().__init__()
        self.headings, self.svgs, self.tag = [], [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("h2", "h3"):
            self.tag, self.text = tag, ""
        elif tag == "svg":
            self.svgs.append([])
        elif tag == "rect" and self.svgs:
            self.svgs[-1].append((float(a.get("width", "0")), float(a.get("height", "0"))))

    def handle_data(self, data):
        if self.tag:
            self.text += data

    def handle_endtag(self, tag):
        if tag == self.tag:
            self.headings.append(self.text.strip())
            self.tag = None


def chromium(*args):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        raise SystemExit("chromium is not installed (scripts/install-deps.sh installs it)")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args],
            capture_output=True, text=True, timeout=180)


def check_html(path):
    with open(path, encoding="utf-8") as f:
        page = f.read()
    for bad in ("<script", "src=", "href=", "@import", "url("):
        expect(bad not in page, f"the page is self-contained (no {bad})")
    p = chromium("--dump-dom", "file://" + os.path.abspath(path))
    expect(p.returncode == 0, f"chromium --dump-dom exits 0 ({p.returncode})")
    for line in p.stderr.splitlines():  # dbus noise aside, the page itself must log nothing
        expect(not re.search(r"CONSOLE|Uncaught|net::ERR|Not allowed to load", line),
               f"chromium logged no page error: {line}")
    dom = Dom()
    dom.feed(p.stdout)
    for h in ("Model Configuration", "Export Details", "Benchmark Results", "Performance Metrics",
              "Profile Analysis", "Total Profile Statistics", "Execution Time Breakdown",
              "Time by Op", "Time per Provider", "Partition Performance", "Key Observations",
              "Comparison: Static vs Dynamic Shapes", "Trade-offs", "Recommendations"):
        expect(h in dom.headings, f"the rendered page has the section '{h}'")
    # histogram, overhead vs execution, time by op type, static vs dynamic latency, throughput
    expect(len(dom.svgs) >= 5, f"at least 5 SVG charts (got {len(dom.svgs)})")
    for i, rects in enumerate(dom.svgs):
        expect(any(w > 0 and h > 0 for w, h in rects), f"chart {i + 1} draws bars ({len(rects)} rects)")
    shot = os.path.join(WORK, "report.png")
    if os.path.exists(shot):
        os.remove(shot)
    p = chromium("--hide-scrollbars", "--window-size=1100,3000", f"--screenshot={shot}",
                 "file://" + os.path.abspath(path))
    expect(p.returncode == 0 and os.path.exists(shot), "chromium writes a screenshot")
    if os.path.exists(shot):
        try:
            from PIL import Image
        except ImportError:  # the size check below still catches a blank page
            Image = None
        if Image:
            colours = Image.open(shot).convert("RGB").getcolors(1 << 20) or []
            expect(len(colours) > 20, f"the screenshot is not blank ({len(colours)} colours)")
        expect(os.path.getsize(shot) > 20000, "the screenshot has content")


def check_json_and_errors(info):
    # a short sequence keeps this second run cheap under the sanitizers
    p = run("report", MODEL, "--shape", "batch_size=2,sequence_length=16", "--iterations", "3",
            "--warmup", "0", "--threads", "1", "--json")
    j = json.loads(p.stdout)
    for k in ("model", "benchmark", "partitioning", "profile_analysis", "gelu", "comparison",
              "machine", "observations", "recommendations"):
        expect(k in j, f"--json has the section {k}")
    b = j["benchmark"]["dynamic_profiled"]
    expect(b["min_ms"] <= b["p50_ms"] <= b["p90_ms"] <= b["p95_ms"] <= b["p99_ms"] <= b["max_ms"],
           "--json percentiles ordered")
    expect(len(j["benchmark"]["samples_ms"]) == 3 and b["iterations"] == 3, "--json samples")
    expect(j["profile_analysis"]["runs"] == 1 + 0 + 3, "--json profile runs")
    expect(j["partitioning"]["nodes"] == info["nodes"], "--json node count = inspect's")
    expect(j["model"]["shape"] == {"batch_size": 2, "sequence_length": 16}, "--json shape")
    expect(abs(b["sequences_per_s"] - 2 * b["inferences_per_s"]) <= 1e-9 * b["sequences_per_s"],
           "--json sequences/s = batch 2 x inferences/s")
    c = j["comparison"]
    expect(c["static"]["iterations"] == c["dynamic"]["iterations"] == 3, "--json comparison runs")
    expect(all(o["text"] and o["group"] for o in j["observations"]), "--json observations")

    p = run("report", MODEL, "--shape", "batch_size=1", ok=False)
    expect(p.returncode != 0 and "sequence_length" in p.stderr, "a missing dim is named")
    p = run("report", MODEL, "--shape", "batch_size=1,sequence_length=8,frames=3", ok=False)
    expect(p.returncode != 0 and "'frames'" in p.stderr, "an unknown dim is named")
    p = run("report", ok=False)
    expect(p.returncode == 2 and "usage: tinyrt report" in p.stderr, "no model: usage")


def main():
    os.makedirs(WORK, exist_ok=True)
    info = json.loads(run("inspect", MODEL, "--json").stdout)
    html_path = os.path.join(WORK, "report.html")
    prof_path = os.path.join(WORK, "report-profile.json")
    p = run("report", MODEL, "--iterations", str(ITER), "--warmup", str(WARM), "--html", html_path,
            "--profile", prof_path)
    with open(os.path.join(WORK, "report.txt"), "w") as f:
        f.write(p.stdout)
    check_sections(p.stdout)
    check_figures(p.stdout, info, prof_path)
    check_html(html_path)
    check_json_and_errors(info)
    if failures:
        print(f"{len(failures)} check(s) failed; the report is in {WORK}")
        return 1
    print("report checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
