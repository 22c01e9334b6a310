/*
 * examples/fashion/fashion_cnn.onnx (committed, made by
 * examples/fashion/train_export.py together with fashion_cnn.tflite) loads
 * through the ONNX frontend and gives the same outputs as the .tflite on
 * seeded random images (NCHW for the ONNX model, NHWC for the TFLite one),
 * and its graph has no TRANSPOSE (a 1-channel NCHW input is a reshape).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_internal.h"
#include "npuquant.h"
#include "testutil.h"

static int run(nq_model *m, const float *x, size_t n, float *y, size_t ny) {
  nq_session *s = NULL;
  nq_error err;
  const void *out;
  size_t nb;
  nq_status st = nq_session_create(m, NULL, &s, &err);
  if (st == NQ_OK) st = nq_session_set_input(s, 0, x, n * sizeof *x, &err);
  if (st == NQ_OK) st = nq_session_run(s, &err);
  if (st == NQ_OK) st = nq_session_output(s, 0, &out, &nb, &err);
  if (st == NQ_OK && nb == ny * sizeof *y) memcpy(y, out, nb);
  CHECKF(st == NQ_OK && nb == ny * sizeof *y, "run: %s", st == NQ_OK ? "output size" : err.msg);
  nq_session_free(s);
  return st == NQ_OK;
}

int main(void) {
  const char *src = getenv("NQ_SOURCE_DIR");
  char po[1024], pt[1024];
  snprintf(po, sizeof po, "%s/examples/fashion/fashion_cnn.onnx", src ? src : ".");
  snprintf(pt, sizeof pt, "%s/examples/fashion/fashion_cnn.tflite", src ? src : ".");
  nq_model *mo = NULL, *mt = NULL;
  nq_error err;
  CHECKF(nq_model_load(po, &mo, &err) == NQ_OK, "%s", err.msg);
  CHECKF(nq_model_load(pt, &mt, &err) == NQ_OK, "%s", err.msg);
  if (!mo || !mt) return nq_test_finish("test_onnx_fashion");
  for (int k = 0; k < mo->graph->n_nodes; k++)
    CHECKF(mo->graph->nodes[k].op != NQ_OP_TRANSPOSE, "node %d is a TRANSPOSE", k);
  nq_rng rng = {2024};
  float x[28 * 28], ya[10], yb[10];
  double worst = 0;
  for (int sample = 0; sample < 8; sample++) {
    for (int k = 0; k < 28 * 28; k++) x[k] = nq_rng_uniform(&rng, 0, 1);
    /* One channel: NCHW [1,1,28,28] and NHWC [1,28,28,1] hold the same bytes. */
    if (!run(mo, x, 28 * 28, ya, 10) || !run(mt, x, 28 * 28, yb, 10)) break;
    for (int k = 0; k < 10; k++) {
      double d = fabs(ya[k] - yb[k]);
      if (d > worst) worst = d;
    }
  }
  CHECKF(worst <= 1e-5, "ONNX and TFLite outputs differ by %g", worst);
  printf("fashion_cnn: ONNX vs TFLite max abs diff %.3g over 8 images\n", worst);
  nq_model_free(mo);
  nq_model_free(mt);
  return nq_test_finish("test_onnx_fashion");
}
