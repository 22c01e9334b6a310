#include "quant/saturation_clip.h"

#include <math.h>
#include <stdlib.h>

/* Ops whose output holds some of their first input's values, unchanged. */
static bool pass_through(nq_op op) {
  return op == NQ_OP_RESHAPE || op == NQ_OP_SQUEEZE || op == NQ_OP_EXPAND_DIMS || op == NQ_OP_STRIDED_SLICE ||
         op == NQ_OP_SLICE || op == NQ_OP_TRANSPOSE;
}

/* The values a fused clamp keeps: [*lo, *hi]; false for no clamp. */
static bool clamp_of(nq_activation act, float *lo, float *hi) {
  *lo = act == NQ_ACT_RELU_N1_TO_1 ? -1.0f : 0.0f;
  *hi = act == NQ_ACT_RELU6 ? 6.0f : act == NQ_ACT_RELU_N1_TO_1 ? 1.0f : INFINITY;
  return act == NQ_ACT_RELU || act == NQ_ACT_RELU6 || act == NQ_ACT_RELU_N1_TO_1;
}

/* y = clamp(a + b, lo, hi) depends on a only while lo - max b <= a <= hi -
 * min b: beyond, y is at its bound whatever b is, and clipping a there
 * keeps it so (clipping both inputs at once, from the calibrated ranges,
 * too: a above hi - min b and b below lo - max a would need hi < lo). A
 * split layer's W_hi x + b (split_weights.c) spans the pre-activation range
 * while the ADD after it keeps ReLU6's [0, 6]: pose_landmark's ranged 4.5
 * times wider than the output, so its rounding, not the weights', limited
 * the 16x8 model. Sets cut_lo/cut_hi of each input read by nothing else. */
static void clamped_add_bounds(const nq_graph *g, const nq_ranges *r, const int *reads, float *cut_lo,
                               float *cut_hi) {
  /* layer[t]: the node computing t when t is a layer's output that nothing
   * but one node reads, else -1. Such a tensor gets its calibrated range,
   * joined to no other's (a PAD or MAX_POOL reader would share its scale,
   * which may pass the range the cut assumed: int8 face_detection's
   * classificators lost 1.9 dB that way). */
  int *layer = malloc(((size_t)g->n_tensors + 1) * sizeof *layer);
  if (!layer) return; /* a refinement: skip it */
  for (int t = 0; t < g->n_tensors; t++) layer[t] = -1;
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    bool is_layer =
        n->op == NQ_OP_CONV_2D || n->op == NQ_OP_DEPTHWISE_CONV_2D || n->op == NQ_OP_FULLY_CONNECTED;
    if (is_layer && n->n_in > 0 && n->n_out == 1 && n->out[0] >= 0 && n->out[0] < g->n_tensors &&
        reads[n->out[0]] == 1)
      layer[n->out[0]] = i;
  }
  for (int i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] >= 0 && g->outputs[i] < g->n_tensors) layer[g->outputs[i]] = -1;
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    float lo, hi;
    if (n->op != NQ_OP_ADD || n->n_in != 2 || !clamp_of(n->p.act, &lo, &hi)) continue;
    int a = n->in[0], b = n->in[1];
    if (a < 0 || b < 0 || a == b || a >= g->n_tensors || b >= g->n_tensors || a >= r->n || b >= r->n ||
        !r->seen[a] || !r->seen[b] || layer[a] < 0 || layer[b] < 0)
      continue;
    /* Only two layers of one op on one input, as a split makes them: on
     * ResNet8's residual ADD(conv, conv) + ReLU the same cut (exact too)
     * moved its --recipe tf from 16.38 to 16.72 dB but its automatic recipe
     * from 18.97 to 18.25 dB and per-tensor AdaRound from 19.47 to 18.66:
     * rounding that the later layers happened to absorb. */
    const nq_node *pa = &g->nodes[layer[a]], *pb = &g->nodes[layer[b]];
    if (pa->op != pb->op || pa->in[0] != pb->in[0]) continue;
    for (int side = 0; side < 2; side++) {
      int x = side ? b : a, y = side ? a : b;
      cut_lo[x] = lo - r->max[y];
      cut_hi[x] = hi - r->min[y];
    }
  }
  free(layer);
}

int nq_clip_saturating_ranges(const nq_graph *g, nq_ranges *r) {
  /* bound[t]: 0 = not yet read, > 0 = read only by saturating ops (the
   * widest of their bounds), < 0 = some other reader. */
  float *bound = calloc((size_t)g->n_tensors + 1, sizeof *bound);
  int *reads = calloc((size_t)g->n_tensors + 1, sizeof *reads);
  int *logistic_of = malloc(((size_t)g->n_tensors + 1) * sizeof *logistic_of);
  unsigned char *silu_x = calloc((size_t)g->n_tensors + 1, 1);
  float *cut_lo = malloc(((size_t)g->n_tensors + 1) * sizeof *cut_lo);
  float *cut_hi = malloc(((size_t)g->n_tensors + 1) * sizeof *cut_hi);
  if (!bound || !reads || !logistic_of || !silu_x || !cut_lo || !cut_hi) {
    free(cut_lo);
    free(cut_hi);
    free(silu_x);
    free(bound);
    free(reads);
    free(logistic_of);
    return 0; /* clipping is a refinement: skip it */
  }
  for (int t = 0; t < g->n_tensors; t++) {
    logistic_of[t] = -1;
    cut_lo[t] = -INFINITY;
    cut_hi[t] = INFINITY;
  }
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
  clamped_add_bounds(g, r, reads, cut_lo, cut_hi);
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
    lo = fmaxf(lo, cut_lo[t]);
    hi = fminf(hi, cut_hi[t]);
    if (hi < lo) hi = lo; /* every value beyond the bound: the quantizer adds 0 */
    if (lo != r->min[t] || hi != r->max[t]) n++;
    r->min[t] = lo;
    r->max[t] = hi;
  }
  free(cut_lo);
  free(cut_hi);
  free(silu_x);
  free(bound);
  free(reads);
  free(logistic_of);
  return n;
}
