#include "kref_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/model_internal.h"
#include "npuquant.h"

void kb_init(kb *b) {
  memset(b, 0, sizeof *b);
  b->g = nq_graph_new();
}

int kb_input(kb *b, int rank, const int32_t *shape, const float *data) {
  nq_error err;
  int t = nq_graph_add_tensor(b->g, NULL, NQ_FLOAT32, rank, shape, &err);
  b->in_data[b->n_in] = data;
  b->in[b->n_in++] = t;
  return t;
}

int kb_const_f(kb *b, int rank, const int32_t *shape, const float *data) {
  nq_error err;
  int t = nq_graph_add_tensor(b->g, "w", NQ_FLOAT32, rank, shape, &err);
  nq_tensor_copy_data(b->g, t, data, nq_tensor_elems(&b->g->tensors[t]) * 4, &err);
  return t;
}

int kb_const_i(kb *b, int rank, const int32_t *shape, const int32_t *data) {
  nq_error err;
  int t = nq_graph_add_tensor(b->g, "i", NQ_INT32, rank, shape, &err);
  nq_tensor_copy_data(b->g, t, data, nq_tensor_elems(&b->g->tensors[t]) * 4, &err);
  return t;
}

int kb_output_t(kb *b, nq_dtype type, int rank, const int32_t *shape) {
  nq_error err;
  int t = nq_graph_add_tensor(b->g, "out", type, rank, shape, &err);
  b->out[b->n_out++] = t;
  return t;
}

int kb_output(kb *b, int rank, const int32_t *shape) { return kb_output_t(b, NQ_FLOAT32, rank, shape); }

int kb_node(kb *b, nq_op op, const char *name, int n_in, const int *in, int n_out, const int *out,
            const nq_op_params *p) {
  nq_error err;
  return nq_graph_add_node(b->g, op, name, n_in, in, n_out, out, p, &err);
}

nq_status kb_run(kb *b, int k, float *res, size_t n, nq_error *err) {
  return kb_run_bytes(b, k, res, n * 4, err);
}

nq_status kb_run_bytes(kb *b, int k, void *res, size_t want, nq_error *err) {
  nq_status s = nq_graph_set_io(b->g, b->n_in, b->in, b->n_out, b->out, err);
  nq_model *m = NULL;
  if (s == NQ_OK) s = nq_model_wrap(b->g, NULL, &m, err);
  b->g = NULL;
  nq_session *ss = NULL;
  nq_session_options o = {.num_threads = 1, .reference_only = 1};
  if (s == NQ_OK) s = nq_session_create(m, &o, &ss, err);
  for (int i = 0; s == NQ_OK && i < b->n_in; i++) {
    const nq_tensor *t = &m->graph->tensors[b->in[i]];
    s = nq_session_set_input(ss, i, b->in_data[i], nq_tensor_elems(t) * 4, err);
  }
  if (s == NQ_OK) s = nq_session_run(ss, err);
  const void *data;
  size_t nbytes;
  if (s == NQ_OK) s = nq_session_output(ss, k, &data, &nbytes, err);
  if (s == NQ_OK) {
    if (nbytes != want) {
      fprintf(stderr, "output has %zu bytes, test expects %zu\n", nbytes, want);
      s = NQ_ERR_SHAPE;
    } else {
      memcpy(res, data, nbytes);
    }
  }
  nq_session_free(ss);
  nq_model_free(m);
  if (b->g) nq_graph_free(b->g);
  b->g = NULL;
  return s;
}

bool kb_close(const char *what, const float *got, const float *want, size_t n, float tol) {
  for (size_t i = 0; i < n; i++) {
    if (!(fabsf(got[i] - want[i]) <= tol * (1.0f + fabsf(want[i])))) {
      fprintf(stderr, "%s: element %zu is %g, expected %g\n", what, i, got[i], want[i]);
      return false;
    }
  }
  return true;
}
