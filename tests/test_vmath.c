/* Vectorized exp / tanh / erf / GELU / softmax against double-precision references, for every
 * instruction set this CPU supports (the others are reported as not run).
 *
 * Error is measured in ulps of the float nearest the exact value (computed in double, which is
 * exact enough: its own error is ~2^-29 float ulps). The bounds asserted:
 *   exp on [-87.3, 88.3], tanh and erf on [-10, 10] plus tiny arguments: <= 2 ulp from the
 *     exact value, and <= 2 ulp (tanh: 3) from glibc's expf/erff/tanhf, which are themselves
 *     0.5-2.1 ulp from exact (printed).
 *   GELU (erf) for x >= -1.23: <= 4 ulp (about five roundings of O(1) values: the rational
 *     P and Q, their quotient, the exp factor and the product; see vmath_body.h).
 *   Both GELUs everywhere: <= 4 ulp + GELU_ABS |x| (why the absolute part: see GELU_ABS).
 *   GELU (erf) on its negative tail [-13.1, -1.23], where the result is tiny but still a normal
 *     float, in plain ulps: <= 8, or <= 100 where the multiply-add is not fused (portable C on
 *     x86, the SIMDe emulation): then exp's argument -x^2/2 is rounded, costing up to x^2/2
 *     ulp. The bounds above, with their absolute allowance, say little there.
 *   softmax: sums to 1 within 1e-6 and each element within 4 ulp + 1e-9 of the double
 *     softmax (exp's 2 ulp, the scaling and the sum's rounding).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "ep/cpu/vmath.h"
#include "testutil.h"

/* ulps between y and the exact value ref, in units of the spacing of floats around ref */
static double ulp_err(float y, double ref) {
  if (isnan(ref)) return isnan(y) ? 0 : 1e30;
  if (isinf(ref)) return (isinf(y) && (y > 0) == (ref > 0)) ? 0 : 1e30;
  double a = fabs(ref);
  if (a < FLT_MIN) a = FLT_MIN; /* subnormal results: spacing of the smallest normals */
  int e;
  frexp(a, &e); /* a = m 2^e, m in [0.5, 1): float spacing is 2^(e - 24) */
  return fabs((double)y - ref) / ldexp(1.0, e - 24);
}

typedef struct range_stat {
  double max_ulp, at;
  double libm_max_ulp;
  double vs_libm_ulp; /* max distance between ours and the libm float function */
} range_stat;

/* samples: an even grid over [lo, hi] plus random points, and for erf/tanh tiny arguments */
static int make_inputs(float lo, float hi, int with_tiny, float *x, int cap) {
  int n = 0;
  int grid = cap / 2;
  for (int i = 0; i < grid; i++) x[n++] = lo + (hi - lo) * (float)i / (float)(grid - 1);
  unsigned s = 12345;
  while (n < cap - 200) {
    s = s * 1103515245u + 12345u;
    float u = (float)(s >> 8) / 16777216.0f;
    x[n++] = lo + (hi - lo) * u;
  }
  if (with_tiny) {
    for (int e = -126; e < -1 && n < cap - 1; e += 1) {
      x[n++] = ldexpf(1.3f, e);
      x[n++] = -ldexpf(1.7f, e);
    }
  }
  return n;
}

typedef void (*array_fn)(const float *, float *, int64_t);

static range_stat measure(array_fn fn, double (*ref)(double), float (*libm)(float),
                          const float *x, float *y, int n) {
  range_stat st = {0, 0, 0, 0};
  fn(x, y, n);
  for (int i = 0; i < n; i++) {
    double r = ref(x[i]);
    double e = ulp_err(y[i], r);
    if (e > st.max_ulp) {
      st.max_ulp = e;
      st.at = x[i];
    }
    if (libm) {
      double el = ulp_err(libm(x[i]), r);
      if (el > st.libm_max_ulp) st.libm_max_ulp = el;
      double ev = ulp_err(y[i], libm(x[i]));
      if (ev > st.vs_libm_ulp) st.vs_libm_ulp = ev;
    }
  }
  return st;
}

static double gelu_erf_ref(double x) { return 0.5 * x * erfc(-x / sqrt(2.0)); }
static double gelu_tanh_ref(double x) {
  double y = sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x);
  return x / (1.0 + exp(-2.0 * y));
}

/* GELU's absolute error allowance, relative to |x|, for where the result is small: the erf
 * form's tail is a few ulps off (more without a fused multiply-add, see the tail bound below)
 * and 0 below -13.125, where the exact value is subnormal; for the tanh form, the rounding of
 * -2y (relative 2^-24) moves exp(-2y) by up to |2y| 2^-24 relative, which costs
 * x sigma(1-sigma)|2y| 2^-24 <= 0.2 |x| 2^-24. PyTorch's own float GELU, 1 + erf(z) in float,
 * has an absolute error of ~|x| 3e-8 there. */
#define GELU_ABS 2e-8

/* max error in ulps after forgiving GELU_ABS |x| */
static void gelu_error(array_fn fn, double (*ref)(double), const float *x, float *y, int n,
                       double *max_ulp, double *max_abs) {
  fn(x, y, n);
  *max_ulp = *max_abs = 0;
  for (int i = 0; i < n; i++) {
    double r = ref(x[i]);
    double d = fabs(y[i] - r);
    if (d / fabs(x[i]) > *max_abs) *max_abs = d / fabs(x[i]);
    double excess = d - GELU_ABS * fabs(x[i]);
    if (excess <= 0) continue;
    double u = ulp_err((float)(r + excess), r);
    if (u > *max_ulp) *max_ulp = u;
  }
}

static void test_isa(trt_isa isa) {
  const trt_vmath *vm = trt_vmath_for(isa);
  CHECK_EQ_INT(vm->isa, isa);
#ifdef TRT_TEST_EMULATED_AVX512
  enum { CAP = 1 << 16 }; /* emulated intrinsics are slow; still 32k grid points per range */
#else
  enum { CAP = 1 << 20 };
#endif
  float *x = malloc(CAP * sizeof *x), *y = malloc(CAP * sizeof *y);
  const char *name = trt_isa_name(isa);

  int n = make_inputs(-87.3f, 88.3f, 0, x, CAP);
  range_stat st = measure(vm->exp, exp, expf, x, y, n);
  printf("[%s] exp  max error %.2f ulp at %.8g (glibc expf %.2f ulp; ours vs expf %.2f ulp)\n",
         name, st.max_ulp, st.at, st.libm_max_ulp, st.vs_libm_ulp);
  CHECK_MSG(st.max_ulp <= 2.0, "%s exp: %.2f ulp at %.9g", name, st.max_ulp, st.at);
  CHECK_MSG(st.vs_libm_ulp <= 2.0, "%s exp vs expf: %.2f ulp", name, st.vs_libm_ulp);

  n = make_inputs(-10.0f, 10.0f, 1, x, CAP);
  st = measure(vm->tanh, tanh, tanhf, x, y, n);
  printf("[%s] tanh max error %.2f ulp at %.8g (glibc tanhf %.2f ulp; ours vs tanhf %.2f ulp)\n",
         name, st.max_ulp, st.at, st.libm_max_ulp, st.vs_libm_ulp);
  CHECK_MSG(st.max_ulp <= 2.0, "%s tanh: %.2f ulp at %.9g", name, st.max_ulp, st.at);
  CHECK_MSG(st.vs_libm_ulp <= 3.0, "%s tanh vs tanhf: %.2f ulp", name, st.vs_libm_ulp);

  st = measure(vm->erf, erf, erff, x, y, n);
  printf("[%s] erf  max error %.2f ulp at %.8g (glibc erff %.2f ulp; ours vs erff %.2f ulp)\n",
         name, st.max_ulp, st.at, st.libm_max_ulp, st.vs_libm_ulp);
  CHECK_MSG(st.max_ulp <= 2.0, "%s erf: %.2f ulp at %.9g", name, st.max_ulp, st.at);
  CHECK_MSG(st.vs_libm_ulp <= 2.0, "%s erf vs erff: %.2f ulp", name, st.vs_libm_ulp);

  /* GELUs: ulps where the result is not tiny relative to x, plus an absolute part */
  double g_ulp, g_abs;
  gelu_error(vm->gelu_tanh, gelu_tanh_ref, x, y, n, &g_ulp, &g_abs);
  printf("[%s] gelu_tanh max error %.2f ulp beyond %.2g |x|\n", name, g_ulp, GELU_ABS);
  CHECK_MSG(g_ulp <= 4.0, "%s gelu_tanh: %.2f ulp", name, g_ulp);
  gelu_error(vm->gelu_erf, gelu_erf_ref, x, y, n, &g_ulp, &g_abs);
  printf("[%s] gelu_erf  max error %.2f ulp beyond %.2g |x|\n", name, g_ulp, GELU_ABS);
  CHECK_MSG(g_ulp <= 4.0, "%s gelu_erf: %.2f ulp", name, g_ulp);
  n = make_inputs(-1.23f, 10.0f, 1, x, CAP); /* z >= -0.87: no absolute part needed */
  st = measure(vm->gelu_erf, gelu_erf_ref, NULL, x, y, n);
  printf("[%s] gelu_erf  max error %.2f ulp for x >= -1.23\n", name, st.max_ulp);
  CHECK_MSG(st.max_ulp <= 4.0, "%s gelu_erf: %.2f ulp at %.9g", name, st.max_ulp, st.at);
  n = make_inputs(-13.1f, -1.23f, 0, x, CAP); /* GELU(-13.1) = 2.1e-38: still normal */
  st = measure(vm->gelu_erf, gelu_erf_ref, NULL, x, y, n);
#ifdef TRT_TEST_EMULATED_AVX512
  const bool fused = false;
#else
  const bool fused = isa != TRT_ISA_PORTABLE;
#endif
  printf("[%s] gelu_erf  max error %.2f ulp for -13.1 <= x <= -1.23 (%s multiply-add)\n", name,
         st.max_ulp, fused ? "fused" : "unfused");
  CHECK_MSG(st.max_ulp <= (fused ? 8.0 : 100.0), "%s gelu_erf negative tail: %.2f ulp at %.9g",
            name, st.max_ulp, st.at);
  n = make_inputs(-100.0f, -10.0f, 0, x, CAP);
  gelu_error(vm->gelu_erf, gelu_erf_ref, x, y, n, &g_ulp, &g_abs);
  CHECK_MSG(g_ulp <= 4.0, "%s gelu_erf tail: %.2f ulp", name, g_ulp);
  gelu_error(vm->gelu_tanh, gelu_tanh_ref, x, y, n, &g_ulp, &g_abs);
  CHECK_MSG(g_ulp <= 4.0, "%s gelu_tanh tail: %.2f ulp", name, g_ulp);

  /* special values */
  float sp[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 100.0f, -100.0f, 1e-40f};
  float out[8];
  vm->exp(sp, out, 8);
  CHECK(out[0] == 1.0f && out[1] == 1.0f && isinf(out[2]) && out[3] == 0.0f && isnan(out[4]));
  CHECK(isinf(out[5]) && out[6] == 0.0f && out[7] == 1.0f);
  vm->tanh(sp, out, 8);
  CHECK(out[0] == 0.0f && out[2] == 1.0f && out[3] == -1.0f && isnan(out[4]));
  CHECK(out[5] == 1.0f && out[6] == -1.0f && out[7] == 1e-40f && signbit(out[1]));
  vm->erf(sp, out, 8);
  CHECK(out[0] == 0.0f && out[2] == 1.0f && out[3] == -1.0f && isnan(out[4]));
  CHECK(out[5] == 1.0f && out[6] == -1.0f && signbit(out[1]));
  vm->gelu_erf(sp, out, 8);
  CHECK(out[0] == 0.0f && isinf(out[2]) && out[5] == 100.0f && out[6] == 0.0f);
  CHECK(out[3] == 0.0f && isnan(out[4]) && signbit(out[1])); /* GELU(-inf) is the limit 0 */
  vm->gelu_tanh(sp, out, 8);
  CHECK(out[0] == 0.0f && isinf(out[2]) && out[5] == 100.0f && out[6] == 0.0f);

  /* in place, and every length 0..40 (tails) gives the same values as the long run */
  for (int len = 0; len <= 40; len++) {
    float a[40], b[40], c[40];
    for (int i = 0; i < len; i++) a[i] = b[i] = (float)(i * 0.37 - 6.0);
    vm->gelu_erf(a, c, len);
    vm->gelu_erf(b, b, len);
    int same = 1;
    for (int i = 0; i < len; i++) same &= c[i] == b[i];
    CHECK_MSG(same, "%s in-place length %d", name, len);
  }

  /* softmax and its parts */
  for (int len = 1; len <= 67; len += 11) {
    float a[67], s[67];
    double ds[67], m = -INFINITY, sum = 0;
    for (int i = 0; i < len; i++) {
      a[i] = (float)sin(i * 1.7) * 8.0f;
      if (a[i] > m) m = a[i];
    }
    CHECK(vm->max(a, len) == (float)m);
    for (int i = 0; i < len; i++) sum += ds[i] = exp(a[i] - m);
    vm->softmax(a, s, len);
    double total = 0, worst_sm = 0;
    for (int i = 0; i < len; i++) {
      total += s[i];
      double ref = ds[i] / sum;
      /* in ulps, after forgiving the absolute 1e-9 */
      double e = ulp_err(s[i], ref) * fmax(0.0, 1.0 - 1e-9 / fmax(fabs(s[i] - ref), 1e-300));
      if (e > worst_sm) worst_sm = e;
    }
    CHECK_MSG(fabs(total - 1.0) <= 1e-6, "%s softmax sum %.9g (n %d)", name, total, len);
    CHECK_MSG(worst_sm <= 4.0, "%s softmax %.2f ulp (n %d)", name, worst_sm, len);
    vm->softmax(a, a, len);
    CHECK(memcmp(a, s, (size_t)len * sizeof(float)) == 0);
  }
  CHECK(vm->max(x, 0) == -INFINITY);
  free(x);
  free(y);
}

int main(void) {
  for (int i = 0; i < TRT_ISA_COUNT; i++) {
    trt_isa isa = (trt_isa)i;
#ifdef TRT_TEST_EMULATED_AVX512
    /* built with the AVX-512 kernels emulated (tests/avx512_emulated.cmake): run only those */
    if (isa != TRT_ISA_AVX512) continue;
    printf("[avx512] run under SIMDe emulation of the AVX-512 intrinsics, not natively\n");
#else
    if (!trt_isa_supported(isa)) {
      printf("[%s] NOT RUN: this CPU does not support %s\n", trt_isa_name(isa),
             trt_isa_name(isa));
      continue;
    }
#endif
    test_isa(isa);
  }
  return test_finish();
}
