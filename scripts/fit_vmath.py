#!/usr/bin/python3
"""Fits the polynomial and rational coefficients used by src/ep/cpu/vmath_body.h (exp, tanh,
erf, GELU).

Near-minimax fits by iteratively reweighted least squares (Lawson's algorithm) on a dense grid,
in double precision against mpmath references; prints the coefficients rounded to float32 and
the max relative error of the polynomial itself (before float32 evaluation error).
Run: /usr/bin/python3 scripts/fit_vmath.py
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40


def lawson_free(xs, f, w, lo, deg, iters=200):
    """Minimizes max |w*(f - sum_{k=lo..deg} c_k xs^k)| over the grid; returns c_lo..c_deg."""
    V = np.vander(xs, deg + 1, increasing=True)[:, lo:]
    lw = np.ones_like(xs) / len(xs)
    c = None
    for _ in range(iters):
        sw = np.sqrt(lw) * w
        c, *_ = np.linalg.lstsq(V * sw[:, None], f * sw, rcond=None)
        e = np.abs(w * (f - V @ c)) + 1e-300
        lw = lw * e
        lw /= lw.sum()
    return c


def lawson(xs, f, w, deg):
    """As lawson_free, but rounds the coefficients to float32 one at a time, lowest first,
    refitting the higher ones after each, so that each rounding is absorbed by the rest."""
    fixed = []
    for k in range(deg + 1):
        rest = f - sum(c * xs**j for j, c in enumerate(fixed))
        c = lawson_free(xs, rest, w, k, deg)
        fixed.append(float(np.float32(c[0])))
    return np.array(fixed)


def report(name, c, xs, f, w):
    c32 = np.array(c, dtype=np.float32).astype(np.float64)
    V = np.vander(xs, len(c), increasing=True)
    err = np.max(np.abs(w * (f - V @ c32)))
    print(f"{name}: deg {len(c)-1}, max weighted error {err:.3g} (float32 coefficients)")
    for k, v in enumerate(np.array(c, dtype=np.float32)):
        print(f"  c{k} = {float(v).hex()}  /* {float(v):.9g} */")


def fit_exp(deg):
    # e^r = 1 + r + r^2 S(r), r in [-ln2/2, ln2/2]; error relative to e^r is r^2 dS / e^r
    h = float(mp.log(2)) / 2
    xs = np.linspace(-h, h, 4001)
    xs = xs[np.abs(xs) > 1e-6]
    f = np.array([float((mp.exp(x) - 1 - x) / x**2) for x in xs])
    w = np.array([float(x * x / mp.exp(x)) for x in xs])
    c = lawson(xs, f, w, deg)
    report("exp S(r)", c, xs, f, w)


def fit_tanh(cut, deg):
    # tanh(x) = x + x^3 T(x^2), x in (0, cut]; relative error ~ x^2 dT
    xs = np.linspace(1e-3, cut, 4001)
    u = xs * xs
    f = np.array([float((mp.tanh(x) - x) / x**3) for x in xs])
    w = np.array([float(x**3 / mp.tanh(x)) for x in xs])
    c = lawson(u, f, w, deg)
    report(f"tanh T(u) on [0,{cut}]", c, u, f, w)


def fit_erf_small(cut, deg):
    # erf(x) = x + x P(x^2): P(0) = 2/sqrt(pi) - 1 keeps more relative precision in float32 than
    # 2/sqrt(pi) itself would (whose rounding alone is 0.45 ulp); relative error dP / (1 + P)
    xs = np.linspace(1e-4, cut, 4001)
    u = xs * xs
    f = np.array([float(mp.erf(x) / x) for x in xs])
    w = 1 / f
    c = lawson(u, f - 1, w, deg)
    f = f - 1
    report(f"erf P(u) on [0,{cut}]", c, u, f, w)


def fit_erfcx(lo, hi, deg, center):
    # erfc(x) = exp(-x^2) Q(x - center) on [lo, hi]; fitted for relative error of erfc, which
    # GELU needs on its negative side (1 + erf(z) = erfc(-z) without cancellation)
    xs = np.linspace(lo, hi, 6001)
    f = np.array([float(mp.erfc(x) * mp.exp(x * x)) for x in xs])
    w = np.exp(-xs * xs)  # absolute error of erf; GELU's negative side needs no more
    c = lawson(xs - center, f, w, deg)
    report(f"erfcx Q(x-{center}) on [{lo},{hi}]", c, xs - center, f, w)


def rational_fit(xs, f, m, n, p_fixed, q_fixed, rounds=30, iters=30):
    """Near-minimax relative fit f ~ P/Q (P of degree m, Q of degree n) with the leading
    coefficients p_fixed (p_0..) and q_fixed (q_0.., q_0 given: the normalization) held.
    Each round solves the linearized problem min |(P - f Q) / (f Q_prev)| with Lawson's
    reweighting, then takes the new Q as Q_prev (Loeb's iteration)."""
    kp, kq = len(p_fixed), len(q_fixed)
    Vp = np.vander(xs, m + 1, increasing=True)
    Vq = np.vander(xs, n + 1, increasing=True)
    rhs = f * (Vq[:, :kq] @ np.array(q_fixed)) - Vp[:, :kp] @ np.array(p_fixed)
    A = np.hstack([Vp[:, kp:], -f[:, None] * Vq[:, kq:]])
    q_prev = Vq[:, :kq] @ np.array(q_fixed)
    best = None
    for _ in range(rounds):
        lw = np.ones_like(xs) / len(xs)
        for _ in range(iters):
            w = np.sqrt(lw) / (f * q_prev)
            sol, *_ = np.linalg.lstsq(A * w[:, None], rhs * w, rcond=None)
            p = np.concatenate([p_fixed, sol[:m + 1 - kp]])
            q = np.concatenate([q_fixed, sol[m + 1 - kp:]])
            err = np.abs((Vp @ p) / (Vq @ q) / f - 1)
            lw = lw * (err + 1e-300)
            lw /= lw.sum()
        if best is None or err.max() < best[0]:
            best = (err.max(), p, q)
        q_prev = Vq @ q
    return best


def fit_gelu(m, n, hi, scale):
    # GELU(x) = max(x, 0) - |x| exp(-x^2/2) R(|x|), R(x) = erfc(x/sqrt2) exp(x^2/2) / 2 = P/Q,
    # relative error on [0, hi]. R(0) = 1/2 exactly: p_0 = scale/2, q_0 = scale, where scale
    # (any float) only moves P and Q near 0 away from just above a power of two, where their
    # rounding costs the most relative to their size. Coefficients are rounded to float32
    # one at a time, alternating between P and Q, the rest refitted after each.
    xs = np.linspace(0, hi, 4001).astype(np.float32).astype(np.float64)
    f = np.array([float(mp.erfc(x / mp.sqrt(2)) * mp.exp(x * x / 2) / 2) for x in xs])
    c = float(np.float32(scale))
    p, q = [c / 2], [c]
    order = [w for k in range(1, max(m, n) + 1) for w, d in (("p", m), ("q", n)) if k <= d]
    for which in order:
        _, pf, qf = rational_fit(xs, f, m, n, p, q)
        if which == "p":
            p.append(float(np.float32(pf[len(p)])))
        else:
            q.append(float(np.float32(qf[len(q)])))
    err = np.abs((np.vander(xs, m + 1, increasing=True) @ np.array(p))
                 / (np.vander(xs, n + 1, increasing=True) @ np.array(q)) / f - 1).max()
    print(f"GELU R = P/Q on [0,{hi}], degrees ({m},{n}), scale {scale}: "
          f"max relative error {err:.3g} (float32 coefficients)")
    for name, cs in (("p", p), ("q", q)):
        for k, v in enumerate(cs):
            print(f"  {name}{k} = {float(np.float32(v)).hex()}  /* {v:.9g} */")


if __name__ == "__main__":
    # the degrees used in vmath_*.h; each is the smallest whose fit error is well below
    # float32's half ulp (2^-25 ~ 3e-8 relative), so evaluation rounding dominates
    fit_exp(4)         # e^r: 1 + r + r^2 S(r), S of degree 4 (2^n scaling follows)
    fit_tanh(0.625, 4) # |x| < 0.625; above, tanh = 1 - 2 / (e^{2|x|} + 1)
    fit_erf_small(0.875, 6)  # |x| < 0.875
    fit_erfcx(0.875, 4.0, 8, 2.4)  # 0.875 <= |x| <= 4; erf rounds to 1 beyond 3.92
    # GELU's |x| is clamped to 13.125 (beyond, GELU(-|x|) is subnormal and flushed to 0)
    fit_gelu(4, 5, 13.2, 1.4)
