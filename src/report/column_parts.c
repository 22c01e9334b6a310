#include "report/column_parts.h"

#include <stdlib.h>
#include <string.h>

#include "core/status.h"

/* Most column groups one output is judged by (wider concatenations are
 * class scores one by one, not quantities of different kinds). */
#define MAX_GROUPS 64

typedef struct groups {
  int n;               /* 0: none found */
  int end[MAX_GROUPS]; /* exclusive column bounds, ascending */
} groups;

static int last_dim(const nq_tensor *x) { return x->rank > 0 ? x->shape[x->rank - 1] : 1; }

/* The column groups of tensor t (width `width` on its last axis), or none. */
static groups find(const nq_graph *g, int t, int width, int depth) {
  groups none = {0};
  if (t < 0 || t >= g->n_tensors || depth >= NQ_COLUMN_PARTS_DEPTH) return none;
  int p = nq_graph_producer(g, t);
  if (p < 0) return none;
  const nq_node *nd = &g->nodes[p];
  for (int k = 0; k < nd->n_in; k++)
    if (nd->in[k] < 0 || nd->in[k] >= g->n_tensors) return none; /* no optional inputs on this path */
  if (nd->n_in < 1) return none;
  const nq_tensor *in0 = &g->tensors[nd->in[0]];
  switch (nd->op) {
    case NQ_OP_RESHAPE:
    case NQ_OP_SQUEEZE:
    case NQ_OP_EXPAND_DIMS:
      /* row-major: a last axis of the same width keeps every element's column */
      return last_dim(in0) == width ? find(g, nd->in[0], width, depth + 1) : none;
    case NQ_OP_CONCATENATION: {
      const nq_tensor *y = &g->tensors[t];
      int axis = nd->p.axis < 0 ? nd->p.axis + y->rank : nd->p.axis;
      if (axis == y->rank - 1) {
        if (nd->n_in < 2 || nd->n_in > MAX_GROUPS) return none;
        groups r = {0};
        int at = 0;
        for (int k = 0; k < nd->n_in; k++) {
          int w = last_dim(&g->tensors[nd->in[k]]);
          if (w < 1 || w > width - at) return none; /* unknown or empty: no groups to judge */
          at += w;
          r.end[r.n++] = at;
        }
        return at == width ? r : none;
      }
      /* rows of several levels: every input must have the same groups */
      groups r = find(g, nd->in[0], width, depth + 1);
      for (int k = 1; r.n && k < nd->n_in; k++) {
        groups o = find(g, nd->in[k], width, depth + 1);
        if (o.n != r.n || memcmp(o.end, r.end, sizeof(int) * (size_t)r.n) != 0) return none;
      }
      return r;
    }
    default:
      return none;
  }
}

nq_status nq_output_column_parts(const nq_graph *g, nq_output_map *m, nq_error *err) {
  memset(m, 0, sizeof *m);
  m->o = calloc((size_t)(g->n_outputs ? g->n_outputs : 1), sizeof *m->o);
  if (!m->o) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the outputs' column parts");
  m->n = g->n_outputs;
  for (int j = 0; j < g->n_outputs; j++) {
    nq_output_parts *op = &m->o[j];
    const nq_tensor *y = &g->tensors[g->outputs[j]];
    op->n = nq_tensor_elems(y);
    op->n_parts = 1;
    op->pos = malloc(sizeof *op->pos);
    if (!op->pos) {
      nq_output_map_free(m);
      return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the outputs' column parts");
    }
    op->pos[0] = j;
    int width = last_dim(y);
    groups r = width > 1 ? find(g, g->outputs[j], width, 0) : (groups){0};
    if (r.n < 2) continue;
    op->part = malloc(sizeof *op->part * (op->n ? op->n : 1));
    if (!op->part) {
      nq_output_map_free(m);
      return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the outputs' column parts");
    }
    int32_t *cols = malloc(sizeof *cols * (size_t)width);
    if (!cols) {
      nq_output_map_free(m);
      return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the outputs' column parts");
    }
    for (int c = 0, k = 0; c < width; c++) {
      while (c >= r.end[k]) k++;
      cols[c] = k;
    }
    for (size_t i = 0; i < op->n; i++) op->part[i] = cols[i % (size_t)width];
    free(cols);
    op->n_parts = r.n;
    op->first_part = m->n_parts_total;
    m->n_parts_total += r.n;
  }
  return NQ_OK;
}
