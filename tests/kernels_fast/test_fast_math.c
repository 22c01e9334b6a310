/*
 * The error bounds fast_math.h promises, against double-precision exp:
 * exp within 2 ulp relative wherever exp(x) is a normal float, within
 * FLT_MIN absolutely below; logistic within 3 ulp relative (FLT_MIN
 * absolutely where it is not a normal float), through both
 * range functions (portable and, on x86-64 with AVX2, the AVX2 build), which
 * must also agree bit for bit; special values (NaN, +-inf, the overflow
 * and underflow edges) as expf gives them. Inputs: a dense sweep of
 * [-100, 100] and random floats of every exponent.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "exec/float/fast_math.h"
#include "exec/gemm.h"
#include "testutil.h"

enum { N_SWEEP = 2000001, N_RANDOM = 1000000 };

static const double ULP = 1.0 / (1 << 24); /* half of FLT_EPSILON: 1 ulp relative, at worst */

static void check_exp(float x, double *worst) {
  float y = nq_fast_expf(x);
  double ref = exp((double)x);
  if (ref >= FLT_MIN && ref <= FLT_MAX) {
    double e = fabs((double)y - ref) / ref;
    CHECKF(e <= 2 * ULP, "exp(%.9g) = %.9g, expected %.9g (%.2f ulp)", x, y, ref, e / ULP);
    if (e > *worst) *worst = e;
  } else if (ref < FLT_MIN) {
    CHECKF(y >= 0.0f && fabs((double)y - ref) <= FLT_MIN, "exp(%.9g) = %.9g, expected %.9g", x, y, ref);
  } else {
    CHECKF(isinf(y) && y > 0, "exp(%.9g) = %.9g, expected +inf", x, y);
  }
}

/* Both builds of the logistic range function over xs, within 3 ulp. */
static void check_logistic(const float *xs, size_t n, double *worst) {
  float *port = malloc(n * sizeof(float)), *fast = malloc(n * sizeof(float));
  nq_logistic_range_portable(xs, port, n);
  memcpy(fast, port, n * sizeof(float));
#ifdef NQ_FAST_MATH_HAVE_AVX2
  if (nq_fast_use_avx2()) nq_logistic_range_avx2(xs, fast, n);
#endif
  int fails = 0;
  for (size_t i = 0; i < n && fails < 5; i++) {
    double ref = 1.0 / (1.0 + exp(-(double)xs[i]));
    double d = fabs((double)port[i] - ref);
    bool normal = ref >= FLT_MIN, ok = normal ? d <= 3 * ULP * ref : d <= FLT_MIN; /* as for exp */
    double e = normal ? d / ref : 0.0;
    if (isnan(xs[i])) ok = isnan(port[i]);
    if (!ok || memcmp(&port[i], &fast[i], sizeof(float)) != 0) {
      fails++;
      CHECKF(0, "logistic(%.9g) = %.9g (portable) / %.9g (avx2), expected %.9g (%.2f ulp)", xs[i], port[i],
             fast[i], ref, e / ULP);
    }
    if (e > *worst) *worst = e;
  }
  free(port);
  free(fast);
}

int main(void) {
  float *xs = malloc((size_t)N_SWEEP * sizeof(float));
  double worst_exp = 0.0, worst_log = 0.0;
  for (int i = 0; i < N_SWEEP; i++) {
    xs[i] = (float)(-100.0 + 200.0 * i / (N_SWEEP - 1));
    check_exp(xs[i], &worst_exp);
  }
  check_logistic(xs, N_SWEEP, &worst_log);
  nq_rng r = {12345};
  for (int i = 0; i < N_RANDOM; i++) { /* any finite float of magnitude 2^-30 .. 2^7 */
    float m = nq_rng_uniform(&r, 0.5f, 1.0f);
    float x = ldexpf(m, nq_rng_int(&r, -30, 7)) * (nq_rng_int(&r, 0, 1) ? -1.0f : 1.0f);
    xs[i] = x;
    check_exp(x, &worst_exp);
  }
  check_logistic(xs, N_RANDOM, &worst_log);
  /* Special values and the edges. */
  const float specials[] = {0.0f,     -0.0f,   INFINITY, -INFINITY, NAN,     88.72283f,
                            88.7228f, 88.73f,  -87.33f,  -87.34f,   -88.29f, -88.31f,
                            -103.0f,  FLT_MAX, -FLT_MAX, FLT_MIN,   1e-30f};
  size_t ns = sizeof specials / sizeof specials[0];
  for (size_t i = 0; i < ns; i++)
    if (!isnan(specials[i])) check_exp(specials[i], &worst_exp);
  CHECKF(isnan(nq_fast_expf(NAN)), "exp(NaN) is %g", nq_fast_expf(NAN));
  CHECKF(nq_fast_expf(-INFINITY) == 0.0f, "exp(-inf) is %g", nq_fast_expf(-INFINITY));
  CHECKF(nq_fast_expf(0.0f) == 1.0f, "exp(0) is %.9g", nq_fast_expf(0.0f));
  memcpy(xs, specials, sizeof specials);
  check_logistic(xs, ns, &worst_log);
  printf("worst: exp %.2f ulp, logistic %.2f ulp (%s build checked)\n", worst_exp / ULP, worst_log / ULP,
#ifdef NQ_FAST_MATH_HAVE_AVX2
         nq_fast_use_avx2() ? "portable and avx2" : "portable"
#else
         "portable"
#endif
  );
  free(xs);
  return nq_test_finish("test_fast_math");
}
