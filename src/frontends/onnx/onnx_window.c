/*
 * Sliding windows of ONNX Conv, ConvTranspose and the pools: reading
 * kernel/strides/dilations/pads/auto_pad, and mapping ONNX's explicit pads
 * onto TFLite's SAME/VALID (or an explicit PAD before a VALID op).
 *
 * 1-D windows ([N, C, L] inputs, as PyTorch's Conv1d/MaxPool1d export)
 * are handled as 2-D windows with H = 1: kernel 1, stride 1, no pads in H.
 * Their data is held [N, 1, L, C] (layout N1LC), which is exactly the NHWC
 * form of [N, C, 1, L], so the 2-D ops compute the 1-D result.
 * 3-D windows (rank-5 inputs) are refused: the IR has no 3-D window ops.
 */
#include <string.h>

#include "core/status.h"
#include "frontends/onnx/onnx_internal.h"
#include "ir/shape.h"

void ox_spatial(const ox_value *x, int64_t in[2]) {
  in[0] = x->rank == 4 ? x->dims[2] : 1;
  in[1] = x->rank == 4 ? x->dims[3] : x->dims[2];
}

nq_status ox_window_input(ox_ctx *cx, const Onnx__NodeProto *n, ox_value **x, nq_error *err) {
  NQ_TRY(ox_input(cx, n, 0, x, err));
  int r = (*x)->rank;
  if (r == 3 || r == 4) return NQ_OK;
  if (r == 5)
    return nq_fail(
        err, NQ_ERR_UNSUPPORTED,
        OX_NODE_FMT
        "3-D window (input '%s' of rank 5, [N, C, D, H, W]): npuquant "
        "translates 1-D and 2-D convolutions and pools only (TFLite int8 has no 3-D pooling, and NPUs "
        "run 3-D convolutions poorly)",
        OX_NODE_ARGS(cx, n), n->input[0]);
  return nq_fail(err, NQ_ERR_UNSUPPORTED,
                 OX_NODE_FMT
                 "input '%s' has rank %d; a 1-D [N, C, L] or 2-D [N, C, H, W] "
                 "input is expected",
                 OX_NODE_ARGS(cx, n), n->input[0], r);
}

nq_status ox_conv_weights(ox_ctx *cx, const Onnx__NodeProto *n, const ox_value *x, size_t k, ox_const *view,
                          nq_error *err) {
  ox_value *w;
  NQ_TRY(ox_input(cx, n, k, &w, err));
  if (!w->is_const || w->c.is_int)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "weights '%s' must be a float constant (initializer)",
                   OX_NODE_ARGS(cx, n), n->input[k]);
  if (w->rank != x->rank)
    return nq_fail(err, NQ_ERR_SHAPE,
                   OX_NODE_FMT
                   "weights '%s' have rank %d for an input of rank %d (expected "
                   "equal: [A, B, L] for 1-D, [A, B, kh, kw] for 2-D)",
                   OX_NODE_ARGS(cx, n), n->input[k], w->rank, x->rank);
  *view = w->c; /* shares the data: never freed through the view */
  if (w->rank == 3) {
    view->rank = 4;
    view->dims[3] = w->c.dims[2];
    view->dims[2] = 1;
  }
  for (int d = 0; d < 4; d++)
    if (view->dims[d] < 1 || view->dims[d] > 65536)
      return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "weights '%s': dimension %d is %lld (1..65536 expected)",
                     OX_NODE_ARGS(cx, n), n->input[k], d, (long long)view->dims[d]);
  return NQ_OK;
}

nq_status ox_read_window(ox_ctx *cx, const Onnx__NodeProto *n, int nsp, const int64_t *in,
                         const int64_t *kernel, bool ceil_mode, ox_win *w, nq_error *err) {
  memset(w, 0, sizeof *w);
  int64_t v[8];
  int c;
  int off = 2 - nsp; /* the first 2-D index the attributes describe */
  for (int k = 0; k < 2; k++) {
    w->k[k] = kernel[k];
    w->s[k] = w->d[k] = 1;
    w->pb[k] = w->pe[k] = 0;
  }
  NQ_TRY(ox_attr_ints(cx, n, "strides", v, 8, &c, err));
  if (c >= 0 && c != nsp)
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "strides has %d values; %d expected", OX_NODE_ARGS(cx, n),
                   c, nsp);
  for (int k = 0; c == nsp && k < nsp; k++) w->s[off + k] = v[k];
  NQ_TRY(ox_attr_ints(cx, n, "dilations", v, 8, &c, err));
  if (c >= 0 && c != nsp)
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "dilations has %d values; %d expected",
                   OX_NODE_ARGS(cx, n), c, nsp);
  for (int k = 0; c == nsp && k < nsp; k++) w->d[off + k] = v[k];
  NQ_TRY(ox_attr_ints(cx, n, "pads", v, 8, &c, err));
  if (c >= 0 && c != 2 * nsp)
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "pads has %d values; %d expected", OX_NODE_ARGS(cx, n), c,
                   2 * nsp);
  for (int k = 0; c == 2 * nsp && k < nsp; k++) {
    w->pb[off + k] = v[k];
    w->pe[off + k] = v[nsp + k];
  }
  for (int k = 0; k < 2; k++) {
    if (w->k[k] < 1 || w->k[k] > 65536 || w->s[k] < 1 || w->s[k] > 65536 || w->d[k] < 1 || w->d[k] > 65536 ||
        w->pb[k] < 0 || w->pe[k] < 0 || w->pb[k] > 65536 || w->pe[k] > 65536 || (in && in[k] < 1))
      return nq_fail(err, NQ_ERR_FORMAT,
                     OX_NODE_FMT
                     "kernel/stride/dilation/pads out of range (1..65536, pads "
                     "0..65536)",
                     OX_NODE_ARGS(cx, n));
  }
  if (!in) return NQ_OK;
  char ap[32];
  NQ_TRY(ox_attr_string(cx, n, "auto_pad", "NOTSET", ap, sizeof ap, err));
  bool same_upper = !strcmp(ap, "SAME_UPPER"), same_lower = !strcmp(ap, "SAME_LOWER");
  for (int k = 0; k < 2; k++) {
    int64_t ke = (w->k[k] - 1) * w->d[k] + 1;
    if (same_upper || same_lower) {
      int64_t out = (in[k] + w->s[k] - 1) / w->s[k];
      int64_t total = (out - 1) * w->s[k] + ke - in[k];
      if (total < 0) total = 0;
      w->pb[k] = same_upper ? total / 2 : total - total / 2;
      w->pe[k] = total - w->pb[k];
      w->out[k] = out;
      continue;
    }
    if (!strcmp(ap, "VALID"))
      w->pb[k] = w->pe[k] = 0;
    else if (strcmp(ap, "NOTSET"))
      return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "auto_pad '%s' unknown", OX_NODE_ARGS(cx, n), ap);
    int64_t span = in[k] + w->pb[k] + w->pe[k] - ke;
    if (span < 0)
      return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "window larger than the padded input",
                     OX_NODE_ARGS(cx, n));
    int64_t out = ceil_mode ? (span + w->s[k] - 1) / w->s[k] + 1 : span / w->s[k] + 1;
    /* ceil_mode: a last window starting inside the end padding is dropped. */
    if (ceil_mode && (out - 1) * w->s[k] >= in[k] + w->pb[k]) out--;
    w->out[k] = out;
  }
  return NQ_OK;
}

ox_pad_kind ox_classify_pads(const ox_win *w, const int64_t *in, int64_t *pads) {
  bool same = true, valid = true;
  for (int k = 0; k < 2; k++) {
    int64_t ke = (w->k[k] - 1) * w->d[k] + 1;
    int64_t out_same = (in[k] + w->s[k] - 1) / w->s[k];
    int64_t total = (out_same - 1) * w->s[k] + ke - in[k];
    if (total < 0) total = 0;
    if (!(w->out[k] == out_same && w->pb[k] == total / 2)) same = false;
    int64_t need_end = (w->out[k] - 1) * w->s[k] + ke - in[k] - w->pb[k];
    if (need_end < 0) need_end = 0;
    if (w->pb[k] != 0 || need_end != 0 || (in[k] - ke) / w->s[k] + 1 != w->out[k]) valid = false;
    pads[2 * k] = w->pb[k];
    pads[2 * k + 1] = need_end;
  }
  if (valid) return OX_PAD_VALID;
  if (same) return OX_PAD_SAME;
  return OX_PAD_EXPLICIT;
}

nq_status ox_emit_pad(ox_ctx *cx, int xt, const int64_t *pads, float value, const char *base, int *out,
                      nq_error *err) {
  int32_t pd[8] = {0, 0, (int32_t)pads[0], (int32_t)pads[1], (int32_t)pads[2], (int32_t)pads[3], 0, 0};
  int32_t shape[2] = {4, 2};
  char name[512];
  int pt;
  NQ_TRY(ox_const_i32(cx, ox_name(cx, base, "pads", name, sizeof name), 2, shape, pd, &pt, err));
  nq_op_params p = nq_op_params_default();
  if (value == 0.0f) {
    int ins[2] = {xt, pt};
    return ox_emit(cx, NQ_OP_PAD, NULL, 2, ins, &p, out, err);
  }
  int vt;
  NQ_TRY(ox_const_f32(cx, ox_name(cx, base, "padval", name, sizeof name), 0, NULL, &value, &vt, err));
  int ins[3] = {xt, pt, vt};
  return ox_emit(cx, NQ_OP_PADV2, NULL, 3, ins, &p, out, err);
}

nq_status ox_split_channels(ox_ctx *cx, const char *base, int xt, int g, int *parts, nq_error *err) {
  char name[512];
  int axis_t;
  int32_t three = 3;
  NQ_TRY(ox_const_i32(cx, ox_name(cx, base, "axis", name, sizeof name), 0, NULL, &three, &axis_t, err));
  for (int k = 0; k < g; k++) {
    parts[k] =
        nq_graph_add_tensor(cx->g, ox_name(cx, base, "group", name, sizeof name), NQ_FLOAT32, 0, NULL, err);
    if (parts[k] < 0) return err->code;
  }
  nq_op_params p = nq_op_params_default();
  p.num = g;
  int ins[2] = {axis_t, xt};
  int node = nq_graph_add_node(cx->g, NQ_OP_SPLIT, base, 2, ins, g, parts, &p, err);
  if (node < 0) return err->code;
  return nq_infer_node_shapes(cx->g, node, true, err);
}
