#!/usr/bin/python3
"""Compare NumPy arrays: print the max abs error per array, exit 1 when one is over tolerance.

    compare_npy.py EXPECTED.npy ACTUAL.npy --atol 1e-5
    compare_npy.py --dirs EXPECTED_DIR ACTUAL_DIR --atol 1e-5 [--names last_hidden_state,...]

In the directory form every .npy in ACTUAL_DIR is compared with the file of the same name in
EXPECTED_DIR (which may hold more, e.g. the reference inputs). With --names, exactly those
arrays are compared and each must exist in both, so a runtime that writes no file at all for an
output fails instead of passing by omission.

A mismatch of shape or dtype, a NaN or infinity where the reference has a finite value, or an
error above --atol + --rtol * |expected| fails. Exit codes: 0 all within tolerance, 1 a
mismatch, 2 bad usage or an unreadable file.
"""

import argparse
import os
import sys

import numpy as np


class UsageError(Exception):
    pass


def load(path):
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read {path}: {e}")


def compare(name, expected, actual, atol, rtol, out=sys.stdout):
    """Print one line about the pair, return True when it is within tolerance."""
    if expected.shape != actual.shape:
        print(f"{name}: FAIL shape {actual.shape}, expected {expected.shape}", file=out)
        return False
    if expected.dtype.newbyteorder("=") != actual.dtype.newbyteorder("="):
        print(f"{name}: FAIL dtype {actual.dtype}, expected {expected.dtype}", file=out)
        return False
    if expected.size == 0:
        print(f"{name}: ok (empty {expected.shape})", file=out)
        return True
    if expected.dtype.kind not in "fc":
        bad = int(np.count_nonzero(expected != actual))
        ok = bad == 0
        print(f"{name}: {'ok' if ok else 'FAIL'} {bad} of {expected.size} elements differ "
              f"({expected.dtype})", file=out)
        return ok
    e = expected.astype(np.float64)
    a = actual.astype(np.float64)
    # Non-finite values must sit exactly where the reference has the same non-finite value.
    same_nonfinite = (~np.isfinite(e)) & ((e == a) | (np.isnan(e) & np.isnan(a)))
    finite_both = np.isfinite(e) & np.isfinite(a)
    bad_nonfinite = int(np.count_nonzero(~finite_both & ~same_nonfinite))
    err = np.where(finite_both, np.abs(a - e), 0.0)
    limit = atol + rtol * np.abs(np.where(finite_both, e, 0.0))
    over = int(np.count_nonzero(err > limit))
    idx = np.unravel_index(int(np.argmax(err)), err.shape)
    max_err = float(err[idx])
    scale = float(np.max(np.abs(np.where(np.isfinite(e), e, 0.0))))
    ok = over == 0 and bad_nonfinite == 0
    msg = (f"{name}: {'ok' if ok else 'FAIL'} max abs error {max_err:.3g} at {list(idx)} "
           f"(expected {e[idx]:.7g}, got {a[idx]:.7g}); max |expected| {scale:.3g}; "
           f"atol {atol:g}")
    if rtol:
        msg += f" rtol {rtol:g}"
    if over:
        msg += f"; {over} of {e.size} elements over tolerance"
    if bad_nonfinite:
        msg += f"; {bad_nonfinite} non-finite values where the reference differs"
    print(msg, file=out)
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("files", nargs="*", metavar="FILE", help="EXPECTED.npy ACTUAL.npy")
    ap.add_argument("--dirs", nargs=2, metavar=("EXPECTED_DIR", "ACTUAL_DIR"))
    ap.add_argument("--names", help="comma-separated array names to compare in --dirs form")
    ap.add_argument("--atol", type=float, required=True)
    ap.add_argument("--rtol", type=float, default=0.0)
    ap.add_argument("--real-only", metavar="MASK.npy",
                    help="padding removal: compare arrays whose leading dims are the mask's "
                         "[batch, seq] only where the mask is 1, and require exact zeros where "
                         "it is 0")
    args = ap.parse_args(argv)
    try:
        if args.dirs:
            if args.files:
                raise UsageError("give either two files or --dirs, not both")
            exp_dir, act_dir = args.dirs
            for d in (exp_dir, act_dir):
                if not os.path.isdir(d):
                    raise UsageError(f"{d} is not a directory")
            if args.names:
                names = [n for n in args.names.split(",") if n]
            else:
                names = sorted(f[:-4] for f in os.listdir(act_dir) if f.endswith(".npy"))
                if not names:
                    raise UsageError(f"{act_dir} holds no .npy files")
            pairs = [(n, os.path.join(exp_dir, n + ".npy"), os.path.join(act_dir, n + ".npy"))
                     for n in names]
        else:
            if len(args.files) != 2:
                raise UsageError("give EXPECTED.npy ACTUAL.npy, or --dirs")
            pairs = [(os.path.basename(args.files[1]), args.files[0], args.files[1])]
        ok = True
        for name, exp_path, act_path in pairs:
            missing = [p for p in (exp_path, act_path) if not os.path.exists(p)]
            if args.dirs and missing:
                print(f"{name}: FAIL missing {', '.join(missing)}")
                ok = False
                continue
            expected, actual = load(exp_path), load(act_path)
            if args.real_only:
                mask = load(args.real_only) != 0
                if expected.shape[:2] == mask.shape and actual.shape == expected.shape:
                    pad = actual[~mask]
                    zeros = int(np.count_nonzero(pad))
                    print(f"{name}: {'ok' if zeros == 0 else 'FAIL'} {zeros} non-zero values "
                          f"at {int((~mask).sum())} padded positions")
                    ok = ok and zeros == 0
                    expected, actual = expected[mask], actual[mask]
            ok = compare(name, expected, actual, args.atol, args.rtol) and ok
    except UsageError as e:
        print(f"compare_npy.py: {e}", file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
