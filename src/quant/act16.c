#include "quant/act16.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"

/* ops.def's INT16X8 column: the one list of ops. An op TFLite runs in 16x8
 * but npuquant's executor does not yet (I16X8_TFLITE_ONLY: PRELU, GELU, SUM,
 * ...) stays int8 too: a model convert cannot measure or check against
 * LiteRT is not one it should write. QUANTIZE and DEQUANTIZE are the
 * quantizer's own glue, never a float graph's node to convert. */
bool nq_act16_op_supported(nq_op op) {
  return nq_op_runs_int16x8(op) && op != NQ_OP_QUANTIZE && op != NQ_OP_DEQUANTIZE;
}

nq_affine nq_act16_params(float min, float max) {
  float absmax = 0.0f;
  if (min < 0.0f && -min > absmax) absmax = -min; /* NaN compares false: ignored */
  if (max > absmax) absmax = max;
  nq_affine a = {.scale = absmax > 0.0f ? absmax / 32767.0f : 1.0f / 32767.0f, .zero_point = 0};
  if (!(a.scale > 0.0f)) a.scale = 1e-30f;
  /* A scale within TFLite's CheckedLog2 tolerance (1e-3 in log2) of a power
   * of two sends int16 LOGISTIC/TANH (and ADD/SUB with pot_scale_int16) to
   * TFLite's other, fixed-point kernels, which npuquant's executor does not
   * reproduce; a range such as [-8, 8] (snapped) lands there. Widen it by
   * 0.3%, out of the tolerance. */
  double l2 = log2((double)a.scale);
  if (fabs(l2 - round(l2)) < 2e-3) a.scale *= 1.003f;
  return a;
}

bool nq_act16_fixed(nq_op op, nq_affine *a) {
  if (op != NQ_OP_LOGISTIC && op != NQ_OP_TANH && op != NQ_OP_SOFTMAX) return false;
  a->scale = NQ_INT16_FIXED_SCALE;
  a->zero_point = 0;
  return true;
}

static bool node_has_name(const nq_graph *f, int i, const char *name, size_t len) {
  const nq_node *n = &f->nodes[i];
  if (n->name && strlen(n->name) == len && strncmp(n->name, name, len) == 0) return true;
  for (int k = 0; k < n->n_out; k++) {
    int t = n->out[k];
    if (t < 0 || t >= f->n_tensors || !f->tensors[t].name) continue;
    if (strlen(f->tensors[t].name) == len && strncmp(f->tensors[t].name, name, len) == 0) return true;
  }
  return false;
}

nq_status nq_act16_select(const nq_graph *f, const char *list, unsigned char *mask, nq_error *err) {
  char unknown[400] = "";
  size_t used = 0;
  int n_unknown = 0, n_names = 0;
  for (const char *p = list; p && *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len > 0) {
      n_names++;
      bool found = false;
      for (int i = 0; i < f->n_nodes; i++)
        if (node_has_name(f, i, p, len)) {
          mask[i] = 1;
          found = true;
        }
      if (!found) {
        if (n_unknown++ < 8 && used + len + 4 < sizeof unknown)
          used += (size_t)snprintf(unknown + used, sizeof unknown - used, "%s'%.*s'", used ? ", " : "",
                                   (int)len, p);
      }
    }
    p = end ? end + 1 : p + len;
  }
  if (n_unknown)
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "%s: --int16-layers names %d node%s the model does not have: %s%s (a node's name or its "
                   "output tensor's, as `npuquant inspect` lists them)",
                   f->source ? f->source : "model", n_unknown, n_unknown == 1 ? "" : "s", unknown,
                   n_unknown > 8 ? ", ..." : "");
  if (n_names == 0)
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "--int16-layers: an empty list; give node names, comma-separated");
  return NQ_OK;
}
