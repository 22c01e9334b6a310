/*
 * Make float models that store weights compressed load as plain float32:
 *
 *  - DEQUANTIZE of a constant (float16 weights, as TFLite's float16
 *    post-training quantization writes them, or int8/uint8 weights with
 *    quantization parameters) becomes a float32 constant; the node goes.
 *  - Dynamic-range ("hybrid") models keep int8 constant weights feeding ops
 *    with float activations (FULLY_CONNECTED, CONV_2D, ...); those weights
 *    are dequantized (per-tensor or per-axis) into new float32 constants.
 *
 * Tensors left unused by this are removed and every index renumbered.
 * Fully quantized models are untouched: their int8 constants feed nodes
 * whose outputs are int8.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/status.h"
#include "frontends/tflite/tflite_reader.h"

static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  float f;
  if (exp == 0) { /* zero or subnormal: man * 2^-24 */
    f = ldexpf((float)man, -24);
    return sign ? -f : f;
  }
  uint32_t bits;
  if (exp == 31)
    bits = sign | 0x7f800000u | (man << 13); /* inf / nan */
  else
    bits = sign | ((exp - 15 + 127) << 23) | (man << 13);
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* The float32 values of constant tensor x (float16, float32, or an integer
 * type with quantization parameters); NULL with err filled otherwise. */
static float *dequantize(const nq_graph *g, int t, nq_error *err) {
  const nq_tensor *x = &g->tensors[t];
  size_t n = nq_tensor_elems(x);
  char lb[96];
  float *f = malloc(sizeof(float) * (n ? n : 1));
  if (!f) {
    nq_fail(err, NQ_ERR_NOMEM, "out of memory dequantizing tensor %s", nq_tensor_label(g, t, lb, sizeof lb));
    return NULL;
  }
  const uint8_t *d = x->data;
  if (x->type == NQ_FLOAT16) {
    for (size_t i = 0; i < n; i++) f[i] = half_to_float((uint16_t)(d[2 * i] | d[2 * i + 1] << 8));
    return f;
  }
  if (x->type == NQ_FLOAT32) {
    memcpy(f, d, n * sizeof(float));
    return f;
  }
  if (x->q.n < 1 ||
      !(x->type == NQ_INT8 || x->type == NQ_UINT8 || x->type == NQ_INT16 || x->type == NQ_INT32)) {
    free(f);
    nq_fail(err, NQ_ERR_UNSUPPORTED,
            "tensor %s: cannot dequantize a %s constant without quantization parameters",
            nq_tensor_label(g, t, lb, sizeof lb), nq_dtype_name(x->type));
    return NULL;
  }
  /* Per-axis: channel of element i is (i / inner) % dim[axis]. */
  size_t inner = 1, dim = 1;
  if (x->q.n > 1) {
    dim = (size_t)x->shape[x->q.axis];
    for (int k = x->q.axis + 1; k < x->rank; k++) inner *= (size_t)x->shape[k];
  }
  for (size_t i = 0; i < n; i++) {
    int64_t q;
    switch (x->type) {
      case NQ_INT8:
        q = (int8_t)d[i];
        break;
      case NQ_UINT8:
        q = d[i];
        break;
      case NQ_INT16:
        q = (int16_t)(uint16_t)(d[2 * i] | d[2 * i + 1] << 8);
        break;
      default: {
        uint32_t u;
        memcpy(&u, d + 4 * i, 4);
        q = (int32_t)u;
        break;
      }
    }
    size_t c = x->q.n > 1 ? (i / inner) % dim : 0;
    /* in double: a hostile zero point (e.g. INT64_MIN) must not overflow */
    f[i] = (float)((double)x->q.scale[c] * ((double)q - (double)x->q.zero_point[c]));
  }
  return f;
}

static bool is_const_weight(const nq_tensor *x) {
  return x->data && (x->type == NQ_INT8 || x->type == NQ_UINT8) && x->q.n >= 1;
}

/* Remove the nodes marked in `drop_node` and the tensors in `candidate`
 * that no node, graph input/output or signature refers to any more. */
static nq_status compact(nq_graph *g, const bool *drop_node, const bool *candidate, nq_error *err) {
  int w = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    if (drop_node[i]) {
      nq_node_free_fields(&g->nodes[i]);
      continue;
    }
    g->nodes[w++] = g->nodes[i];
  }
  g->n_nodes = w;

  bool *used = calloc((size_t)g->n_tensors + 1, sizeof(bool));
  int *map = malloc(sizeof(int) * ((size_t)g->n_tensors + 1));
  if (!used || !map) {
    free(used);
    free(map);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory compacting the graph");
  }
  for (int i = 0; i < g->n_nodes; i++) {
    for (int k = 0; k < g->nodes[i].n_in; k++)
      if (g->nodes[i].in[k] >= 0) used[g->nodes[i].in[k]] = true;
    for (int k = 0; k < g->nodes[i].n_out; k++) used[g->nodes[i].out[k]] = true;
  }
  for (int i = 0; i < g->n_inputs; i++) used[g->inputs[i]] = true;
  for (int i = 0; i < g->n_outputs; i++) used[g->outputs[i]] = true;
  for (int s = 0; s < g->n_signatures; s++) {
    for (int k = 0; k < g->signatures[s].n_in; k++) used[g->signatures[s].in[k].tensor] = true;
    for (int k = 0; k < g->signatures[s].n_out; k++) used[g->signatures[s].out[k].tensor] = true;
  }
  w = 0;
  for (int t = 0; t < g->n_tensors; t++) {
    if (candidate[t] && !used[t]) {
      map[t] = -1;
      free(g->tensors[t].name);
      nq_tensor_drop_data(g, t);
      nq_quant_clear(&g->tensors[t].q);
      continue;
    }
    map[t] = w;
    g->tensors[w++] = g->tensors[t];
  }
  g->n_tensors = w;
  for (int i = 0; i < g->n_nodes; i++) {
    for (int k = 0; k < g->nodes[i].n_in; k++)
      if (g->nodes[i].in[k] >= 0) g->nodes[i].in[k] = map[g->nodes[i].in[k]];
    for (int k = 0; k < g->nodes[i].n_out; k++) g->nodes[i].out[k] = map[g->nodes[i].out[k]];
  }
  for (int i = 0; i < g->n_inputs; i++) g->inputs[i] = map[g->inputs[i]];
  for (int i = 0; i < g->n_outputs; i++) g->outputs[i] = map[g->outputs[i]];
  for (int s = 0; s < g->n_signatures; s++) {
    for (int k = 0; k < g->signatures[s].n_in; k++)
      g->signatures[s].in[k].tensor = map[g->signatures[s].in[k].tensor];
    for (int k = 0; k < g->signatures[s].n_out; k++)
      g->signatures[s].out[k].tensor = map[g->signatures[s].out[k].tensor];
  }
  free(used);
  free(map);
  return NQ_OK;
}

/* Hybrid weights: input k of node i is an int8/uint8 constant while the
 * node computes in float. Returns the float copy's index (made once per
 * source tensor, remembered in fmap) or -1 with err filled. */
static int float_copy(nq_graph *g, int t, int *fmap, nq_error *err) {
  if (fmap[t] >= 0) return fmap[t];
  float *f = dequantize(g, t, err);
  if (!f) return -1;
  nq_tensor *x = &g->tensors[t];
  int32_t shape[NQ_MAX_RANK];
  memcpy(shape, x->shape, sizeof shape);
  int nt = nq_graph_add_tensor(g, x->name, NQ_FLOAT32, x->rank, shape, err); /* may move g->tensors */
  if (nt < 0) {
    free(f);
    return -1;
  }
  if (nq_tensor_set_data(g, nt, (uint8_t *)f, nq_tensor_elems(&g->tensors[nt]) * sizeof(float), err) != NQ_OK)
    return -1;
  fmap[t] = nt;
  return nt;
}

nq_status nq_tflite_fold_float_weights(nq_graph *g, nq_error *err) {
  int n0 = g->n_tensors;
  bool *drop = calloc((size_t)g->n_nodes + 1, sizeof(bool));
  bool *cand = calloc((size_t)n0 + 1, sizeof(bool));
  int *fmap = malloc(sizeof(int) * ((size_t)n0 + 1));
  nq_status s = NQ_OK;
  bool changed = false;
  if (!drop || !cand || !fmap) s = nq_fail(err, NQ_ERR_NOMEM, "out of memory folding constants");
  for (int t = 0; t < n0 && s == NQ_OK; t++) fmap[t] = -1;
  const char *src = g->source ? g->source : "graph";

  for (int i = 0; i < g->n_nodes && s == NQ_OK; i++) {
    nq_node *nd = &g->nodes[i];
    if (nd->op == NQ_OP_DEQUANTIZE && nd->n_in == 1 && nd->n_out == 1 && nd->in[0] >= 0 &&
        g->tensors[nd->in[0]].data && g->tensors[nd->out[0]].type == NQ_FLOAT32 &&
        !g->tensors[nd->out[0]].data) {
      int ti = nd->in[0], to = nd->out[0];
      if (nq_tensor_elems(&g->tensors[ti]) != nq_tensor_elems(&g->tensors[to])) {
        char a[96], b[96];
        s = nq_fail(err, NQ_ERR_SHAPE, "%s: node %d (DEQUANTIZE): input %s and output %s differ in size", src,
                    i, nq_tensor_label(g, ti, a, sizeof a), nq_tensor_label(g, to, b, sizeof b));
        break;
      }
      float *f = dequantize(g, ti, err);
      if (!f) {
        s = nq_prefix(err, "%s: node %d (DEQUANTIZE): ", src, i);
        break;
      }
      s = nq_tensor_set_data(g, to, (uint8_t *)f, nq_tensor_elems(&g->tensors[to]) * sizeof(float), err);
      nq_quant_clear(&g->tensors[to].q);
      drop[i] = true;
      cand[ti] = true;
      changed = true;
      continue;
    }
    if (nd->op == NQ_OP_DEQUANTIZE || nd->op == NQ_OP_QUANTIZE) continue;
    bool float_out = false;
    for (int k = 0; k < nd->n_out; k++) float_out |= g->tensors[nd->out[k]].type == NQ_FLOAT32;
    if (!float_out) continue;
    for (int k = 0; k < nd->n_in && s == NQ_OK; k++) {
      int t = nd->in[k];
      if (t < 0 || t >= n0 || !is_const_weight(&g->tensors[t])) continue;
      int nt = float_copy(g, t, fmap, err);
      if (nt < 0) {
        s = nq_prefix(err, "%s: node %d (%s): hybrid weight: ", src, i, nq_op_name(nd->op));
        break;
      }
      g->nodes[i].in[k] = nt;
      nd = &g->nodes[i];
      cand[t] = true;
      changed = true;
    }
  }
  if (s == NQ_OK && changed) {
    bool *cand_all = calloc((size_t)g->n_tensors + 1, sizeof(bool));
    if (!cand_all) {
      s = nq_fail(err, NQ_ERR_NOMEM, "out of memory folding constants");
    } else {
      memcpy(cand_all, cand, (size_t)n0 * sizeof(bool));
      s = compact(g, drop, cand_all, err);
      free(cand_all);
    }
  }
  free(drop);
  free(cand);
  free(fmap);
  return s;
}
