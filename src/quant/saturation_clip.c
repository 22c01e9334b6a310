#include "quant/saturation_clip.h"

#include <math.h>
#include <stdlib.h>

/* Ops whose output holds some of their first input's values, unchanged. */
static bool pass_through(nq_op op) {
  return op == NQ_OP_RESHAPE || op == NQ_OP_SQUEEZE || op == NQ_OP_EXPAND_DIMS || op == NQ_OP_STRIDED_SLICE ||
         op == NQ_OP_SLICE || op == NQ_OP_TRANSPOSE;
}

int nq_clip_saturating_ranges(const nq_graph *g, nq_ranges *r) {
  /* bound[t]: 0 = not yet read, > 0 = read only by saturating ops (the
   * widest of their bounds), < 0 = some other reader. */
  float *bound = calloc((size_t)g->n_tensors + 1, sizeof *bound);
  int *reads = calloc((size_t)g->n_tensors + 1, sizeof *reads);
  int *logistic_of = malloc(((size_t)g->n_tensors + 1) * sizeof *logistic_of);
  unsigned char *silu_x = calloc((size_t)g->n_tensors + 1, 1);
  if (!bound || !reads || !logistic_of || !silu_x) {
    free(silu_x);
    free(bound);
    free(reads);
    free(logistic_of);
    return 0; /* clipping is a refinement: skip it */
  }
  for (int t = 0; t < g->n_tensors; t++) logistic_of[t] = -1;
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    if (n->op == NQ_OP_LOGISTIC && n->n_in == 1 && n->n_out == 1 && n->out[0] >= 0 &&
        n->out[0] < g->n_tensors)
      logistic_of[n->out[0]] = n->in[0];
    for (int k = 0; k < n->n_in; k++) {
      int t = n->in[k];
      if (t < 0 || t >= g->n_tensors) continue;
      reads[t]++;
      /* int8 LOGISTIC's output (scale 1/256) reaches its limits at |x| > 6.3,
       * TANH's (1/128) at |x| > 3.2: 8 and 4 leave a margin. */
      if (k == 0 && pass_through(n->op)) continue; /* decided below */
      float b = n->op == NQ_OP_LOGISTIC ? 8.0f : n->op == NQ_OP_TANH ? 4.0f : -1.0f;
      bound[t] = b < 0 || bound[t] < 0 ? -1.0f : fmaxf(bound[t], b);
    }
  }
  /* logistic_of[x] becomes -2 when x is a SiLU's input: MUL(x, LOGISTIC(x)). */
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    if (n->op != NQ_OP_MUL || n->n_in != 2 || n->in[0] < 0 || n->in[1] < 0) continue;
    for (int side = 0; side < 2; side++) {
      int x = n->in[side], s = n->in[1 - side];
      if (x < g->n_tensors && s < g->n_tensors && logistic_of[s] == x) silu_x[x] = 1;
    }
  }
  for (int i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] >= 0 && g->outputs[i] < g->n_tensors) bound[g->outputs[i]] = -2.0f;
  /* Layout and slicing ops pass a bound back: t is bounded when every reader
   * is bounded, e.g. a detector head conv -> RESHAPE -> STRIDED_SLICEs ->
   * LOGISTICs. From the last node back, so chains of them work. */
  for (int i = g->n_nodes - 1; i >= 0; i--) {
    const nq_node *n = &g->nodes[i];
    if (!pass_through(n->op) || n->n_in < 1 || n->n_out != 1 || n->in[0] < 0 || n->in[0] >= g->n_tensors)
      continue;
    int in = n->in[0], out = n->out[0];
    float b = out >= 0 && out < g->n_tensors && bound[out] > 0 ? bound[out] : -1.0f;
    if (bound[in] != -2.0f) bound[in] = b < 0 || bound[in] < 0 ? -1.0f : fmaxf(bound[in], b);
  }
  int n = 0;
  for (int t = 0; t < g->n_tensors && t < r->n; t++) {
    if (!r->seen[t] || g->tensors[t].data || bound[t] == -2.0f) continue;
    float lo = r->min[t], hi = r->max[t];
    if (bound[t] > 0) {
      lo = fmaxf(lo, -bound[t]);
      hi = fminf(hi, bound[t]);
    } else if (silu_x[t] && reads[t] == 2) {
      /* silu(x) = x sigmoid(x) is within 0.003 of 0 below -8 (and the
       * sigmoid saturates there): the negative tail needs no int8 steps. */
      lo = fmaxf(lo, -8.0f);
    }
    if (hi < lo) hi = lo; /* every value beyond the bound: the quantizer adds 0 */
    if (lo != r->min[t] || hi != r->max[t]) n++;
    r->min[t] = lo;
    r->max[t] = hi;
  }
  free(silu_x);
  free(bound);
  free(reads);
  free(logistic_of);
  return n;
}
