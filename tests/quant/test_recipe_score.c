/*
 * When one recipe candidate beats another (api/recipe_score.h): a higher
 * validation SQNR is not enough, the per-sample errors must be lower beyond
 * chance (paired t-test on the log squared error, 2 standard errors), and
 * with labels the held-out accuracy decides first when it differs beyond
 * chance (McNemar). The worked examples'
 * t statistics are computed by hand in the comments.
 */
#include <math.h>

#include "api/recipe_score.h"
#include "testutil.h"

#define N 56

static nq_recipe_score score(double sqnr, int correct, double *err2, int n) {
  nq_recipe_score s = {.sqnr_db = sqnr, .worst = 0, .top1_agree = -1, .correct = correct};
  s.n_samples = n;
  s.n_outputs = 1;
  s.err2 = err2;
  return s;
}

int main(void) {
  /* a = 4 everywhere, b = 1, 2, 1, 2: log ratios ln 4, ln 2, ln 4, ln 2,
   * mean 1.040, sample sd 0.400, standard error 0.200: t = 5.2 */
  double a4[] = {4, 4, 4, 4}, b4[] = {1, 2, 1, 2};
  CHECK(nq_recipe_significantly_lower(a4, b4, 4));
  CHECK(!nq_recipe_significantly_lower(b4, a4, 4));
  /* a = 1, b = 0.5, 2, 0.5, 0.9: mean log ratio 0.200, sd 0.657,
   * standard error 0.328: t = 0.61, lower in sum (3.9 < 4) but by chance */
  double a1[] = {1, 1, 1, 1}, b1[] = {0.5, 2, 0.5, 0.9};
  CHECK(!nq_recipe_significantly_lower(a1, b1, 4));
  CHECK(!nq_recipe_significantly_lower(a1, a1, 4)); /* the same errors */
  CHECK(!nq_recipe_significantly_lower(a4, b4, 1)); /* one sample tells nothing */

  nq_rng rng = {5};
  double base[N], half[N], one_better[N], zero[N] = {0};
  for (int i = 0; i < N; i++) {
    /* heavy-tailed like a 2-class softmax: a few boundary samples hold most */
    base[i] = nq_rng_uniform(&rng, 0.5f, 1.5f) * (i % 14 == 0 ? 1000.0 : 1.0);
    half[i] = base[i] * nq_rng_uniform(&rng, 0.3f, 0.7f);
    one_better[i] = base[i];
  }
  one_better[0] = base[0] / 100; /* the sum falls by a fifth, on one sample */
  CHECK(nq_recipe_significantly_lower(base, half, N));
  CHECK(!nq_recipe_significantly_lower(base, one_better, N));
  CHECK(!nq_recipe_significantly_lower(zero, zero, N)); /* both exact */
  CHECK(!nq_recipe_significantly_lower(zero, base, N));
  CHECK(nq_recipe_significantly_lower(base, zero, N));

  nq_recipe_score s_base = score(20.0, -1, base, N), s_half = score(23.0, -1, half, N);
  nq_recipe_score s_one = score(21.0, -1, one_better, N), s_nan = score(NAN, -1, NULL, 0);
  CHECK(nq_recipe_score_better(&s_half, &s_base));
  CHECK(!nq_recipe_score_better(&s_base, &s_half));
  CHECKF(!nq_recipe_score_better(&s_one, &s_base), "a higher SQNR from one sample won");
  CHECK(!nq_recipe_score_better(&s_nan, &s_base)); /* a failed candidate never wins */
  CHECK(nq_recipe_score_better(&s_base, &s_nan));  /* anything beats no candidate yet */
  /* McNemar on the samples only one gets right: b for the second, c for the
   * first; (b - c)^2 / (b + c) > 4 decides */
  unsigned char ok40[N] = {0}, ok30[N] = {0}, ok41[N] = {0}, ok50[N] = {0};
  for (int i = 0; i < N; i++) {
    ok40[i] = i < 40;
    ok30[i] = i < 30;
    ok41[i] = i < 41;
    ok50[i] = i < 50;
  }
  CHECK(nq_recipe_accuracy_differs(ok40, ok50, N) == 1);  /* b 10, c 0: 10 */
  CHECK(nq_recipe_accuracy_differs(ok40, ok30, N) == -1); /* b 0, c 10 */
  CHECK(nq_recipe_accuracy_differs(ok40, ok41, N) == 0);  /* b 1, c 0: 1 */
  unsigned char mix_a[N] = {0}, mix_b[N] = {0};
  for (int i = 0; i < 8; i++) mix_b[i] = i < 6, mix_a[i] = i >= 6; /* b 6, c 2: 16 / 8 = 2 */
  CHECK(nq_recipe_accuracy_differs(mix_a, mix_b, N) == 0);
  for (int i = 0; i < 10; i++) mix_b[i] = i < 9, mix_a[i] = i >= 9; /* b 9, c 1: 64 / 10 = 6.4 */
  CHECK(nq_recipe_accuracy_differs(mix_a, mix_b, N) == 1);

  /* labels: accuracy first, whatever the SQNR, when it differs beyond chance */
  nq_recipe_score l_base = score(20.0, 40, base, N), l_worse = score(23.0, 30, half, N);
  nq_recipe_score l_more = score(15.0, 50, base, N), l_close = score(15.0, 41, base, N);
  nq_recipe_score l_same = score(23.0, 40, half, N);
  l_base.ok = ok40, l_worse.ok = ok30, l_more.ok = ok50, l_close.ok = ok41, l_same.ok = ok40;
  CHECK(!nq_recipe_score_better(&l_worse, &l_base));
  CHECK(nq_recipe_score_better(&l_more, &l_base));
  CHECK(!nq_recipe_score_better(&l_close, &l_base)); /* one sample more, lower SQNR */
  CHECK(nq_recipe_score_better(&l_same, &l_base));   /* equal accuracy: SQNR, beyond chance */
  return nq_test_finish("test_recipe_score");
}
