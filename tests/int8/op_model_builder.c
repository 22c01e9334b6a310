/* The test model builder (see op_model_builder.h). */
#include "op_model_builder.h"

#include <stdio.h>

#include "api/model_internal.h"
#include "ir/shape.h"

void mb_start(builder *b) {
  b->g = nq_graph_new();
  b->ok = b->g != NULL;
  b->n_in = 0;
}

int mb_tensor(builder *b, nq_dtype t, int rank, const int32_t *shape, int n_q, const float *s,
              const int64_t *z, int axis) {
  if (!b->ok) return -1;
  char name[32];
  snprintf(name, sizeof name, "t%d", b->g->n_tensors);
  int idx = nq_graph_add_tensor(b->g, name, t, rank, shape, &b->err);
  if (idx < 0 || (n_q > 0 && nq_tensor_set_quant(b->g, idx, n_q, s, z, axis, &b->err) != NQ_OK)) {
    b->ok = 0;
    return -1;
  }
  return idx;
}

int mb_input(builder *b, nq_dtype t, int rank, const int32_t *shape, float s, int64_t z) {
  int i = mb_tensor(b, t, rank, shape, 1, &s, &z, 0);
  if (i >= 0) b->in[b->n_in++] = i;
  return i;
}

int mb_act(builder *b, nq_dtype t, float s, int64_t z) { return mb_tensor(b, t, 0, NULL, 1, &s, &z, 0); }

void mb_set_data(builder *b, int t, const void *data, size_t n) {
  if (b->ok && nq_tensor_copy_data(b->g, t, data, n, &b->err) != NQ_OK) b->ok = 0;
}

int mb_weights(builder *b, int rank, const int32_t *shape, int n_q, int axis) {
  float s[64];
  int64_t z[64] = {0};
  for (int i = 0; i < n_q; i++) s[i] = nq_rng_uniform(&b->rng, 0.002f, 0.02f);
  int t = mb_tensor(b, NQ_INT8, rank, shape, n_q, s, z, axis);
  size_t n = 1;
  for (int i = 0; i < rank; i++) n *= (size_t)shape[i];
  int8_t w[4096];
  for (size_t i = 0; i < n && i < sizeof w; i++) w[i] = (int8_t)nq_rng_int(&b->rng, -127, 127);
  mb_set_data(b, t, w, n);
  return t;
}

int mb_bias(builder *b, int n, float s_in, int w_tensor) {
  const nq_quant *wq = &b->g->tensors[w_tensor].q;
  float s[64];
  int64_t z[64] = {0};
  int32_t v[64];
  for (int i = 0; i < n; i++) {
    s[i] = s_in * wq->scale[wq->n > 1 ? i : 0];
    v[i] = nq_rng_int(&b->rng, -3000, 3000);
  }
  int t = mb_tensor(b, NQ_INT32, 1, (int32_t[]){n}, wq->n > 1 ? n : 1, s, z, 0);
  mb_set_data(b, t, v, (size_t)n * 4);
  return t;
}

int mb_bias_typed(builder *b, nq_dtype t, int n, float s_in, int w_tensor, int32_t range) {
  const nq_quant *wq = &b->g->tensors[w_tensor].q;
  float s[64];
  int64_t z[64] = {0}, v64[64];
  int32_t v32[64];
  for (int i = 0; i < n && i < 64; i++) {
    s[i] = s_in * wq->scale[wq->n > 1 ? i : 0];
    v64[i] = nq_rng_int(&b->rng, -range, range);
    v32[i] = (int32_t)v64[i];
  }
  int bt = mb_tensor(b, t, 1, (int32_t[]){n}, wq->n > 1 ? n : 1, s, z, 0);
  if (t == NQ_INT64)
    mb_set_data(b, bt, v64, (size_t)n * 8);
  else
    mb_set_data(b, bt, v32, (size_t)n * 4);
  return bt;
}

int mb_ints(builder *b, int rank, const int32_t *shape, const int32_t *v) {
  int t = mb_tensor(b, NQ_INT32, rank, shape, 0, NULL, NULL, 0);
  size_t n = 1;
  for (int i = 0; i < rank; i++) n *= (size_t)shape[i];
  mb_set_data(b, t, v, n * 4);
  return t;
}

void mb_node(builder *b, nq_op op, int n_in, const int *in, int n_out, const int *out,
             const nq_op_params *p) {
  if (b->ok && nq_graph_add_node(b->g, op, NULL, n_in, in, n_out, out, p, &b->err) < 0) b->ok = 0;
}

void mb_finish(builder *b, const char *dir, const char *name, int n_out, const int *out) {
  nq_model *m = NULL;
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.tflite", dir, name);
  if (b->ok && nq_graph_set_io(b->g, b->n_in, b->in, n_out, out, &b->err) != NQ_OK) b->ok = 0;
  if (b->ok && nq_graph_infer_shapes(b->g, true, &b->err) != NQ_OK) b->ok = 0;
  if (b->ok) {
    nq_graph *g = b->g;
    b->g = NULL;
    if (nq_model_wrap(g, NULL, &m, &b->err) != NQ_OK || nq_model_save_tflite(m, path, &b->err) != NQ_OK)
      b->ok = 0;
  }
  if (b->ok) {
    printf("%s\n", name);
  } else {
    fprintf(stderr, "%s: %s: %s\n", b->tool, name, b->err.msg);
    b->failures++;
  }
  nq_model_free(m);
  nq_graph_free(b->g);
  b->g = NULL;
}
