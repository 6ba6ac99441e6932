/* The array functions of vmath.h over one vector instantiation; included once by each
 * vmath_<isa>.c after it defined
 *   V, VLEN, VA_FN(name) (its vector function, e.g. trt_avx2_exp), VA_LOAD(p), VA_STORE(p, v),
 *   VA_SET1(c), VA_ADD, VA_SUB, VA_MUL, VA_MAX, VA_HSUM(v), VA_HMAX(v), VA_TABLE (table name),
 *   VA_ISA.
 * Tails shorter than a vector go through a padded local buffer, so every element is computed
 * by the same vector code. */

#define VA_UNARY(name)                                                       \
  static void va_##name(const float *x, float *y, int64_t n) {               \
    int64_t i = 0;                                                           \
    for (; i + VLEN <= n; i += VLEN) VA_STORE(y + i, VA_FN(name)(VA_LOAD(x + i))); \
    if (i < n) {                                                             \
      float buf[VLEN] = {0};                                                 \
      memcpy(buf, x + i, (size_t)(n - i) * sizeof(float));                  \
      VA_STORE(buf, VA_FN(name)(VA_LOAD(buf)));                              \
      memcpy(y + i, buf, (size_t)(n - i) * sizeof(float));                   \
    }                                                                        \
  }

VA_UNARY(exp)
VA_UNARY(tanh)
VA_UNARY(erf)
VA_UNARY(gelu_erf)
VA_UNARY(gelu_tanh)

static float va_max(const float *x, int64_t n) {
  V m = VA_SET1(-__builtin_inff());
  int64_t i = 0;
  for (; i + VLEN <= n; i += VLEN) m = VA_MAX(m, VA_LOAD(x + i));
  float r = VA_HMAX(m);
  for (; i < n; i++) r = x[i] > r ? x[i] : r;
  return r;
}

static float va_exp_shift_sum(const float *x, float shift, float *y, int64_t n) {
  V s = VA_SET1(0.0f), sh = VA_SET1(shift);
  int64_t i = 0;
  for (; i + VLEN <= n; i += VLEN) {
    V e = VA_FN(exp_nonpos)(VA_SUB(VA_LOAD(x + i), sh));
    VA_STORE(y + i, e);
    s = VA_ADD(s, e);
  }
  if (i < n) {
    /* padding lanes hold -inf so they add exp(-inf) = 0 to the sum */
    float buf[VLEN];
    for (int j = 0; j < VLEN; j++) buf[j] = i + j < n ? x[i + j] : -__builtin_inff();
    V e = VA_FN(exp_nonpos)(VA_SUB(VA_LOAD(buf), sh));
    s = VA_ADD(s, e);
    VA_STORE(buf, e);
    memcpy(y + i, buf, (size_t)(n - i) * sizeof(float));
  }
  return VA_HSUM(s);
}

static void va_softmax(const float *x, float *y, int64_t n) {
  if (n <= 0) return;
  float m = va_max(x, n);
  float sum = va_exp_shift_sum(x, m, y, n);
  V inv = VA_SET1(1.0f / sum);
  int64_t i = 0;
  for (; i + VLEN <= n; i += VLEN) VA_STORE(y + i, VA_MUL(VA_LOAD(y + i), inv));
  for (; i < n; i++) y[i] *= 1.0f / sum;
}

const trt_vmath VA_TABLE = {
    .isa = VA_ISA,
    .exp = va_exp,
    .tanh = va_tanh,
    .erf = va_erf,
    .gelu_erf = va_gelu_erf,
    .gelu_tanh = va_gelu_tanh,
    .exp_shift_sum = va_exp_shift_sum,
    .max = va_max,
    .softmax = va_softmax,
};
