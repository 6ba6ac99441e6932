#!/usr/bin/python3
"""Build the set of BERT exports the test suite uses for "other exports of the same kind".

    make_test_models.py OUTDIR [--only NAME,...] [--list]

Writes OUTDIR/<variant>/model.onnx, OUTDIR/<variant>/refs/<case>/*.npy (same layout as
export_bert.py) and OUTDIR/manifest.txt with one `variant case` line per reference case.
Everything is derived from fixed seeds and computed on one thread, so two runs write identical
bytes. The set is generated at test time, not committed; it is kept small (small vocabularies,
short sequences) so that building all of it takes seconds.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import export_bert as eb  # noqa: E402  (needs the path above)

# The shipped model's defaults, with a small vocabulary and position table to keep it quick.
BASE = dict(layers=2, hidden=128, heads=2, intermediate=512, vocab=1000, max_positions=128,
            gelu="erf", mask_value="finfo", mask_style="unsqueeze")

# (name, config overrides, opset, static B,S or None, reference cases). Each variant changes one
# thing relative to the shipped model, so a failure points at what the runtime mishandles.
VARIANTS = [
    ("l1", dict(layers=1, max_positions=64), 14, None, ["b1_s64", "b3_s20_pad", "b5_s9_pad"]),
    ("l3_a4", dict(layers=3, heads=4), 14, None, ["b1_s7", "b2_s33_pad"]),
    ("h256_a4", dict(hidden=256, heads=4, intermediate=1024), 14, None,
     ["b1_s48", "b3_s17_pad"]),
    ("h384_a12", dict(hidden=384, heads=12, intermediate=1536), 14, None,
     ["b1_s1", "b2_s29_pad"]),
    ("h768_a12", dict(layers=1, hidden=768, heads=12, intermediate=3072), 14, None,
     ["b1_s32", "b2_s19_pad"]),
    ("h192_a3", dict(hidden=192, heads=3, intermediate=768), 14, None, ["b2_s13_pad"]),
    ("a1", dict(heads=1), 14, None, ["b2_s15_pad"]),
    ("gelu_tanh", dict(gelu="tanh"), 14, None, ["b1_s24", "b2_s11_pad"]),
    ("opset15", {}, 15, None, ["b2_s10_pad"]),
    ("opset16", {}, 16, None, ["b2_s10_pad"]),
    ("opset17", {}, 17, None, ["b1_s40", "b2_s23_pad", "b1_s1"]),
    ("opset17_h256_tanh", dict(hidden=256, heads=4, intermediate=1024, gelu="tanh"), 17, None,
     ["b3_s14_pad"]),
    ("static_b2_s16", {}, 14, (2, 16), ["b2_s16", "b2_s16_pad"]),
    ("mask_expand", dict(mask_style="expand"), 14, None, ["b1_s5", "b3_s21_pad"]),
    ("mask_m10000", dict(mask_value="-10000"), 14, None, ["b2_s12_pad", "b1_s9_pad"]),
]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", nargs="?")
    ap.add_argument("--only", help="comma-separated variant names to build")
    ap.add_argument("--list", action="store_true", help="list the variants and exit")
    ap.add_argument("--check64", action="store_true",
                    help="also compare each reference against a float64 run and report the gap")
    args = ap.parse_args(argv)

    if args.list:
        for name, over, opset, static, cases in VARIANTS:
            cfg = dict(BASE, **over)
            shape = f" static {static[0]},{static[1]}" if static else ""
            print(f"{name:18s} opset {opset}{shape} {cfg} cases {' '.join(cases)}")
        return 0
    if not args.outdir:
        ap.error("OUTDIR is required")
    chosen = VARIANTS
    if args.only:
        names = args.only.split(",")
        unknown = set(names) - {v[0] for v in VARIANTS}
        if unknown:
            print(f"make_test_models.py: unknown variant(s) {', '.join(sorted(unknown))}",
                  file=sys.stderr)
            return 2
        chosen = [v for v in VARIANTS if v[0] in names]

    eb.torch.set_num_threads(1)  # bit-identical references run to run
    os.makedirs(args.outdir, exist_ok=True)
    t_all = time.perf_counter()
    lines = []
    worst = 0.0
    for seed, (name, over, opset, static, cases) in enumerate(VARIANTS):
        if (name, over, opset, static, cases) not in chosen:
            continue
        t0 = time.perf_counter()
        params = dict(BASE, **over)
        # Scale the weights with 1/sqrt(width) so wider variants keep the shipped model's
        # activation sizes (0.05 at hidden 128 is ~0.02 at 768, HF's own init); with a fixed std
        # the 768-wide variant's float32 references drift 8e-6 from the exact result.
        params.setdefault("init_std", 0.05 * (128.0 / params["hidden"]) ** 0.5)
        cfg = eb.Config(**params)
        # Seeds follow the variant's place in VARIANTS, so --only builds the same bytes.
        gap = eb.build_and_export(cfg, os.path.join(args.outdir, name), opset, static,
                                  seed=100 + seed, refs=cases, check64=args.check64,
                                  log=lambda s: None)
        lines += [f"{name} {case}" for case in cases]
        extra = ""
        if gap is not None:
            worst = max(worst, gap)
            extra = f", float32 vs float64 gap {gap:.3g}"
        print(f"{name}: {len(cases)} case(s) in {time.perf_counter() - t0:.2f} s{extra}")
    tmp = os.path.join(args.outdir, "manifest.txt.tmp")
    with open(tmp, "w") as f:
        f.write("".join(line + "\n" for line in lines))
    os.replace(tmp, os.path.join(args.outdir, "manifest.txt"))
    summary = f"{len(chosen)} variants, {len(lines)} cases in {time.perf_counter() - t_all:.1f} s"
    if args.check64:
        summary += f"; worst float32 vs float64 gap {worst:.3g}"
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
