/*
 * ONNX ConvTranspose (1-D and 2-D, any group, any dilation) as TFLite
 * TRANSPOSE_CONV.
 *
 * TRANSPOSE_CONV has no dilation and no groups, so:
 *  - dilation d is expressed by the kernel itself: taps spread d apart with
 *    zeros between them ((k-1)*d+1 wide). A transposed convolution scatters
 *    x[i]*w[j] to position i*s + j*d; the zero taps add nothing, so this is
 *    exact.
 *  - group g > 1: SPLIT the input channels in g parts, one TRANSPOSE_CONV
 *    per group, CONCATENATION of the results (the channel order of ONNX's
 *    output: group-major).
 * The op runs VALID on the full extent every tap reaches (plus
 * output_padding positions, which receive only the bias); ONNX's pads /
 * auto_pad / output_shape then select a crop of it, one SLICE.
 * A 1-D ConvTranspose ([N, C, L]) is the 2-D one with H = 1 on N1LC data.
 */
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/status.h"
#include "frontends/onnx/onnx_internal.h"

/* Output extent: full[k] positions are reached; ONNX's output is out[k]
 * of them starting at w->pb[k]. */
static nq_status output_extent(ox_ctx *cx, const Onnx__NodeProto *n, int nsp, const int64_t *in,
                               const int64_t *ke, ox_win *w, int64_t *full, int64_t *out, nq_error *err) {
  int64_t v[4], opad[2] = {0, 0}, osh[2] = {0, 0};
  int c1, c2, off = 2 - nsp;
  NQ_TRY(ox_attr_ints(cx, n, "output_padding", v, 4, &c1, err));
  if (c1 >= 0 && c1 != nsp)
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "output_padding has %d values; %d expected",
                   OX_NODE_ARGS(cx, n), c1, nsp);
  for (int k = 0; c1 == nsp && k < nsp; k++) opad[off + k] = v[k];
  NQ_TRY(ox_attr_ints(cx, n, "output_shape", v, 4, &c2, err));
  if (c2 >= 0 && c2 != nsp)
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "output_shape has %d values; %d expected",
                   OX_NODE_ARGS(cx, n), c2, nsp);
  for (int k = 0; c2 == nsp && k < nsp; k++) osh[off + k] = v[k];
  char ap[32];
  NQ_TRY(ox_attr_string(cx, n, "auto_pad", "NOTSET", ap, sizeof ap, err));
  bool same_upper = !strcmp(ap, "SAME_UPPER"), same_lower = !strcmp(ap, "SAME_LOWER");
  if (!same_upper && !same_lower && strcmp(ap, "NOTSET") && strcmp(ap, "VALID"))
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "auto_pad '%s' unknown", OX_NODE_ARGS(cx, n), ap);
  for (int k = 0; k < 2; k++) {
    if (opad[k] < 0 || opad[k] >= 65536)
      return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "output_padding %lld", OX_NODE_ARGS(cx, n),
                     (long long)opad[k]);
    full[k] = w->s[k] * (in[k] - 1) + ke[k] + opad[k];
    if (full[k] > 65536)
      return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "output extent %lld exceeds 65536",
                     OX_NODE_ARGS(cx, n), (long long)full[k]);
    bool given = c2 == nsp && !(nsp == 1 && k == 0);
    if (given || same_upper || same_lower) {
      out[k] = given ? osh[k] : in[k] * w->s[k];
      int64_t total = full[k] - out[k];
      w->pb[k] = same_upper ? total / 2 : total - total / 2; /* ONNX: SAME_UPPER, else the other way */
    } else {
      if (!strcmp(ap, "VALID")) w->pb[k] = w->pe[k] = 0;
      out[k] = full[k] - w->pb[k] - w->pe[k];
    }
    if (out[k] < 1 || w->pb[k] < 0 || w->pb[k] + out[k] > full[k])
      return nq_fail(err, NQ_ERR_UNSUPPORTED,
                     OX_NODE_FMT
                     "output size %lld with pads %lld does not fit the %lld "
                     "positions the kernel reaches (negative pads are not supported)",
                     OX_NODE_ARGS(cx, n), (long long)out[k], (long long)w->pb[k], (long long)full[k]);
  }
  return NQ_OK;
}

/* TFLite weights [Og, keh, kew, Ig] of group gi, dilated with zeros, from
 * the ONNX view W [C_in, Og, kh, kw]; NULL when out of memory. */
static float *group_weights(const ox_const *W, int64_t gi, int64_t Ig, const ox_win *w, const int64_t *ke) {
  int64_t Og = W->dims[1], kh = W->dims[2], kw = W->dims[3];
  size_t cnt = (size_t)(Og * ke[0] * ke[1] * Ig); /* bounded by the caller */
  float *wt = calloc(cnt ? cnt : 1, sizeof *wt);
  if (!wt) return NULL;
  for (int64_t i = 0; i < Ig; i++)
    for (int64_t o = 0; o < Og; o++)
      for (int64_t h = 0; h < kh; h++)
        for (int64_t q = 0; q < kw; q++)
          wt[((o * ke[0] + h * w->d[0]) * ke[1] + q * w->d[1]) * Ig + i] =
              W->f[(((gi * Ig + i) * Og + o) * kh + h) * kw + q];
  return wt;
}

/* One TRANSPOSE_CONV of group gi on NHWC input xt to the full extent. */
static nq_status tconv_group(ox_ctx *cx, const Onnx__NodeProto *n, int xt, const ox_const *W, int64_t gi,
                             int64_t Ig, const ox_win *w, const int64_t *ke, const int64_t *full,
                             int64_t batch, const float *bias, const char *out_name, int *out,
                             nq_error *err) {
  int64_t Og = W->dims[1];
  const char *base = n->name && n->name[0] ? n->name : n->output[0];
  float *wt = group_weights(W, gi, Ig, w, ke);
  if (!wt)
    return nq_fail(err, NQ_ERR_NOMEM, OX_NODE_FMT "out of memory for the (dilated) weights",
                   OX_NODE_ARGS(cx, n));
  char name[512];
  int32_t shape[4] = {(int32_t)Og, (int32_t)ke[0], (int32_t)ke[1], (int32_t)Ig}, og32 = (int32_t)Og, four = 4;
  int wtid, bt, st;
  nq_status s = ox_const_f32(cx, ox_name(cx, base, "weights", name, sizeof name), 4, shape, wt, &wtid, err);
  free(wt);
  NQ_TRY(s);
  NQ_TRY(ox_const_f32(cx, ox_name(cx, base, "bias", name, sizeof name), 1, &og32, bias + gi * Og, &bt, err));
  int32_t os[4] = {(int32_t)batch, (int32_t)full[0], (int32_t)full[1], (int32_t)Og};
  NQ_TRY(ox_const_i32(cx, ox_name(cx, base, "output_shape", name, sizeof name), 1, &four, os, &st, err));
  nq_op_params p = nq_op_params_default();
  p.padding = NQ_PAD_VALID;
  p.stride_h = (int)w->s[0];
  p.stride_w = (int)w->s[1];
  int ins[4] = {st, wtid, xt, bt};
  return ox_emit(cx, NQ_OP_TRANSPOSE_CONV, out_name, 4, ins, &p, out, err);
}

nq_status ox_op_conv_transpose(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *x;
  ox_const W; /* rank-4 view [C_in, C_out/group, kh, kw] */
  NQ_TRY(ox_window_input(cx, n, &x, err));
  NQ_TRY(ox_conv_weights(cx, n, x, 1, &W, err));
  int nsp = x->rank - 2;
  int64_t group, cin = x->dims[1];
  NQ_TRY(ox_attr_int(cx, n, "group", 1, &group, err));
  if (group < 1 || group > cin || cin % group || W.dims[0] != cin)
    return nq_fail(err, NQ_ERR_SHAPE,
                   OX_NODE_FMT
                   "input has %lld channels, weights [%lld, %lld, ...] with group %lld "
                   "do not match (weights [C_in, C_out/group, k...] expected)",
                   OX_NODE_ARGS(cx, n), (long long)cin, (long long)W.dims[0], (long long)W.dims[1],
                   (long long)group);
  int64_t Ig = cin / group, Og = W.dims[1], O = Og * group;
  if (O > 65536)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "%lld output channels", OX_NODE_ARGS(cx, n),
                   (long long)O);
  int64_t kernel[2] = {W.dims[2], W.dims[3]}, kv[4], in[2], ke[2], full[2], out[2];
  int kc;
  NQ_TRY(ox_attr_ints(cx, n, "kernel_shape", kv, 4, &kc, err));
  if (kc >= 0 && (kc != nsp || kv[0] != kernel[2 - nsp] || (nsp == 2 && kv[1] != kernel[1])))
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "kernel_shape disagrees with the weights",
                   OX_NODE_ARGS(cx, n));
  ox_spatial(x, in);
  ox_win w;
  NQ_TRY(ox_read_window(cx, n, nsp, NULL, kernel, false, &w, err));
  for (int k = 0; k < 2; k++) {
    ke[k] = (kernel[k] - 1) * w.d[k] + 1;
    if (ke[k] > 65536)
      return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "dilated kernel of %lld taps", OX_NODE_ARGS(cx, n),
                     (long long)ke[k]);
  }
  NQ_TRY(output_extent(cx, n, nsp, in, ke, &w, full, out, err));
  /* Zero-dilated weights of all groups: bounded like any host-made
   * constant, so a tiny file cannot ask for gigabytes of zeros. */
  size_t wn;
  if (!nq_mul_size((size_t)O, (size_t)ke[0], &wn) || !nq_mul_size(wn, (size_t)ke[1], &wn) ||
      !nq_mul_size(wn, (size_t)Ig, &wn) || wn > OX_MAX_FOLD_ELEMS)
    return nq_fail(err, NQ_ERR_UNSUPPORTED,
                   OX_NODE_FMT
                   "the dilated kernels (%lld x %lld taps, %lld x %lld "
                   "channels) would exceed %zu weights",
                   OX_NODE_ARGS(cx, n), (long long)ke[0], (long long)ke[1], (long long)O, (long long)Ig,
                   (size_t)OX_MAX_FOLD_ELEMS);

  float *bias;
  NQ_TRY(ox_conv_bias(cx, n, O, &bias, err));

  const char *base = n->name && n->name[0] ? n->name : n->output[0];
  bool crop = out[0] != full[0] || out[1] != full[1];
  const char *name_full = crop ? NULL : n->output[0];
  int xt, t = -1;
  nq_status s = ox_nhwc(cx, x, &xt, err);
  if (s == NQ_OK && group == 1) {
    s = tconv_group(cx, n, xt, &W, 0, Ig, &w, ke, full, x->dims[0], bias, name_full, &t, err);
  } else if (s == NQ_OK) {
    int g = (int)group;
    int *parts = calloc((size_t)g * 2, sizeof *parts);
    s = parts ? ox_split_channels(cx, base, xt, g, parts, err) : nq_fail(err, NQ_ERR_NOMEM, "out of memory");
    for (int k = 0; s == NQ_OK && k < g; k++)
      s = tconv_group(cx, n, parts[k], &W, k, Ig, &w, ke, full, x->dims[0], bias, NULL, &parts[g + k], err);
    if (s == NQ_OK) {
      nq_op_params p = nq_op_params_default();
      p.axis = 3;
      s = ox_emit(cx, NQ_OP_CONCATENATION, name_full, g, parts + g, &p, &t, err);
    }
    free(parts);
  }
  free(bias);
  NQ_TRY(s);
  if (crop) {
    char name[512];
    int32_t b[4] = {0, (int32_t)w.pb[0], (int32_t)w.pb[1], 0}, four = 4;
    int32_t sz[4] = {(int32_t)x->dims[0], (int32_t)out[0], (int32_t)out[1], (int32_t)O};
    int bt, szt;
    NQ_TRY(ox_const_i32(cx, ox_name(cx, base, "begin", name, sizeof name), 1, &four, b, &bt, err));
    NQ_TRY(ox_const_i32(cx, ox_name(cx, base, "size", name, sizeof name), 1, &four, sz, &szt, err));
    int ci[3] = {t, bt, szt};
    nq_op_params sp = nq_op_params_default();
    NQ_TRY(ox_emit(cx, NQ_OP_SLICE, n->output[0], 3, ci, &sp, &t, err));
  }
  NQ_TRY(ox_set_act(cx, n->output[0], t, ox_channels_last_of_rank(x->rank), err));
  return NQ_OK;
}
