/*
 * Whole models: a session with the fast kernels on a 2-thread pool computes
 * the same tensors as a reference-only session — every intermediate float
 * tensor, not only the (softmax-flattened) outputs, within 1e-4 of the
 * tensor's largest magnitude — on real float models from ../shared that
 * exercise CONV_2D (1x1, 3x3, strided, first layer on RGB), dilated
 * CONV_2D and DEPTHWISE_CONV_2D (DeepLabv3), pools, FULLY_CONNECTED,
 * residual ADDs, RESIZE_BILINEAR, PRELU and channel PAD (MediaPipe palm
 * detection). Without ../shared: the committed float ONNX and Keras CNNs of
 * tests/golden/frontends (conv, grouped conv, depthwise, pools, BatchNorm,
 * HardSwish, FC, softmax).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "npuquant.h"
#include "testutil.h"

static const char *const MODELS[] = {
    "mlperf-tiny-vww/vww_96_float.tflite",
    "mlperf-tiny-ic-resnet8/pretrainedResnet.tflite",
    "mobilenet_v1_0.25_128/mobilenet_v1_0.25_128.tflite",
    "tfls-deeplabv3/deeplabv3.tflite",
    "mediapipe-solutions/palm_detection_lite.tflite",
};
static const char *const GOLDEN_MODELS[] = {"cnn.onnx", "cnn.h5"};

/* Every float tensor that is not a constant after one run, copied out (the
 * values live in the session); NULL entries for the others. */
static float **run_model(const nq_model *m, int reference_only, int threads, const float *const *inputs,
                         nq_error *err) {
  nq_session_options o = {.num_threads = threads, .reference_only = reference_only};
  nq_session *s = NULL;
  float **vals = NULL;
  int nt = nq_model_num_tensors(m);
  if (nq_session_create(m, &o, &s, err) != NQ_OK) return NULL;
  if (nq_session_keep_all_tensors(s, err) != NQ_OK) goto fail;
  for (int i = 0; i < nq_model_num_inputs(m); i++) {
    nq_tensor_info ti;
    nq_model_input(m, i, &ti, err);
    if (nq_session_set_input(s, i, inputs[i], ti.nbytes, err) != NQ_OK) goto fail;
  }
  if (nq_session_run(s, err) != NQ_OK) goto fail;
  vals = calloc((size_t)nt, sizeof *vals);
  for (int t = 0; t < nt; t++) {
    nq_tensor_info ti;
    if (nq_model_tensor(m, t, &ti, err) != NQ_OK || ti.type != NQ_FLOAT32 || ti.is_constant) continue;
    const void *d;
    size_t nb;
    if (nq_session_tensor(s, t, &d, &nb, err) != NQ_OK) continue; /* not computed (unused) */
    vals[t] = malloc(nb ? nb : 1);
    memcpy(vals[t], d, nb);
  }
  nq_session_free(s);
  return vals;
fail:
  nq_session_free(s);
  return NULL;
}

int main(void) {
  int golden;
  const char *dir = nq_test_models_dir(&golden);
  const char *const *models = golden ? GOLDEN_MODELS : MODELS;
  size_t n_models = golden ? sizeof GOLDEN_MODELS / sizeof *GOLDEN_MODELS : sizeof MODELS / sizeof *MODELS;
  nq_rng r = {12345};
  for (size_t k = 0; k < n_models; k++) {
    char path[1024];
    snprintf(path, sizeof path, golden ? "%s/../frontends/%s" : "%s/%s", dir, models[k]);
    nq_error err;
    memset(&err, 0, sizeof err);
    nq_model *m = NULL;
    if (nq_model_load(path, &m, &err) != NQ_OK) {
      CHECKF(0, "%s: %s", models[k], err.msg);
      continue;
    }
    int n_in = nq_model_num_inputs(m), n_out = nq_model_num_outputs(m);
    float **inputs = calloc((size_t)n_in, sizeof *inputs);
    int float_io = 1;
    for (int i = 0; i < n_in; i++) {
      nq_tensor_info ti;
      nq_model_input(m, i, &ti, &err);
      float_io &= ti.type == NQ_FLOAT32;
      inputs[i] = malloc(ti.nbytes ? ti.nbytes : 1);
      for (size_t e = 0; e < ti.nbytes / sizeof(float); e++) inputs[i][e] = nq_rng_uniform(&r, 0.0f, 1.0f);
    }
    CHECKF(float_io, "%s: expected float inputs", models[k]);
    float **ref = run_model(m, 1, 1, (const float *const *)inputs, &err);
    CHECKF(ref != NULL, "%s: reference session: %s", models[k], err.msg);
    float **fast = ref ? run_model(m, 0, 2, (const float *const *)inputs, &err) : NULL;
    CHECKF(!ref || fast != NULL, "%s: fast session: %s", models[k], err.msg);
    int compared = 0;
    int nt = nq_model_num_tensors(m);
    for (int t = 0; ref && fast && t < nt; t++) {
      if (!ref[t] || !fast[t]) continue;
      nq_tensor_info ti;
      nq_model_tensor(m, t, &ti, &err);
      size_t n = ti.nbytes / sizeof(float);
      float mag = 0.0f, worst = 0.0f;
      for (size_t e = 0; e < n; e++) mag = fmaxf(mag, fabsf(ref[t][e]));
      for (size_t e = 0; e < n; e++) {
        float d = fabsf(fast[t][e] - ref[t][e]);
        if (!(d <= worst)) worst = d;
      }
      CHECKF(worst <= 1e-4f * fmaxf(mag, 1e-3f),
             "%s tensor %d (%s): fast differs from reference by %g (max |ref| %g)", models[k], t,
             ti.name ? ti.name : "?", worst, mag);
      compared++;
    }
    CHECKF(!ref || !fast || compared >= n_out, "%s: only %d tensors compared", models[k], compared);
    printf("%s: %d float tensors agree\n", models[k], compared);
    for (int t = 0; t < nt; t++) {
      if (ref) free(ref[t]);
      if (fast) free(fast[t]);
    }
    free(ref);
    free(fast);
    for (int i = 0; i < n_in; i++) free(inputs[i]);
    free(inputs);
    nq_model_free(m);
  }
  return nq_test_finish("test_fast_models");
}
