/* exp, tanh, erf and the two GELUs on one vector, written once over a small set of vector
 * macros so that the portable, AVX2 and AVX-512 builds run the same algorithm (and the
 * AVX-512 one, which not every test machine can run, shares the code the others test).
 *
 * Not a header to include directly: vmath_portable.h / vmath_avx2.h / vmath_avx512.h define
 *   V, VM             vector and comparison-mask types
 *   VM_FN(name)       the function name for this instantiation
 *   VSET1 VADD VSUB VMUL VDIV VFMA(a,b,c)=a*b+c VFNMA(a,b,c)=c-a*b
 *   VMIN(a,b) VMAX(a,b)  returning b when either is NaN (x86 minps/maxps semantics)
 *   VABS VCOPYSIGN(mag,sign)
 *   VLT VGT VISNAN    comparisons giving VM
 *   VSEL(m,a,b)       m ? a : b per lane
 *   VROUND            to nearest integer (as float)
 *   VLDEXP(p,n)       p * 2^n for integral n in [-126, 127]
 * and then include this file, which undefines them again at its end (so that the next
 * instantiation, or the file that included it, starts clean).
 *
 * Coefficients come from scripts/fit_vmath.py (near-minimax, float32-rounded); the accuracy
 * they reach is measured by tests/test_vmath.c. */

/* e^r - 1 for |r| <= ln2/2, as r + r^2 S(r) */
static inline V VM_FN(expm1_reduced)(V r) {
  V s = VFMA(VSET1(0x1.6a3cfap-10f), r, VSET1(0x1.123858p-7f));
  s = VFMA(s, r, VSET1(0x1.5558bep-5f));
  s = VFMA(s, r, VSET1(0x1.555494p-3f));
  s = VFMA(s, r, VSET1(0x1.fffffcp-2f));
  return VFMA(VMUL(r, r), s, r);
}

/* e^xc = 2^n (1 + expm1(r)) for xc already inside [-87.336, 88.376]. */
static inline V VM_FN(exp_in_range)(V xc) {
  V n = VROUND(VMUL(xc, VSET1(1.44269504f)));
  /* ln 2 split so that n * ln2_hi is exact for |n| <= 128 even without FMA */
  V r = VFMA(n, VSET1(-0.693359375f), xc);
  r = VFMA(n, VSET1(2.12194440e-4f), r);
  return VLDEXP(VADD(VSET1(1.0f), VM_FN(expm1_reduced)(r)), n); /* one final rounding */
}

/* e^x. Above 88.376 (where 2^n would leave float range) the result is +inf, slightly early:
 * expf is finite up to 88.72. Below -87.336 (where the scaling would need a subnormal 2^n) it
 * is 0, where expf returns subnormals; neither matters to softmax or tanh. */
static inline V VM_FN(exp)(V x) {
  const V lo = VSET1(-87.33654f), hi = VSET1(88.37626f);
  V y = VM_FN(exp_in_range)(VMIN(VMAX(x, lo), hi));
  y = VSEL(VLT(x, lo), VSET1(0.0f), y);
  y = VSEL(VGT(x, hi), VSET1(__builtin_inff()), y);
  return VSEL(VISNAN(x), x, y);
}

/* e^x for x <= 0, as softmax takes it (x - max): the same value as exp above wherever that
 * applies, without its upper edge (x above 88.37 is not supported) and its NaN select: NaN
 * survives through max(lo, x) on its own (the second operand, see VMAX). Below -87.336 it is 0,
 * as exp gives. */
static inline V VM_FN(exp_nonpos)(V x) {
  const V lo = VSET1(-87.33654f);
  return VSEL(VLT(x, lo), VSET1(0.0f), VM_FN(exp_in_range)(VMAX(lo, x)));
}

/* tanh: an odd polynomial near 0 (where 1 - 2/(e+1) would cancel), else from exp. */
static inline V VM_FN(tanh)(V x) {
  V a = VABS(x);
  V u = VMUL(a, a);
  V t = VFMA(VSET1(-0x1.750ce2p-8f), u, VSET1(0x1.51f8cep-6f));
  t = VFMA(t, u, VSET1(-0x1.b835a4p-5f));
  t = VFMA(t, u, VSET1(0x1.1106f6p-3f));
  t = VFMA(t, u, VSET1(-0x1.555532p-2f));
  V small = VFMA(VMUL(a, u), t, a);
  /* from 9.1 on tanh rounds to 1 (1 - 2.5e-8): clamping there keeps e finite */
  V e = VM_FN(exp)(VMUL(VSET1(2.0f), VMIN(a, VSET1(9.1f))));
  V large = VSUB(VSET1(1.0f), VDIV(VSET1(2.0f), VADD(e, VSET1(1.0f))));
  V y = VCOPYSIGN(VSEL(VLT(a, VSET1(0.625f)), small, large), x);
  return VSEL(VISNAN(x), x, y);
}

/* erf(a) - a for 0 <= a < 0.875, as a * P(a^2): keeping the leading 2/sqrt(pi) - 1 in P
 * rather than 2/sqrt(pi) saves the half ulp that rounding 1.128... to float would cost. */
static inline V VM_FN(erf_small_part)(V a) {
  V u = VMUL(a, a);
  V p = VFMA(VSET1(0x1.48ed86p-14f), u, VSET1(-0x1.a491c2p-11f));
  p = VFMA(p, u, VSET1(0x1.542c6ap-8f));
  p = VFMA(p, u, VSET1(-0x1.b7ff38p-6f));
  p = VFMA(p, u, VSET1(0x1.ce2d5ap-4f));
  p = VFMA(p, u, VSET1(-0x1.812740p-2f));
  p = VFMA(p, u, VSET1(0x1.06eba8p-3f));
  return VMUL(a, p);
}

/* erfc(a) for a >= 0.875 as exp(-a^2) * Q(a): Q is fitted on [0.875, 4] (erf rounds to 1 from
 * 3.92 on) and held at its value at 4 beyond, while exp(-a^2) keeps falling, so erfc stays
 * tiny and positive there. */
static inline V VM_FN(erfc_large)(V a) {
  V t = VSUB(VMIN(a, VSET1(4.0f)), VSET1(2.4f));
  V q = VFMA(VSET1(0x1.2b7390p-13f), t, VSET1(0x1.42dc00p-12f));
  q = VFMA(q, t, VSET1(0x1.68c862p-11f));
  q = VFMA(q, t, VSET1(-0x1.ab7d26p-11f));
  q = VFMA(q, t, VSET1(0x1.56368ep-9f));
  q = VFMA(q, t, VSET1(-0x1.2f1652p-7f));
  q = VFMA(q, t, VSET1(0x1.c20bf0p-6f));
  q = VFMA(q, t, VSET1(-0x1.45f0e6p-4f));
  q = VFMA(q, t, VSET1(0x1.bf7d42p-3f));
  V e = VM_FN(exp)(VSUB(VSET1(0.0f), VMUL(a, a)));
  return VMUL(e, q);
}

static inline V VM_FN(erf)(V x) {
  V a = VABS(x);
  V small = VADD(a, VM_FN(erf_small_part)(a));
  V large = VSUB(VSET1(1.0f), VM_FN(erfc_large)(a));
  V y = VCOPYSIGN(VSEL(VLT(a, VSET1(0.875f)), small, large), x);
  return VSEL(VISNAN(x), x, y);
}

/* GELU(x) = x Phi(x), Phi(x) = erfc(-x/sqrt2)/2, in one branch for all x: as Phi(-x) = 1 - Phi(x),
 *   GELU(x) = max(x, 0) - |x| erfc(|x|/sqrt2)/2 = max(x, 0) - |x| exp(-x^2/2) R(|x|)
 * where R(x) = erfcx(x/sqrt2)/2 is a rational P/Q of degrees (4,5) fitted for relative error over
 * [0, 13.2] (scripts/fit_vmath.py). Unlike 1 + erf, the second term never cancels, so the
 * negative side keeps its relative accuracy down to where GELU leaves the normal range, and the
 * positive side is rounded once (the final FNMA). The pieces chosen for that:
 *  - |x| is clamped at 13.125, where GELU(-13.125) = 1.5e-38, just above FLT_MIN. Below -13.125
 *    the exact result is subnormal and is flushed to 0 by the last select; the clamp keeps every
 *    intermediate finite and normal (subnormals are slow on x86), lets +inf give +inf, and NaN
 *    survives through max(0, x) (its second operand, see VMAX).
 *  - exp's argument -x^2/2 is split as w - d with d exact (an FMA), so it carries no rounding
 *    error: rounding it would cost up to |x^2/2| 2^-24 relative, i.e. tens of ulps in the tail.
 *    (Without a fused multiply-add, d is 0 and the tail loses that much.)
 *  - exp(-x^2/2) = 2^n (1 + t): 2^n (n >= -124) goes onto |x|, which stays normal, and 1 + t
 *    onto R in one FMA, so the tiny exp(-x^2/2) R is never formed on its own, only the result.
 *  - P and Q are scaled by 1.4 (R is unchanged): near x = 0 they would otherwise sit just above
 *    0.5 and 1, where a float's rounding error is largest relative to its value. */
static inline V VM_FN(gelu_erf)(V x) {
  const V xmax = VSET1(13.125f);
  V xa = VMIN(VABS(x), xmax);
  V xh = VMUL(xa, VSET1(-0.5f));
  V w = VMUL(xh, xa);
  V d = VFNMA(xh, xa, w); /* w - (-xa^2/2), exactly */
  V n = VROUND(VMUL(w, VSET1(1.44269504f)));
  V r = VFMA(n, VSET1(-0.693359375f), w); /* exact: see exp */
  r = VSUB(r, VFMA(n, VSET1(-2.12194440e-4f), d));
  V t = VM_FN(expm1_reduced)(r);
  V p = VFMA(VSET1(0x1.6d82aap-8f), xa, VSET1(0x1.c7d79cp-5f));
  p = VFMA(p, xa, VSET1(0x1.02ed3ap-2f));
  p = VFMA(p, xa, VSET1(0x1.37a468p-1f));
  p = VFMA(p, xa, VSET1(0x1.666666p-1f));
  V q = VFMA(VSET1(0x1.ca17aep-7f), xa, VSET1(0x1.1dadbcp-3f));
  q = VFMA(q, xa, VSET1(0x1.4b8d6cp-1f));
  q = VFMA(q, xa, VSET1(0x1.ab14c8p+0f));
  q = VFMA(q, xa, VSET1(0x1.2acd54p+1f));
  q = VFMA(q, xa, VSET1(0x1.666666p+0f));
  V rq = VDIV(p, q);
  V y = VFNMA(VLDEXP(xa, n), VFMA(rq, t, rq), VMAX(VSET1(0.0f), x));
  return VSEL(VLT(x, VSUB(VSET1(0.0f), xmax)), VSET1(0.0f), y);
}

/* The tanh approximation x/2 (1 + tanh(y)), y = sqrt(2/pi) (x + 0.044715 x^3), computed as
 * x * sigmoid(2y) = x / (1 + e^{-2y}): the same function without 1 + tanh's cancellation for
 * negative x. Large negative x gives e^{-2y} = inf and x / inf = -0. */
static inline V VM_FN(gelu_tanh)(V x) {
  V x2 = VMUL(x, x);
  /* -2y = x * (-2 sqrt(2/pi)) * (1 + 0.044715 x^2) */
  V m2y = VMUL(VMUL(x, VSET1(-1.59576912f)), VFMA(x2, VSET1(0.044715f), VSET1(1.0f)));
  return VDIV(x, VADD(VSET1(1.0f), VM_FN(exp)(m2y)));
}

/* the instantiation's interface, used up */
#undef V
#undef VM
#undef VM_FN
#undef VSET1
#undef VADD
#undef VSUB
#undef VMUL
#undef VDIV
#undef VFMA
#undef VFNMA
#undef VMIN
#undef VMAX
#undef VABS
#undef VCOPYSIGN
#undef VLT
#undef VGT
#undef VISNAN
#undef VSEL
#undef VROUND
#undef VLDEXP
