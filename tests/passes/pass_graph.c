/* Graph building and before/after comparison for the pass tests (see pass_graph.h). */
#include "pass_graph.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int pg_act(builder *b, const char *name) {
  return nq_graph_add_tensor(b->g, name, NQ_FLOAT32, 0, NULL, &b->err);
}

int pg_konst(builder *b, const char *name, int rank, const int32_t *shape, float lo, float hi) {
  int t = nq_graph_add_tensor(b->g, name, NQ_FLOAT32, rank, shape, &b->err);
  size_t n = nq_tensor_elems(&b->g->tensors[t]);
  float *d = malloc(n * sizeof(float));
  for (size_t i = 0; i < n; i++) d[i] = nq_rng_uniform(&b->rng, lo, hi);
  CHECK(nq_tensor_set_data(b->g, t, (uint8_t *)d, n * sizeof(float), &b->err) == NQ_OK);
  return t;
}

int pg_scalar(builder *b, const char *name, float v) {
  int t = nq_graph_add_tensor(b->g, name, NQ_FLOAT32, 0, NULL, &b->err);
  CHECK(nq_tensor_copy_data(b->g, t, &v, sizeof v, &b->err) == NQ_OK);
  return t;
}

int pg_kint(builder *b, const char *name, int n, const int32_t *vals) {
  int32_t shape[1] = {n};
  int t = nq_graph_add_tensor(b->g, name, NQ_INT32, 1, shape, &b->err);
  CHECK(nq_tensor_copy_data(b->g, t, vals, (size_t)n * 4, &b->err) == NQ_OK);
  return t;
}

void pg_node(builder *b, nq_op op, const char *name, int n_in, const int *in, int out,
             const nq_op_params *p) {
  nq_op_params d = nq_op_params_default();
  CHECK(nq_graph_add_node(b->g, op, name, n_in, in, 1, &out, p ? p : &d, &b->err) >= 0);
}

int pg_un(builder *b, nq_op op, const char *name, int x) {
  int y = pg_act(b, name);
  pg_node(b, op, name, 1, (int[]){x}, y, NULL);
  return y;
}

int pg_bin(builder *b, nq_op op, const char *name, int x, int y) {
  int z = pg_act(b, name);
  pg_node(b, op, name, 2, (int[]){x, y}, z, NULL);
  return z;
}

int pg_count_op(const nq_graph *g, nq_op op) {
  int c = 0;
  for (int n = 0; n < g->n_nodes; n++) c += g->nodes[n].op == op;
  return c;
}

const nq_node *pg_find_op(const nq_graph *g, nq_op op) {
  for (int n = 0; n < g->n_nodes; n++)
    if (g->nodes[n].op == op) return &g->nodes[n];
  return NULL;
}

double pg_run_compare(nq_graph *a, nq_graph *b, float lo, float hi) {
  nq_error err = {0};
  nq_model *ma = NULL, *mb = NULL;
  CHECK(nq_model_wrap(a, NULL, &ma, &err) == NQ_OK);
  CHECK(nq_model_wrap(b, NULL, &mb, &err) == NQ_OK);
  nq_session_options opts = {.num_threads = 1, .reference_only = 1};
  nq_session *sa = NULL, *sb = NULL;
  CHECKF(nq_session_create(ma, &opts, &sa, &err) == NQ_OK, "%s", err.msg);
  CHECKF(nq_session_create(mb, &opts, &sb, &err) == NQ_OK, "%s", err.msg);
  double worst = INFINITY;
  if (sa && sb) {
    worst = 0;
    nq_rng rng = {99};
    for (int i = 0; i < a->n_inputs; i++) {
      size_t n = nq_tensor_elems(&a->tensors[a->inputs[i]]);
      float *in = malloc(n * sizeof(float));
      for (size_t k = 0; k < n; k++) in[k] = nq_rng_uniform(&rng, lo, hi);
      CHECK(nq_session_set_input(sa, i, in, n * 4, &err) == NQ_OK);
      CHECK(nq_session_set_input(sb, i, in, n * 4, &err) == NQ_OK);
      free(in);
    }
    CHECKF(nq_session_run(sa, &err) == NQ_OK, "%s", err.msg);
    CHECKF(nq_session_run(sb, &err) == NQ_OK, "%s", err.msg);
    for (int o = 0; o < a->n_outputs; o++) {
      const void *da, *db;
      size_t na, nb;
      CHECK(nq_session_output(sa, o, &da, &na, &err) == NQ_OK);
      CHECK(nq_session_output(sb, o, &db, &nb, &err) == NQ_OK);
      CHECK(na == nb);
      double maxabs = 1e-6, maxdiff = 0;
      for (size_t i = 0; i < na / 4; i++) {
        double va = ((const float *)da)[i], vb = ((const float *)db)[i];
        if (fabs(va) > maxabs) maxabs = fabs(va);
        if (fabs(va - vb) > maxdiff) maxdiff = fabs(va - vb);
      }
      if (maxdiff / maxabs > worst) worst = maxdiff / maxabs;
    }
  }
  nq_session_free(sa);
  nq_session_free(sb);
  nq_model_free(ma);
  nq_model_free(mb);
  return worst;
}
