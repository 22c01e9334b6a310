/* Helpers shared by the float reference kernels (see ref.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/status.h"
#include "exec/float/ref.h"

const char *nq_ref_label(const nq_kernel_args *a, char *buf, size_t n) {
  if (a->graph) return nq_node_label(a->graph, a->node_index, buf, n);
  /* kernels called directly (tests) may have no graph around the node */
  snprintf(buf, n, "node %d (%s)", a->node_index, nq_op_name(a->node->op));
  return buf;
}

nq_status nq_ref_type_fail(const nq_kernel_args *a, nq_error *err, const char *expected) {
  char lb[192], types[256];
  size_t k = 0;
  types[0] = 0;
  for (int i = 0; i < a->n_in && k < sizeof types; i++)
    k += (size_t)snprintf(types + k, sizeof types - k, "%s%s",
                          i ? "," : "in:", a->in[i].data ? nq_dtype_name(a->in[i].type) : "-");
  for (int i = 0; i < a->n_out && k < sizeof types; i++)
    k += (size_t)snprintf(types + k, sizeof types - k, "%s%s",
                          i ? "," : " out:", nq_dtype_name(a->out[i].type));
  return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: no reference kernel for types %s (%s expected)",
                 nq_ref_label(a, lb, sizeof lb), types, expected);
}

nq_status nq_ref_fail(const nq_kernel_args *a, nq_error *err, nq_status code, const char *fmt, ...) {
  char lb[192], msg[640];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return nq_fail(err, code, "%s: %s", nq_ref_label(a, lb, sizeof lb), msg);
}

bool nq_ref_ints(const nq_tview *v, int64_t *vals, int max, int *count) {
  if (!v->data || (v->type != NQ_INT32 && v->type != NQ_INT64)) return false;
  size_t n = nq_tview_elems(v);
  if (n > (size_t)max) return false;
  for (size_t i = 0; i < n; i++) {
    if (v->type == NQ_INT32) {
      int32_t x;
      memcpy(&x, (const char *)v->data + 4 * i, 4);
      vals[i] = x;
    } else {
      memcpy(&vals[i], (const char *)v->data + 8 * i, 8);
    }
  }
  *count = (int)n;
  return true;
}

float nq_ref_act(nq_activation act, float x) {
  switch (act) {
    case NQ_ACT_RELU:
      return x < 0.0f ? 0.0f : x;
    case NQ_ACT_RELU_N1_TO_1:
      return x < -1.0f ? -1.0f : x > 1.0f ? 1.0f : x;
    case NQ_ACT_RELU6:
      return x < 0.0f ? 0.0f : x > 6.0f ? 6.0f : x;
    case NQ_ACT_TANH:
      return tanhf(x);
    case NQ_ACT_SIGN_BIT:
      return signbit(x) ? 1.0f : 0.0f;
    default:
      return x;
  }
}

int nq_ref_pad_before(int stride, int dilation, int in, int filter, int out, int *offset) {
  int eff = (filter - 1) * dilation + 1;
  int total = (out - 1) * stride + eff - in;
  if (total < 0) total = 0;
  if (offset) *offset = total % 2;
  return total / 2;
}

static nq_status check_act(const nq_kernel_args *a, nq_error *err) {
  if ((unsigned)a->p->act > NQ_ACT_SIGN_BIT)
    return nq_ref_fail(a, err, NQ_ERR_UNSUPPORTED, "fused activation %d is unknown", (int)a->p->act);
  return NQ_OK;
}

nq_status nq_ref_prep_f32(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  for (int i = 0; i < a->n_in; i++)
    if (a->in[i].data && a->in[i].type != NQ_FLOAT32) return nq_ref_type_fail(a, err, "float32 operands");
  for (int i = 0; i < a->n_out; i++)
    if (a->out[i].type != NQ_FLOAT32) return nq_ref_type_fail(a, err, "float32 operands");
  return check_act(a, err);
}

nq_status nq_ref_prep_f32_io0(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in < 1 || a->in[0].type != NQ_FLOAT32) return nq_ref_type_fail(a, err, "float32 input 0");
  for (int i = 0; i < a->n_out; i++)
    if (a->out[i].type != NQ_FLOAT32) return nq_ref_type_fail(a, err, "float32 outputs");
  return check_act(a, err);
}

static bool same_quant(const nq_quant *x, const nq_quant *y) {
  int nx = x ? x->n : 0, ny = y ? y->n : 0;
  if (nx != ny) return false;
  for (int i = 0; i < nx; i++)
    if (x->scale[i] != y->scale[i] || x->zero_point[i] != y->zero_point[i]) return false;
  return true;
}

/* Which inputs carry data (the rest are int shape operands). */
static void data_inputs(const nq_kernel_args *a, int *first, int *last) {
  *first = 0;
  *last = 0;
  switch (a->node->op) {
    case NQ_OP_CONCATENATION:
    case NQ_OP_PACK:
      *last = a->n_in - 1;
      break;
    case NQ_OP_SPLIT:
      *first = *last = 1;
      break;
    case NQ_OP_PADV2:
      *last = a->n_in > 2 ? 2 : 0;
      break; /* input 1 (paddings) is skipped */
    case NQ_OP_SELECT_V2:
      *first = 1, *last = 2;
      break; /* input 0 is the bool condition */
    default:
      break;
  }
}

nq_status nq_ref_prep_move(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  int first, last;
  data_inputs(a, &first, &last);
  if (a->n_in <= last || a->n_out < 1) return nq_ref_type_fail(a, err, "a data input and an output");
  nq_dtype t = a->out[0].type;
  const nq_quant *q = a->out[0].q;
  size_t es = nq_dtype_size(t);
  if (es == 0) return nq_ref_type_fail(a, err, "known element types");
  if (a->node->op == NQ_OP_SELECT_V2 && (a->n_in != 3 || a->in[0].type != NQ_BOOL))
    return nq_ref_type_fail(a, err, "a bool condition and two values");
  for (int i = first; i <= last; i++) {
    if (a->node->op == NQ_OP_PADV2 && (i == 1 || !a->in[i].data)) continue; /* paddings; optional value */
    if (a->in[i].type != t) return nq_ref_type_fail(a, err, "inputs and outputs of one type");
    /* A copy is only right when the quantized values mean the same thing. */
    if (!same_quant(a->in[i].q, q))
      return nq_ref_fail(
          a, err, NQ_ERR_UNSUPPORTED,
          "input %d and output 0 have different quantization; this data-movement kernel cannot rescale", i);
  }
  for (int i = 1; i < a->n_out; i++)
    if (a->out[i].type != t || !same_quant(a->out[i].q, q))
      return nq_ref_type_fail(a, err, "outputs of one type");
  return NQ_OK;
}

void nq_ref_copy_box(void *dst, const void *src, size_t es, int rank, const int64_t *count, int64_t start,
                     const int64_t *stride) {
  size_t n = 1;
  for (int d = 0; d < rank; d++) n *= (size_t)count[d];
  if (n == 0) return;
  int64_t idx[NQ_MAX_RANK + 1] = {0};
  int64_t off = start;
  char *o = dst;
  const char *s = src;
  for (size_t k = 0; k < n; k++) {
    switch (es) {
      case 1:
        o[k] = s[off];
        break;
      case 2:
        memcpy(o + 2 * k, s + 2 * off, 2);
        break;
      case 4:
        memcpy(o + 4 * k, s + 4 * off, 4);
        break;
      default:
        memcpy(o + es * k, s + (int64_t)es * off, es);
        break;
    }
    for (int d = rank - 1; d >= 0; d--) {
      off += stride[d];
      if (++idx[d] < count[d]) break;
      off -= stride[d] * count[d];
      idx[d] = 0;
    }
  }
}

nq_status nq_ref_prep_num(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  nq_op op = a->node->op;
  bool int_ok = op == NQ_OP_ADD || op == NQ_OP_SUB || op == NQ_OP_MUL || op == NQ_OP_MAXIMUM ||
                op == NQ_OP_MINIMUM || op == NQ_OP_ABS || op == NQ_OP_NEG || op == NQ_OP_FLOOR_DIV ||
                op == NQ_OP_FLOOR_MOD;
  if (int_ok && a->n_out > 0 && a->out[0].type == NQ_INT32) {
    for (int i = 0; i < a->n_in; i++)
      if (a->in[i].data && a->in[i].type != NQ_INT32)
        return nq_ref_type_fail(a, err, "all float32 or all int32");
    if (a->p->act != NQ_ACT_NONE) return nq_ref_fail(a, err, NQ_ERR_UNSUPPORTED, "fused activation on int32");
    return NQ_OK;
  }
  return nq_ref_prep_f32(a, prepared, err);
}

void nq_ref_broadcast_strides(const nq_tview *v, const nq_tview *o, size_t *st) {
  size_t s = 1;
  for (int i = o->rank - 1; i >= 0; i--) {
    int iv = i - (o->rank - v->rank);
    st[i] = iv >= 0 && v->shape[iv] != 1 ? s : 0;
    if (iv >= 0) s *= (size_t)v->shape[iv];
  }
}
