/*
 * The kernels option (nq_session_options.kernels, `--kernels`) through the
 * public API only, on the README demo model (examples/fashion: conv, pool,
 * fully connected, softmax) and its int8 conversion:
 *   - portable and avx2 sessions give the same int8 outputs bit for bit,
 *     on one thread and on two, and the same as the reference kernels
 *     (the fast kernels compute the reference's own arithmetic);
 *   - float outputs agree within 1e-4 relative (FMA and summation order);
 *   - converting on either set writes the same bytes;
 *   - the session reports the set it runs, `auto` resolves to one;
 *   - a set this CPU or build lacks (neon on x86-64, avx2 without AVX2 or
 *     on aarch64) is NQ_ERR_UNSUPPORTED with a message naming it, from
 *     session creation, conversion and comparison alike; a value out of
 *     the enum is NQ_ERR_INVALID_ARG.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "npuquant.h"
#include "testutil.h"

#define N_SAMPLES 8
#define ELEMS (28 * 28)
#define N_OUT 10

static float samples[N_SAMPLES * ELEMS];

/* Run sample `i` through a session with these options; copy the output
 * bytes to out (at most cap bytes). 0 on success. */
static int run_one(const nq_model *m, const nq_session_options *o, int i, void *out, size_t cap) {
  nq_error err;
  nq_session *s = NULL;
  if (nq_session_create(m, o, &s, &err) != NQ_OK) {
    fprintf(stderr, "session (kernels %s): %s\n", nq_kernels_name((nq_kernels)o->kernels), err.msg);
    return -1;
  }
  nq_tensor_info in;
  int rc = -1;
  if (nq_model_input(m, 0, &in, &err) == NQ_OK) {
    /* A quantized input takes the sample quantized with its parameters. */
    signed char q[ELEMS];
    const void *data = samples + (size_t)i * ELEMS;
    size_t nbytes = ELEMS * sizeof(float);
    if (in.type == NQ_INT8) {
      for (int k = 0; k < ELEMS; k++) {
        long v = lroundf(samples[(size_t)i * ELEMS + k] / in.scale[0]) + (long)in.zero_point[0];
        q[k] = (signed char)(v < -128 ? -128 : v > 127 ? 127 : v);
      }
      data = q;
      nbytes = ELEMS;
    }
    const void *o_data;
    size_t o_bytes;
    if (nq_session_set_input(s, 0, data, nbytes, &err) == NQ_OK && nq_session_run(s, &err) == NQ_OK &&
        nq_session_output(s, 0, &o_data, &o_bytes, &err) == NQ_OK && o_bytes <= cap) {
      memcpy(out, o_data, o_bytes);
      rc = 0;
    } else {
      fprintf(stderr, "run (kernels %s): %s\n", nq_kernels_name((nq_kernels)o->kernels), err.msg);
    }
  }
  nq_session_free(s);
  return rc;
}

/* The session reports the resolved set: never auto. */
static void check_reported(const nq_model *m, nq_kernels want, nq_kernels expect) {
  nq_session_options o = {.kernels = (int)want};
  nq_session *s = NULL;
  nq_error err;
  CHECKF(nq_session_create(m, &o, &s, &err) == NQ_OK, "%s", err.msg);
  if (s)
    CHECKF(nq_session_kernels(s) == expect, "asked %s, runs %s, expected %s", nq_kernels_name(want),
           nq_kernels_name(nq_session_kernels(s)), nq_kernels_name(expect));
  nq_session_free(s);
}

/* A set the machine lacks: a clear error from every entry point. */
static void check_refused(const nq_model *fm, nq_kernels k) {
  nq_error err;
  nq_session_options o = {.kernels = (int)k};
  nq_session *s = NULL;
  nq_status st = nq_session_create(fm, &o, &s, &err);
  CHECKF(st == NQ_ERR_UNSUPPORTED && s == NULL, "kernels %s: status %d", nq_kernels_name(k), (int)st);
  CHECKF(strstr(err.msg, nq_kernels_name(k)) != NULL, "message does not name the set: %s", err.msg);
  printf("refused %s: %s\n", nq_kernels_name(k), err.msg);

  nq_convert_options co;
  nq_convert_options_init(&co);
  co.kernels = (int)k;
  nq_model *q = NULL;
  st = nq_convert_arrays(fm, samples, 2, &co, &q, &err);
  CHECKF(st == NQ_ERR_UNSUPPORTED && q == NULL, "convert with kernels %s: status %d", nq_kernels_name(k),
         (int)st);
  nq_model_free(q);

  nq_compare_options cmp = {.kernels = (int)k};
  nq_compare_report *r = NULL;
  st = nq_compare_arrays(fm, fm, samples, 2, &cmp, &r, &err);
  CHECKF(st == NQ_ERR_UNSUPPORTED && r == NULL, "compare with kernels %s: status %d", nq_kernels_name(k),
         (int)st);
  nq_compare_report_free(r);
}

int main(void) {
  nq_rng rng = {0x6b65726e656c73ULL};
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
    samples[i] = nq_rng_uniform(&rng, 0.0f, 1.0f);
  nq_model *fm = nq_test_load_demo();
  CHECK(fm != NULL);
  if (!fm) return nq_test_finish("test_kernels_option");

  nq_error err;
  nq_kernels best;
  CHECK(nq_kernels_resolve(NQ_KERNELS_AUTO, &best, &err) == NQ_OK && best != NQ_KERNELS_AUTO);
  nq_kernels avx2_use, neon_use;
  int have_avx2 = nq_kernels_resolve(NQ_KERNELS_AVX2, &avx2_use, &err) == NQ_OK;
  int have_neon = nq_kernels_resolve(NQ_KERNELS_NEON, &neon_use, &err) == NQ_OK;
  CHECKF(!(have_avx2 && have_neon), "one build cannot have both avx2 and neon");
  nq_kernels fast = have_avx2 ? NQ_KERNELS_AVX2 : have_neon ? NQ_KERNELS_NEON : NQ_KERNELS_PORTABLE;
  printf("auto runs %s; compared: portable vs %s\n", nq_kernels_name(best), nq_kernels_name(fast));
  CHECKF(best == fast, "auto gives %s, not the best available %s", nq_kernels_name(best),
         nq_kernels_name(fast));

  /* Names round-trip; nonsense is refused. */
  for (int k = NQ_KERNELS_AUTO; k <= NQ_KERNELS_NEON; k++) {
    nq_kernels back;
    CHECK(nq_kernels_parse(nq_kernels_name((nq_kernels)k), &back, &err) == NQ_OK && back == (nq_kernels)k);
  }
  nq_kernels dummy;
  CHECK(nq_kernels_parse("sse2", &dummy, &err) == NQ_ERR_INVALID_ARG);
  nq_session_options bad = {.kernels = 17};
  nq_session *bs = NULL;
  CHECK(nq_session_create(fm, &bad, &bs, &err) == NQ_ERR_INVALID_ARG && bs == NULL);

  check_reported(fm, NQ_KERNELS_AUTO, best);
  check_reported(fm, NQ_KERNELS_PORTABLE, NQ_KERNELS_PORTABLE);
  if (have_avx2) check_reported(fm, NQ_KERNELS_AVX2, NQ_KERNELS_AVX2);
  if (!have_avx2) check_refused(fm, NQ_KERNELS_AVX2);
  if (!have_neon) check_refused(fm, NQ_KERNELS_NEON);

  /* Float: each fast set against the other and the reference. */
  double worst = 0;
  for (int i = 0; i < N_SAMPLES; i++) {
    float ref[N_OUT], a[N_OUT], b[N_OUT];
    nq_session_options o_ref = {.reference_only = 1, .num_threads = 1};
    nq_session_options o_a = {.kernels = NQ_KERNELS_PORTABLE, .num_threads = 1 + i % 2};
    nq_session_options o_b = {.kernels = (int)fast, .num_threads = 1 + i % 2};
    if (run_one(fm, &o_ref, i, ref, sizeof ref) || run_one(fm, &o_a, i, a, sizeof a) ||
        run_one(fm, &o_b, i, b, sizeof b)) {
      CHECK(0);
      break;
    }
    for (int k = 0; k < N_OUT; k++) {
      double scale = fabs(ref[k]) > 1e-3 ? fabs(ref[k]) : 1e-3;
      double d = fmax(fabs(a[k] - ref[k]), fabs(b[k] - ref[k])) / scale;
      if (d > worst) worst = d;
    }
  }
  printf("float: worst relative difference portable/%s vs reference %.2e\n", nq_kernels_name(fast), worst);
  CHECKF(worst <= 1e-4, "float outputs differ by %.2e relative", worst);

  /* int8: convert on one set, run on every set: identical bytes. */
  nq_convert_options co;
  nq_convert_options_init(&co);
  co.kernels = NQ_KERNELS_PORTABLE;
  nq_model *qm = NULL;
  CHECKF(nq_convert_arrays(fm, samples, N_SAMPLES, &co, &qm, &err) == NQ_OK, "%s", err.msg);
  int differ = 0, compared = 0;
  for (int i = 0; qm && i < N_SAMPLES; i++) {
    for (int rounding = 0; rounding < 2; rounding++) {
      signed char ref[N_OUT], a[N_OUT], b[N_OUT];
      nq_session_options o_ref = {.reference_only = 1, .num_threads = 1, .single_rounding = rounding};
      nq_session_options o_a = {
          .kernels = NQ_KERNELS_PORTABLE, .num_threads = 1 + i % 2, .single_rounding = rounding};
      nq_session_options o_b = {.kernels = (int)fast, .num_threads = 2 - i % 2, .single_rounding = rounding};
      if (run_one(qm, &o_ref, i, ref, sizeof ref) || run_one(qm, &o_a, i, a, sizeof a) ||
          run_one(qm, &o_b, i, b, sizeof b)) {
        CHECK(0);
        break;
      }
      compared++;
      if (memcmp(ref, a, sizeof ref) || memcmp(ref, b, sizeof ref)) {
        differ++;
        fprintf(stderr, "sample %d, %s rounding: int8 outputs differ between reference, portable and %s\n", i,
                rounding ? "single" : "double", nq_kernels_name(fast));
      }
    }
  }
  printf("int8: %d of %d runs (both roundings) identical on reference, portable and %s\n", compared - differ,
         compared, nq_kernels_name(fast));
  CHECK(compared == 2 * N_SAMPLES);
  CHECK(differ == 0);

  /* Conversion does not depend on the set: the same model bytes. */
  if (qm && fast != NQ_KERNELS_PORTABLE) {
    co.kernels = (int)fast;
    nq_model *qm2 = NULL;
    CHECKF(nq_convert_arrays(fm, samples, N_SAMPLES, &co, &qm2, &err) == NQ_OK, "%s", err.msg);
    char pa[64], pb[64];
    snprintf(pa, sizeof pa, "/tmp/nq_kernels_option_%ld_a.tflite", (long)getpid());
    snprintf(pb, sizeof pb, "/tmp/nq_kernels_option_%ld_b.tflite", (long)getpid());
    if (qm2 && nq_model_save_tflite(qm, pa, &err) == NQ_OK && nq_model_save_tflite(qm2, pb, &err) == NQ_OK) {
      size_t na = 0, nb = 0;
      unsigned char *ba = nq_test_read_file(pa, &na), *bb = nq_test_read_file(pb, &nb);
      CHECKF(ba && bb && na == nb && memcmp(ba, bb, na) == 0,
             "models converted with portable and %s kernels differ (%zu and %zu bytes)",
             nq_kernels_name(fast), na, nb);
      printf("convert: portable and %s give the same %zu bytes\n", nq_kernels_name(fast), na);
      free(ba);
      free(bb);
    } else {
      CHECKF(0, "%s", err.msg);
    }
    remove(pa);
    remove(pb);
    nq_model_free(qm2);
  }
  nq_model_free(qm);
  nq_model_free(fm);
  return nq_test_finish("test_kernels_option");
}
