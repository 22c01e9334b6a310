/* The NPU report dispatcher and the helpers the targets share. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/npu_internal.h"

/* ops.def column NPU, in enum order. */
#define NPU(vx, ethosu, edgetpu) \
  { vx, ethosu, edgetpu }
static const unsigned char listed[NQ_OP_COUNT][3] = {
#define NQ_OP(id, tfl, shape, flt, i8, i16, q, npu, opts, ver, rel) npu,
#include "ir/ops.def"
#undef NQ_OP
};

bool npu_op_listed(npu_column c, nq_op op) {
  return (int)op >= 0 && op < NQ_OP_COUNT && (int)c >= 0 && c <= NPU_COL_EDGETPU && listed[op][c];
}

static const struct {
  const char *name;
  const char *display;
  nq_status (*check)(const nq_graph *g, nq_npu_report *r);
  bool int16x8; /* runs TFLite's 16x8 (int16 activations) on the NPU */
} targets[] = {
    {"imx8mp", "i.MX 8M Plus NPU (VX delegate)", npu_check_vx, false},
    {"ethos-u", "Arm Ethos-U55/U65 (Vela 3.6)", npu_check_ethosu, true},
    {"edgetpu", "Coral Edge TPU (edgetpu_compiler 16)", npu_check_edgetpu, false},
};

bool nq_npu_target_known(const char *name) {
  for (size_t i = 0; name && i < sizeof targets / sizeof targets[0]; i++)
    if (strcmp(name, targets[i].name) == 0) return true;
  return false;
}

bool nq_npu_target_int16x8(const char *name) {
  for (size_t i = 0; name && i < sizeof targets / sizeof targets[0]; i++)
    if (strcmp(name, targets[i].name) == 0) return targets[i].int16x8;
  return false;
}

/* TRANSPOSE is data movement with no arithmetic: where a target runs it at
 * all it is among its slowest ops, so every report counts them (layout
 * idioms such as channel shuffles should have lowered to none). */
static nq_status note_transposes(const nq_graph *g, nq_npu_report *r) {
  int n = 0;
  for (int i = 0; i < g->n_nodes; i++) n += g->nodes[i].op == NQ_OP_TRANSPOSE;
  if (n == 0) return NQ_OK;
  return npu_add(r, -1, false, "%d TRANSPOSE op%s: pure data movement, slow on NPUs where they run at all", n,
                 n == 1 ? "" : "s");
}

nq_status nq_npu_check(const nq_graph *g, const char *target, nq_npu_report *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  size_t k = 0, n = sizeof targets / sizeof targets[0];
  while (k < n && !(target && strcmp(target, targets[k].name) == 0)) k++;
  if (k == n)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "unknown NPU target '%s' (known: " NQ_NPU_TARGET_LIST ")",
                   target ? target : "");
  out->target_name = targets[k].display;
  out->n_nodes = g->n_nodes;
  if (targets[k].check(g, out) != NQ_OK || note_transposes(g, out) != NQ_OK) {
    nq_npu_report_free(out);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the %s NPU report", targets[k].name);
  }
  return NQ_OK;
}

void nq_npu_report_free(nq_npu_report *r) {
  free(r->findings);
  memset(r, 0, sizeof *r);
}

nq_status npu_add(nq_npu_report *r, int node, bool fallback, const char *fmt, ...) {
  if (r->n_findings >= NQ_MAX_NODES + 16) return NQ_ERR_NOMEM; /* bounded: one per node plus notes */
  nq_npu_finding *f = realloc(r->findings, sizeof *f * (size_t)(r->n_findings + 1));
  if (!f) return NQ_ERR_NOMEM;
  r->findings = f;
  nq_npu_finding *x = &f[r->n_findings++];
  x->node = node;
  x->fallback = fallback;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(x->reason, sizeof x->reason, fmt, ap);
  va_end(ap);
  if (fallback) r->n_fallback++;
  return NQ_OK;
}

const char *npu_fmt(char *buf, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, n, fmt, ap);
  va_end(ap);
  return buf;
}

static const nq_tensor *tensor_at(const nq_graph *g, int t) {
  return t >= 0 && t < g->n_tensors ? &g->tensors[t] : NULL;
}

const nq_tensor *npu_in(const nq_graph *g, const nq_node *nd, int k) {
  return k >= 0 && k < nd->n_in ? tensor_at(g, nd->in[k]) : NULL;
}

const nq_tensor *npu_out(const nq_graph *g, const nq_node *nd, int k) {
  return k >= 0 && k < nd->n_out ? tensor_at(g, nd->out[k]) : NULL;
}

const char *npu_tname(const nq_graph *g, const nq_tensor *t, char *buf, size_t n) {
  return nq_tensor_label(g, t ? (int)(t - g->tensors) : -1, buf, n);
}

size_t npu_const_count(const nq_tensor *t) {
  if (!t || !t->data) return 0;
  size_t es = nq_dtype_size(t->type);
  if (es == 0) return 0;
  size_t have = t->nbytes / es, want = nq_tensor_elems(t);
  return have < want ? have : want;
}

bool npu_const_int(const nq_tensor *t, size_t i, int64_t *v) {
  if (!t || (t->type != NQ_INT32 && t->type != NQ_INT64) || i >= npu_const_count(t)) return false;
  if (t->type == NQ_INT32) {
    int32_t x;
    memcpy(&x, t->data + i * sizeof x, sizeof x);
    *v = x;
  } else {
    memcpy(v, t->data + i * sizeof *v, sizeof *v);
  }
  return true;
}

bool npu_is_8bit(nq_dtype t) { return t == NQ_INT8 || t == NQ_UINT8; }

bool npu_same_quant(const nq_tensor *a, const nq_tensor *b) {
  return a && b && a->q.n == 1 && b->q.n == 1 && a->q.scale[0] == b->q.scale[0] &&
         a->q.zero_point[0] == b->q.zero_point[0];
}

static bool is_quantized(nq_dtype t) { return t == NQ_INT8 || t == NQ_UINT8 || t == NQ_INT16; }

bool npu_float_compute(const nq_graph *g, int i) {
  const nq_node *nd = &g->nodes[i];
  if (nd->op == NQ_OP_QUANTIZE || nd->op == NQ_OP_DEQUANTIZE) return false;
  bool fl = false;
  for (int k = 0; k < nd->n_in; k++) {
    const nq_tensor *x = npu_in(g, nd, k);
    if (!x) continue;
    if (is_quantized(x->type)) return false;
    if (!x->data && x->type == NQ_FLOAT32) fl = true;
  }
  for (int k = 0; k < nd->n_out; k++) {
    const nq_tensor *x = npu_out(g, nd, k);
    if (x && x->type == NQ_FLOAT32) fl = true;
  }
  return fl;
}

bool npu_is_graph_input(const nq_graph *g, int t) {
  for (int k = 0; k < g->n_inputs; k++)
    if (g->inputs[k] == t) return true;
  return false;
}

bool npu_is_graph_output(const nq_graph *g, int t) {
  for (int k = 0; k < g->n_outputs; k++)
    if (g->outputs[k] == t) return true;
  return false;
}

bool npu_axis(int64_t axis, int rank, int *out) {
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return false;
  *out = (int)axis;
  return true;
}

int npu_first_per_channel_fc(const nq_graph *g) {
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *nd = &g->nodes[i];
    const nq_tensor *w = nd->op == NQ_OP_FULLY_CONNECTED ? npu_in(g, nd, 1) : NULL;
    if (w && w->q.n > 1) return i;
  }
  return -1;
}
