/*
 * The public entry points the CLI needs (include/npuquant.h only), on the
 * bundled demo model (no ../shared needed):
 *  - a data set opened per model input gives back exactly the samples of the
 *    .npy it reads, with names, and refuses a file of the wrong shape;
 *  - nq_convert_source on that data set writes the same bytes as
 *    nq_convert_arrays on the same samples, calls progress once per sample,
 *    names the failing sample through the source's name callback, and fills
 *    an older (smaller) nq_convert_stats without writing past it;
 *  - a sample source whose struct_size is not set is refused, not read;
 *  - nq_compare_source equals nq_compare_arrays figure for figure;
 *  - the calibration parser, nq_quantize_floats (against TFLite's rule),
 *    the NPU target check and node labels behave as documented.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "npuquant.h"
#include "testutil.h"

#define N_SAMPLES 6
#define ELEMS (28 * 28)

/* A source over a data set: names come from it, a NaN is planted in sample
 * `poison` (-1: none). */
typedef struct ds_source {
  nq_dataset *ds;
  int poison;
  int progress_calls, last_done, last_total;
} ds_source;

static nq_status ds_fill(void *ctx, int sample, int input, float *dst, size_t n, nq_error *err) {
  ds_source *s = ctx;
  if (input != 0 || n != nq_dataset_sample_elems(s->ds)) return nq_fail(err, NQ_ERR_INTERNAL, "bad request");
  nq_status st = nq_dataset_get(s->ds, (size_t)sample, dst, err);
  if (st == NQ_OK && sample == s->poison) dst[n / 2] = NAN;
  return st;
}

static const char *ds_name(void *ctx, int sample) {
  return nq_dataset_name(((ds_source *)ctx)->ds, (size_t)sample);
}

static void ds_progress(void *ctx, int done, int total) {
  ds_source *s = ctx;
  s->progress_calls++;
  s->last_done = done;
  s->last_total = total;
}

static void source_over(nq_sample_source *src, ds_source *s) {
  nq_sample_source_init(src);
  src->n_samples = (int)nq_dataset_count(s->ds);
  src->fill = ds_fill;
  src->name = ds_name;
  src->ctx = s;
  src->progress = ds_progress;
  src->progress_ctx = s;
}

static int same_file_bytes(const char *a, const char *b) {
  size_t na, nb;
  unsigned char *x = nq_test_read_file(a, &na), *y = nq_test_read_file(b, &nb);
  int same = x && y && na == nb && memcmp(x, y, na) == 0;
  free(x);
  free(y);
  return same;
}

static void test_dataset_and_convert(const nq_model *m, const char *dir, const float *data) {
  nq_error err;
  char npy[512], bad[512], out_src[512], out_arr[512];
  snprintf(npy, sizeof npy, "%s/samples.npy", dir);
  snprintf(bad, sizeof bad, "%s/wrong.npy", dir);
  snprintf(out_src, sizeof out_src, "%s/from_source.tflite", dir);
  snprintf(out_arr, sizeof out_arr, "%s/from_arrays.tflite", dir);
  int32_t shape[4] = {N_SAMPLES, 28, 28, 1};
  CHECKF(nq_npy_write_file(npy, NQ_FLOAT32, 4, shape, data, &err) == NQ_OK, "%s", err.msg);
  int32_t wrong[2] = {3, 5};
  float five[15] = {0};
  CHECKF(nq_npy_write_file(bad, NQ_FLOAT32, 2, wrong, five, &err) == NQ_OK, "%s", err.msg);

  /* The .npy round-trips through the public reader. */
  nq_array arr;
  CHECKF(nq_npy_read_file(npy, &arr, &err) == NQ_OK, "%s", err.msg);
  CHECK(arr.type == NQ_FLOAT32 && arr.rank == 4 && arr.shape[0] == N_SAMPLES &&
        arr.nelems == N_SAMPLES * ELEMS);
  CHECK(arr.data && memcmp(arr.data, data, sizeof(float) * N_SAMPLES * ELEMS) == 0);
  nq_array_free(&arr);
  CHECK(arr.data == NULL);

  /* A data set per input: the same values, named by file and index. */
  nq_data_options dopt;
  nq_data_options_init(&dopt);
  CHECK(dopt.struct_size == sizeof dopt);
  nq_preprocess pp;
  nq_preprocess_default(&pp);
  ds_source s = {.poison = -1};
  CHECKF(nq_dataset_open_input(npy, m, 0, &pp, &dopt, &s.ds, &err) == NQ_OK, "%s", err.msg);
  if (!s.ds) return;
  CHECK(nq_dataset_count(s.ds) == N_SAMPLES && nq_dataset_sample_elems(s.ds) == ELEMS);
  CHECK(!nq_dataset_has_images(s.ds));
  CHECKF(strstr(nq_dataset_name(s.ds, 2), "samples.npy[2]") != NULL, "%s", nq_dataset_name(s.ds, 2));
  float got[ELEMS];
  CHECKF(nq_dataset_get(s.ds, 3, got, &err) == NQ_OK, "%s", err.msg);
  CHECK(memcmp(got, data + 3 * ELEMS, sizeof got) == 0);

  /* Wrong shape, wrong input index, unset struct_size: refused with reasons. */
  nq_dataset *ds2 = NULL;
  CHECK(nq_dataset_open_input(bad, m, 0, NULL, NULL, &ds2, &err) != NQ_OK && ds2 == NULL);
  CHECKF(strstr(err.msg, "wrong.npy") != NULL, "%s", err.msg);
  CHECK(nq_dataset_open_input(npy, m, 1, NULL, NULL, &ds2, &err) == NQ_ERR_INVALID_ARG && ds2 == NULL);
  nq_data_options zero;
  memset(&zero, 0, sizeof zero);
  CHECK(nq_dataset_open_input(npy, m, 0, NULL, &zero, &ds2, &err) == NQ_ERR_INVALID_ARG);
  CHECKF(strstr(err.msg, "nq_data_options_init") != NULL, "%s", err.msg);

  /* Convert from the data set and from the same samples in memory: the
   * same model, byte for byte. */
  nq_convert_options co;
  nq_convert_options_init(&co);
  co.num_threads = 1;
  nq_sample_source src;
  source_over(&src, &s);
  nq_model *qs = NULL, *qa = NULL;
  struct {
    nq_convert_stats stats;
    unsigned char canary[64];
  } full;
  memset(&full, 0xA5, sizeof full);
  full.stats.struct_size = sizeof full.stats;
  CHECKF(nq_convert_source(m, &src, &co, &qs, &full.stats, &err) == NQ_OK, "%s", err.msg);
  CHECK(s.progress_calls >= N_SAMPLES && s.last_done == N_SAMPLES && s.last_total == N_SAMPLES);
  CHECK(full.stats.struct_size == sizeof full.stats && full.stats.equalized_pairs == 0);
  CHECK(full.stats.seconds_calibrate >= 0 && full.stats.seconds_quantize >= 0);
  int canary_intact = 1;
  for (size_t i = 0; i < sizeof full.canary; i++) canary_intact &= full.canary[i] == 0xA5;
  CHECK(canary_intact);
  CHECKF(nq_convert_arrays(m, data, N_SAMPLES, &co, &qa, &err) == NQ_OK, "%s", err.msg);
  if (qs && qa) {
    CHECKF(nq_model_save_tflite(qs, out_src, &err) == NQ_OK, "%s", err.msg);
    CHECKF(nq_model_save_tflite(qa, out_arr, &err) == NQ_OK, "%s", err.msg);
    CHECK(same_file_bytes(out_src, out_arr));
  }

  /* An older caller's stats (only struct_size and equalized_pairs): filled
   * up to there, nothing written after it. */
  struct {
    size_t struct_size;
    int equalized_pairs;
    unsigned char canary[64];
  } old;
  memset(&old, 0xA5, sizeof old);
  old.struct_size = offsetof(nq_convert_stats, equalized_pairs) + sizeof(int);
  old.equalized_pairs = -7;
  nq_model *q2 = NULL;
  CHECKF(nq_convert_source(m, &src, &co, &q2, (nq_convert_stats *)(void *)&old, &err) == NQ_OK, "%s",
         err.msg);
  CHECK(old.equalized_pairs == full.stats.equalized_pairs); /* written, with the same value */
  int intact = 1;
  for (size_t i = old.struct_size; i < sizeof old; i++) intact &= ((unsigned char *)&old)[i] == 0xA5;
  CHECK(intact);
  nq_model_free(q2);

  /* A NaN in sample 4: the message names it as the source does. */
  s.poison = 4;
  CHECK(nq_convert_source(m, &src, &co, &q2, NULL, &err) == NQ_ERR_NUMERIC && q2 == NULL);
  CHECKF(strstr(err.msg, "samples.npy[4]") != NULL, "%s", err.msg);
  s.poison = -1;

  /* A source built without nq_sample_source_init is refused before use. */
  nq_sample_source raw;
  memset(&raw, 0, sizeof raw);
  raw.n_samples = N_SAMPLES;
  raw.fill = ds_fill;
  raw.ctx = &s;
  s.progress_calls = 0;
  CHECK(nq_convert_source(m, &raw, &co, &q2, NULL, &err) == NQ_ERR_INVALID_ARG && q2 == NULL);
  CHECKF(strstr(err.msg, "nq_sample_source_init") != NULL, "%s", err.msg);
  nq_compare_report *rep = NULL;
  CHECK(nq_compare_source(m, qs, &raw, NULL, &rep, &err) == NQ_ERR_INVALID_ARG && rep == NULL);
  src.n_samples = 0;
  CHECK(nq_convert_source(m, &src, &co, &q2, NULL, &err) == NQ_ERR_INVALID_ARG);
  src.n_samples = N_SAMPLES;

  /* nq_compare_source and nq_compare_arrays agree figure for figure. */
  nq_compare_options cmp;
  memset(&cmp, 0, sizeof cmp);
  cmp.per_tensor = 1;
  cmp.num_threads = 1;
  nq_compare_report *ra = NULL;
  if (qs) {
    CHECKF(nq_compare_source(m, qs, &src, &cmp, &rep, &err) == NQ_OK, "%s", err.msg);
    CHECKF(nq_compare_arrays(m, qs, data, N_SAMPLES, &cmp, &ra, &err) == NQ_OK, "%s", err.msg);
  }
  if (rep && ra) {
    CHECK(nq_compare_num_outputs(rep) == nq_compare_num_outputs(ra));
    CHECK(nq_compare_num_tensors(rep) == nq_compare_num_tensors(ra) && nq_compare_num_tensors(rep) > 0);
    for (int i = 0; i < nq_compare_num_tensors(rep); i++) {
      nq_compare_figures a, b;
      CHECK(nq_compare_tensor(rep, i, &a, &err) == NQ_OK && nq_compare_tensor(ra, i, &b, &err) == NQ_OK);
      CHECK(strcmp(a.name, b.name) == 0 && a.samples == N_SAMPLES && a.sqnr_db == b.sqnr_db &&
            a.max_abs_error == b.max_abs_error && a.rmse == b.rmse);
    }
  }
  nq_compare_report_free(rep);
  nq_compare_report_free(ra);
  nq_model_free(qs);
  nq_model_free(qa);
  nq_dataset_free(s.ds);
  CHECK(nq_same_file(npy, npy) && !nq_same_file(npy, bad));
  unlink(npy);
  unlink(bad);
  unlink(out_src);
  unlink(out_arr);
}

static void test_small_calls(const nq_model *m) {
  nq_error err;
  nq_convert_options co;
  nq_convert_options_init(&co);
  CHECK(nq_convert_options_set_calibration(&co, "percentile:99.9", &err) == NQ_OK && co.calibration == 1 &&
        fabs(co.percentile - 99.9) < 1e-12);
  CHECK(nq_convert_options_set_calibration(&co, "mse", &err) == NQ_OK && co.calibration == 2);
  CHECK(nq_convert_options_set_calibration(&co, "minmax", &err) == NQ_OK && co.calibration == 0);
  CHECK(nq_convert_options_set_calibration(&co, "median", &err) == NQ_ERR_INVALID_ARG);
  CHECKF(strstr(err.msg, "median") != NULL, "%s", err.msg);
  CHECK(nq_convert_options_set_calibration(&co, "percentile:20", &err) == NQ_ERR_INVALID_ARG);

  /* TFLite's QUANTIZE: round half away from zero, then clamp. */
  const float x[6] = {-1.0f, -0.25f, 0.25f, 0.5f, 10.0f, -10.0f};
  int8_t q8[6];
  CHECK(nq_quantize_floats(x, 6, NQ_INT8, 0.5f, 3, q8, &err) == NQ_OK);
  const int8_t want8[6] = {1, 2, 4, 4, 23, -17};
  CHECK(memcmp(q8, want8, sizeof q8) == 0);
  uint8_t u8[6];
  CHECK(nq_quantize_floats(x, 6, NQ_UINT8, 0.05f, 128, u8, &err) == NQ_OK);
  const uint8_t want_u8[6] = {108, 123, 133, 138, 255, 0};
  CHECK(memcmp(u8, want_u8, sizeof u8) == 0);
  float inplace[3] = {0.5f, -0.5f, 1.0f};
  CHECK(nq_quantize_floats(inplace, 3, NQ_INT8, 0.25f, 0, inplace, &err) == NQ_OK);
  CHECK(((int8_t *)inplace)[0] == 2 && ((int8_t *)inplace)[1] == -2 && ((int8_t *)inplace)[2] == 4);
  CHECK(nq_quantize_floats(x, 6, NQ_INT16, 0.5f, 0, q8, &err) == NQ_ERR_INVALID_ARG);
  CHECK(nq_quantize_floats(x, 6, NQ_INT8, 0.0f, 0, q8, &err) == NQ_ERR_INVALID_ARG);

  CHECK(nq_npu_target_is_known("imx8mp") && nq_npu_target_is_known("ethos-u") &&
        nq_npu_target_is_known("edgetpu"));
  CHECK(!nq_npu_target_is_known("imx8") && !nq_npu_target_is_known("") && !nq_npu_target_is_known(NULL));
  /* what the automatic recipe's 16x8 escalation follows (recipe_int16) */
  CHECK(nq_npu_target_runs_int16x8("ethos-u") && !nq_npu_target_runs_int16x8("imx8mp") &&
        !nq_npu_target_runs_int16x8("edgetpu") && !nq_npu_target_runs_int16x8("imx8") &&
        !nq_npu_target_runs_int16x8(NULL));

  char lb[128];
  CHECKF(strncmp(nq_model_node_label(m, 0, lb, sizeof lb), "node 0 (CONV_2D", 15) == 0, "%s", lb);
  CHECK(strcmp(nq_model_node_label(m, 99, lb, sizeof lb), "node 99") == 0);
  char tiny[8];
  CHECK(strlen(nq_model_node_label(m, 0, tiny, sizeof tiny)) == sizeof tiny - 1);

  const char *fmt = nq_format_describe(nq_model_source(m));
  CHECK(fmt && strstr(fmt, "TFLite"));
  CHECK(nq_format_describe("/nonexistent/model.onnx") == NULL);
  CHECK(nq_model_num_signatures(m) == 0 && nq_model_num_metadata(m) == 0);
  nq_signature_info si;
  CHECK(nq_model_signature(m, 0, &si, &err) == NQ_ERR_INVALID_ARG);
  nq_metadata_info mi;
  CHECK(nq_model_metadata(m, 0, &mi, &err) == NQ_ERR_INVALID_ARG);
  CHECK(nq_model_description(m) != NULL && strstr(nq_model_description(m), "Fashion"));

  /* nq_fail / nq_prefix: what callbacks use to report. */
  nq_error e;
  CHECK(nq_fail(&e, NQ_ERR_IO, "%s: %d", "x.npy", 7) == NQ_ERR_IO && strcmp(e.msg, "x.npy: 7") == 0);
  CHECK(nq_prefix(&e, "in %s: ", "calib") == NQ_ERR_IO && strcmp(e.msg, "in calib: x.npy: 7") == 0);
  CHECK(nq_fail(&e, NQ_ERR_FORMAT, "bad \x1b[31m name") == NQ_ERR_FORMAT && strchr(e.msg, 0x1b) == NULL);
}

int main(void) {
  nq_model *m = nq_test_load_demo();
  CHECK(m != NULL);
  if (!m) return nq_test_finish("test_api_door");
  char dir[] = "/tmp/nq_api_door_XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  nq_rng r = {0x5eed};
  float *data = malloc(sizeof(float) * N_SAMPLES * ELEMS);
  CHECK(data != NULL);
  if (data) {
    for (size_t i = 0; i < (size_t)N_SAMPLES * ELEMS; i++) data[i] = nq_rng_uniform(&r, 0.0f, 1.0f);
    test_dataset_and_convert(m, dir, data);
  }
  test_small_calls(m);
  free(data);
  rmdir(dir);
  nq_model_free(m);
  return nq_test_finish("test_api_door");
}
