/*
 * ONNX data-movement ops on activations: Reshape/Flatten/Squeeze/Unsqueeze
 * (with the NHWC shortcuts: a flatten of NHWC data stays un-transposed and
 * is marked FLAT_NHWC for the following Gemm), Transpose (composed with the
 * layout, often to nothing), Concat, Split, Slice, Pad, Resize/Upsample and
 * Gather. Each maps axes through the value's layout.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "frontends/onnx/onnx_internal.h"
#include "ir/shape.h"

static nq_status set_out(ox_ctx *cx, const char *name, int t, ox_layout lay, bool nonneg, nq_error *err) {
  NQ_TRY(ox_set_act(cx, name, t, lay, err));
  ox_find(cx, name)->nonneg = nonneg;
  return NQ_OK;
}

/* Reshape activation x to logical dims (rank r) as output `name`. */
static nq_status reshape_to(ox_ctx *cx, ox_value *x, const int64_t *dims, int r, const char *name,
                            nq_error *err) {
  int32_t shape[NQ_MAX_RANK];
  for (int k = 0; k < r; k++) shape[k] = (int32_t)dims[k];
  int t;
  bool nonneg = x->nonneg;
  /* Channel split / merge of NHWC data ([N,C,H,W] <-> [N,A,B,H,W], as
   * channel shuffles do): the IR data keeps its order. */
  if (!x->is_const && x->lay == OX_NHWC && x->rank + r == 9 && dims[0] == x->dims[0] &&
      dims[r - 2] == x->dims[x->rank - 2] && dims[r - 1] == x->dims[x->rank - 1]) {
    int32_t ps[NQ_MAX_RANK];
    for (int k = 0; k < r; k++)
      ps[k] = (int32_t)dims[r == 5 ? (int[]){0, 3, 4, 1, 2}[k] : (int[]){0, 2, 3, 1}[k]];
    NQ_TRY(ox_reshape_tensor(cx, x->t, r, ps, name, &t, err));
    return set_out(cx, name, t, OX_NHWC, nonneg, err);
  }
  /* [N, C, 1, L] <-> [N, C, L]: N1LC data is the NHWC data of [N, C, 1, L]
   * (a 1-D net built from 2-D ops, or the reverse), so the IR tensor is
   * shared; [N, C, H, 1] -> [N, C, H] is a reshape of the same memory. */
  if (ox_is_n1lc(x) && r == 4 && dims[0] == x->dims[0] && dims[1] == x->dims[1] && dims[2] == 1 &&
      dims[3] == x->dims[2] && x->dims[1] != 1)
    return set_out(cx, name, x->t, OX_NHWC, nonneg, err);
  if (ox_is_nhwc4(x) && r == 3 && dims[0] == x->dims[0] && dims[1] == x->dims[1] && x->dims[1] != 1 &&
      (x->dims[2] == 1 || x->dims[3] == 1) && dims[2] == x->dims[2] * x->dims[3]) {
    if (x->dims[2] == 1) return set_out(cx, name, x->t, OX_N1LC, nonneg, err);
    int32_t n1lc[4] = {(int32_t)dims[0], 1, (int32_t)dims[2], (int32_t)dims[1]};
    NQ_TRY(ox_reshape_tensor(cx, x->t, 4, n1lc, name, &t, err));
    return set_out(cx, name, t, OX_N1LC, nonneg, err);
  }
  /* [N, C, H, W] -> [N, C*H, W] (a CRNN's 2-D features into a 1-D conv):
   * one TRANSPOSE of [N, H, W, C] to [N, W, C, H] is the N1LC data. */
  if (ox_is_nhwc4(x) && r == 3 && dims[0] == x->dims[0] && dims[1] == x->dims[1] * x->dims[2] &&
      dims[2] == x->dims[3] && x->dims[1] != 1 && x->dims[2] != 1 && !ox_consumers_prefer_logical(cx, name)) {
    static const int32_t to_nwch[4] = {0, 2, 3, 1};
    int32_t n1lc[4] = {(int32_t)dims[0], 1, (int32_t)dims[2], (int32_t)dims[1]};
    char tn[512];
    int tt;
    NQ_TRY(ox_transpose_tensor(cx, x->t, 4, to_nwch, ox_name(cx, name, "nwch", tn, sizeof tn), &tt, err));
    NQ_TRY(ox_reshape_tensor(cx, tt, 4, n1lc, name, &t, err));
    return set_out(cx, name, t, OX_N1LC, nonneg, err);
  }
  if (ox_is_n1lc(x)) {
    int64_t C = x->dims[1], L = x->dims[2];
    if (C == 1 || L == 1) { /* [N, L, C] and [N, C, L] orders coincide */
      NQ_TRY(ox_reshape_tensor(cx, x->t, r, shape, name, &t, err));
      return set_out(cx, name, t, OX_LOGICAL, nonneg, err);
    }
    if (r == 2 && dims[0] == x->dims[0]) { /* flatten: keep [N, L, C] order, mark it (H = 1) */
      NQ_TRY(ox_reshape_tensor(cx, x->t, r, shape, name, &t, err));
      NQ_TRY(set_out(cx, name, t, OX_LOGICAL, nonneg, err));
      ox_value *v = ox_find(cx, name);
      v->lay = OX_FLAT_NHWC;
      v->fc = (int32_t)C;
      v->fh = 1;
      v->fw = (int32_t)L;
      v->t_logical = -1;
      return NQ_OK;
    }
  }
  if (ox_is_nhwc4(x)) {
    int64_t C = x->dims[1], HW = x->dims[2] * x->dims[3];
    if (C == 1 || HW == 1) { /* NHWC and NCHW orders coincide */
      NQ_TRY(ox_reshape_tensor(cx, x->t, r, shape, name, &t, err));
      return set_out(cx, name, t, OX_LOGICAL, nonneg, err);
    }
    if (r == 2 && dims[0] == x->dims[0]) { /* flatten: keep NHWC order, mark it */
      int32_t fc = (int32_t)C, fh = (int32_t)x->dims[2], fw = (int32_t)x->dims[3];
      NQ_TRY(ox_reshape_tensor(cx, x->t, r, shape, name, &t, err));
      NQ_TRY(set_out(cx, name, t, OX_LOGICAL, nonneg, err));
      ox_value *v = ox_find(cx, name);
      v->lay = OX_FLAT_NHWC;
      v->fc = fc;
      v->fh = fh;
      v->fw = fw;
      v->t_logical = -1;
      return NQ_OK;
    }
  }
  if (!x->is_const && x->lay == OX_FLAT_NHWC && r == 2 && dims[0] == x->dims[0] && dims[1] == x->dims[1]) {
    ox_value copy = *x;
    NQ_TRY(set_out(cx, name, copy.t, OX_LOGICAL, nonneg, err));
    ox_value *v = ox_find(cx, name);
    v->lay = OX_FLAT_NHWC;
    v->fc = copy.fc;
    v->fh = copy.fh;
    v->fw = copy.fw;
    v->t_logical = copy.t_logical;
    return NQ_OK;
  }
  int xt;
  NQ_TRY(ox_logical(cx, x, &xt, err));
  NQ_TRY(ox_reshape_tensor(cx, xt, r, shape, name, &t, err));
  return set_out(cx, name, t, OX_LOGICAL, nonneg, err);
}

static size_t elems(const ox_value *v) {
  size_t n = 1;
  for (int k = 0; k < v->rank; k++) n *= (size_t)v->dims[k];
  return n;
}

nq_status ox_op_reshape(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *x;
  NQ_TRY(ox_input(cx, n, 0, &x, err));
  int64_t spec[NQ_MAX_RANK], dims[NQ_MAX_RANK], allowzero;
  int ns;
  NQ_TRY(ox_int_list(cx, n, cx->opset < 5 ? "shape" : NULL, 1, spec, NQ_MAX_RANK, &ns, err));
  if (ns < 0)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "the shape must be constant", OX_NODE_ARGS(cx, n));
  NQ_TRY(ox_attr_int(cx, n, "allowzero", 0, &allowzero, err));
  NQ_TRY(ox_reshape_dims(cx, n, x->dims, x->rank, elems(x), spec, ns, allowzero != 0, dims, err));
  return reshape_to(cx, x, dims, ns, n->output[0], err);
}

nq_status ox_op_flatten(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *x;
  NQ_TRY(ox_input(cx, n, 0, &x, err));
  int64_t axis;
  NQ_TRY(ox_attr_int(cx, n, "axis", 1, &axis, err));
  if (axis < 0) axis += x->rank;
  if (axis < 0 || axis > x->rank)
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "axis out of range", OX_NODE_ARGS(cx, n));
  int64_t dims[2] = {1, 1};
  for (int k = 0; k < x->rank; k++) dims[k < axis ? 0 : 1] *= x->dims[k];
  return reshape_to(cx, x, dims, 2, n->output[0], err);
}

nq_status ox_squeeze_dims(ox_ctx *cx, const Onnx__NodeProto *n, bool squeeze, const int64_t *in, int in_rank,
                          int64_t *dims, int *rank, nq_error *err) {
  int64_t axes[NQ_MAX_RANK];
  int na, r = 0;
  NQ_TRY(ox_int_list(cx, n, cx->opset < 13 ? "axes" : NULL, 1, axes, NQ_MAX_RANK, &na, err));
  if (squeeze) {
    bool drop[NQ_MAX_RANK] = {false};
    for (int k = 0; k < na; k++) {
      int a;
      NQ_TRY(ox_axis(cx, n, axes[k], in_rank, &a, err));
      if (in[a] != 1)
        return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "cannot squeeze axis %d of size %lld",
                       OX_NODE_ARGS(cx, n), a, (long long)in[a]);
      drop[a] = true;
    }
    for (int k = 0; k < in_rank; k++)
      if (!(na < 0 ? in[k] == 1 : drop[k])) dims[r++] = in[k];
  } else {
    if (na < 0) return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "axes are missing", OX_NODE_ARGS(cx, n));
    int out_rank = in_rank + na;
    if (out_rank > NQ_MAX_RANK)
      return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "rank too large", OX_NODE_ARGS(cx, n));
    bool ins[NQ_MAX_RANK] = {false};
    for (int k = 0; k < na; k++) {
      int a;
      NQ_TRY(ox_axis(cx, n, axes[k], out_rank, &a, err));
      ins[a] = true;
    }
    int j = 0;
    for (int k = 0; k < out_rank; k++) dims[r++] = ins[k] ? 1 : in[j++];
  }
  *rank = r;
  return NQ_OK;
}

nq_status ox_op_squeeze_unsqueeze(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *x;
  NQ_TRY(ox_input(cx, n, 0, &x, err));
  int64_t dims[NQ_MAX_RANK];
  int r;
  NQ_TRY(ox_squeeze_dims(cx, n, !strcmp(n->op_type, "Squeeze"), x->dims, x->rank, dims, &r, err));
  return reshape_to(cx, x, dims, r, n->output[0], err);
}

nq_status ox_op_transpose(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *x;
  NQ_TRY(ox_input(cx, n, 0, &x, err));
  int64_t perm[NQ_MAX_RANK];
  int np;
  NQ_TRY(ox_attr_ints(cx, n, "perm", perm, NQ_MAX_RANK, &np, err));
  if (np < 0) {
    np = x->rank;
    for (int k = 0; k < np; k++) perm[k] = np - 1 - k;
  }
  bool seen[NQ_MAX_RANK] = {false};
  if (np != x->rank)
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "perm has %d entries for rank %d", OX_NODE_ARGS(cx, n), np,
                   x->rank);
  for (int k = 0; k < np; k++) {
    if (perm[k] < 0 || perm[k] >= np || seen[perm[k]])
      return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "perm is not a permutation", OX_NODE_ARGS(cx, n));
    seen[perm[k]] = true;
  }
  /* Transpose(P) -> Softmax(last axis) -> Transpose(P^-1), as exporters
   * write a softmax over channels before opset 13, is a softmax over axis
   * P[last] of the first input: on NHWC data over channels that is one op. */
  const Onnx__NodeProto *sm = x->is_const ? NULL : x->producer;
  if (sm && (!strcmp(sm->op_type, "Softmax") || !strcmp(sm->op_type, "LogSoftmax")) && sm->n_input >= 1) {
    ox_value *mid = ox_find(cx, sm->input[0]);
    const Onnx__NodeProto *t1 = mid && !mid->is_const ? mid->producer : NULL;
    int64_t p1[NQ_MAX_RANK], axis;
    int n1 = -1;
    if (t1 && !strcmp(t1->op_type, "Transpose") && t1->n_input >= 1)
      NQ_TRY(ox_attr_ints(cx, t1, "perm", p1, NQ_MAX_RANK, &n1, err));
    NQ_TRY(ox_attr_int(cx, sm, "axis", cx->opset < 13 ? 1 : -1, &axis, err));
    ox_value *x0 = n1 == np ? ox_find(cx, t1->input[0]) : NULL;
    bool inverse = x0 && (axis == -1 || axis == np - 1);
    for (int k = 0; inverse && k < np; k++) inverse = p1[k] >= 0 && p1[k] < np && perm[p1[k]] == k;
    if (inverse && ox_is_nhwc4(x0) && ox_phys_axis(OX_NHWC, 4, (int)p1[np - 1]) == 3) {
      nq_op_params p = nq_op_params_default();
      int t, in = x0->t;
      NQ_TRY(ox_emit(cx, strcmp(sm->op_type, "Softmax") ? NQ_OP_LOG_SOFTMAX : NQ_OP_SOFTMAX, n->output[0], 1,
                     &in, &p, &t, err));
      return set_out(cx, n->output[0], t, OX_NHWC, false, err);
    }
  }
  /* Rank 3: the memory order of x is [N, L, C] for N1LC, logical else.
   * A transpose that reads that memory in the output's logical order is a
   * RESHAPE; one that reads it as the output's N1LC order (x.permute(0, 2, 1)
   * of a [N, L, C] input before a Conv1d) is a RESHAPE to [N, 1, L, C]. */
  if (np == 3 && !x->is_const && (x->lay == OX_N1LC || x->lay == OX_LOGICAL)) {
    static const int mem_n1lc[3] = {0, 2, 1}, mem_logical[3] = {0, 1, 2};
    const int *mem = x->lay == OX_N1LC ? mem_n1lc : mem_logical;
    int32_t od[3];
    for (int k = 0; k < 3; k++) od[k] = (int32_t)x->dims[perm[k]];
    bool as_logical = perm[0] == mem[0] && perm[1] == mem[1] && perm[2] == mem[2];
    bool as_n1lc = perm[0] == mem[0] && perm[2] == mem[1] && perm[1] == mem[2];
    int t;
    if (as_logical) {
      NQ_TRY(ox_reshape_tensor(cx, x->t, 3, od, n->output[0], &t, err));
      return set_out(cx, n->output[0], t, OX_LOGICAL, x->nonneg, err);
    }
    if (as_n1lc && (x->lay == OX_N1LC || !ox_consumers_prefer_logical(cx, n->output[0]))) {
      int32_t n1lc[4] = {od[0], 1, od[2], od[1]};
      NQ_TRY(ox_reshape_tensor(cx, x->t, 4, n1lc, n->output[0], &t, err));
      return set_out(cx, n->output[0], t, OX_N1LC, x->nonneg, err);
    }
  }
  int32_t q[NQ_MAX_RANK];
  int src;
  if (!x->is_const && x->lay == OX_NHWC) {
    /* Compose with the layout: IR axis of logical axis a is phys(a). */
    for (int k = 0; k < np; k++) q[k] = ox_phys_axis(OX_NHWC, np, (int)perm[k]);
    src = x->t;
  } else {
    NQ_TRY(ox_logical(cx, x, &src, err));
    for (int k = 0; k < np; k++) q[k] = (int32_t)perm[k];
  }
  bool nonneg = x->nonneg;
  int t;
  bool ident = true;
  for (int k = 0; k < np; k++) ident = ident && q[k] == k;
  if (ident) {
    /* The IR data already is in the requested (logical) order. */
    int32_t shape[NQ_MAX_RANK];
    for (int k = 0; k < np; k++) shape[k] = (int32_t)x->dims[perm[k]];
    NQ_TRY(ox_reshape_tensor(cx, src, np, shape, n->output[0], &t, err));
    return set_out(cx, n->output[0], t, OX_LOGICAL, nonneg, err);
  }
  if (np == 4 || np == 5) {
    /* The result in NHWC order: IR axis i of the result is logical axis
     * P[i] of it, i.e. source IR axis q[P[i]]. Often the identity (an
     * NCHW<->NHWC transpose that cancels the layout): no op at all. */
    static const int p4[4] = {0, 2, 3, 1}, p5[5] = {0, 3, 4, 1, 2};
    int32_t qn[5];
    bool nident = true;
    for (int k = 0; k < np; k++) {
      qn[k] = q[np == 4 ? p4[k] : p5[k]];
      nident = nident && qn[k] == k;
    }
    if (nident) {
      NQ_TRY(ox_set_act(cx, n->output[0], src, OX_NHWC, err));
      ox_find(cx, n->output[0])->nonneg = nonneg;
      return NQ_OK;
    }
    /* One transpose either way: NHWC unless the readers want ONNX order
     * (exporters wrap a Softmax over channels in transposes). */
    if (np == 5 || !ox_consumers_prefer_logical(cx, n->output[0])) {
      NQ_TRY(ox_transpose_tensor(cx, src, np, qn, n->output[0], &t, err));
      return set_out(cx, n->output[0], t, OX_NHWC, nonneg, err);
    }
  }
  NQ_TRY(ox_transpose_tensor(cx, src, np, q, n->output[0], &t, err));
  return set_out(cx, n->output[0], t, OX_LOGICAL, x->nonneg, err);
}

nq_status ox_op_concat(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  if (n->n_input < 1 || n->n_input > 1024)
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "%zu inputs", OX_NODE_ARGS(cx, n), n->n_input);
  ox_value *first;
  NQ_TRY(ox_input(cx, n, 0, &first, err));
  int rank = first->rank;
  bool nhwc = false, nonneg = true;
  ox_layout cl = ox_channels_last_of_rank(rank); /* NHWC or N1LC */
  for (size_t k = 0; k < n->n_input; k++) {
    ox_value *v;
    NQ_TRY(ox_input(cx, n, k, &v, err));
    if (v->rank != rank)
      return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "inputs differ in rank", OX_NODE_ARGS(cx, n));
    if (cl != OX_LOGICAL && ox_channels_last(v) == cl) nhwc = true;
    nonneg = nonneg && v->nonneg;
  }
  int64_t axis;
  int ax;
  NQ_TRY(ox_attr_int(cx, n, "axis", 0, &axis, err));
  NQ_TRY(ox_axis(cx, n, axis, rank, &ax, err));
  int *ins = calloc(n->n_input, sizeof *ins);
  if (!ins) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  nq_status s = NQ_OK;
  for (size_t k = 0; s == NQ_OK && k < n->n_input; k++) {
    ox_value *v = ox_find(cx, n->input[k]);
    s = nhwc ? ox_nhwc(cx, v, &ins[k], err) : ox_logical(cx, v, &ins[k], err);
  }
  nq_op_params p = nq_op_params_default();
  p.axis = nhwc ? ox_phys_axis(cl, rank, ax) : ax;
  int t = -1;
  if (s == NQ_OK) s = ox_emit(cx, NQ_OP_CONCATENATION, n->output[0], (int)n->n_input, ins, &p, &t, err);
  free(ins);
  NQ_TRY(s);
  return set_out(cx, n->output[0], t, nhwc ? cl : OX_LOGICAL, nonneg, err);
}

nq_status ox_op_split(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *x;
  NQ_TRY(ox_input(cx, n, 0, &x, err));
  int64_t axis;
  int ax;
  NQ_TRY(ox_attr_int(cx, n, "axis", 0, &axis, err));
  NQ_TRY(ox_axis(cx, n, axis, x->rank, &ax, err));
  size_t no = n->n_output;
  if (no < 1 || no > 1024)
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "%zu outputs", OX_NODE_ARGS(cx, n), no);
  int64_t *sizes = calloc(no, sizeof *sizes);
  int *outs = calloc(no, sizeof *outs);
  nq_status s = (!sizes || !outs) ? nq_fail(err, NQ_ERR_NOMEM, "out of memory") : NQ_OK;
  int ns = -1;
  if (s == NQ_OK) s = ox_int_list(cx, n, cx->opset < 13 ? "split" : NULL, 1, sizes, (int)no, &ns, err);
  int64_t total = x->dims[ax], sum = 0;
  if (s == NQ_OK && ns < 0) {
    int64_t chunk = (total + (int64_t)no - 1) / (int64_t)no; /* opset 18 num_outputs: last may be smaller */
    for (size_t k = 0; k < no; k++) {
      sizes[k] = total - sum < chunk ? total - sum : chunk;
      sum += sizes[k];
    }
  } else if (s == NQ_OK) {
    if ((size_t)ns != no)
      s = nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "split has %d sizes for %zu outputs", OX_NODE_ARGS(cx, n),
                  ns, no);
    for (size_t k = 0; s == NQ_OK && k < no; k++) {
      if (sizes[k] < 0)
        s = nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "negative split size", OX_NODE_ARGS(cx, n));
      sum += sizes[k];
    }
  }
  if (s == NQ_OK && sum != total)
    s = nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "split sizes add to %lld, axis has %lld", OX_NODE_ARGS(cx, n),
                (long long)sum, (long long)total);
  ox_layout lay = ox_channels_last(x); /* e.g. GLU's x.chunk(2, dim=1) of a 1-D net stays N1LC */
  int xt = -1, st = -1, at = -1;
  char name[512];
  if (s == NQ_OK) s = lay != OX_LOGICAL ? ox_nhwc(cx, x, &xt, err) : ox_logical(cx, x, &xt, err);
  int32_t *s32 = s == NQ_OK ? calloc(no, sizeof *s32) : NULL;
  if (s == NQ_OK && !s32) s = nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  for (size_t k = 0; s == NQ_OK && k < no; k++) s32[k] = (int32_t)sizes[k];
  int32_t no32 = (int32_t)no, pax = ox_phys_axis(lay, x->rank, ax);
  const char *base = n->name && n->name[0] ? n->name : n->output[0];
  if (s == NQ_OK)
    s = ox_const_i32(cx, ox_name(cx, base, "sizes", name, sizeof name), 1, &no32, s32, &st, err);
  if (s == NQ_OK) s = ox_const_i32(cx, ox_name(cx, base, "axis", name, sizeof name), 0, NULL, &pax, &at, err);
  free(s32);
  for (size_t k = 0; s == NQ_OK && k < no; k++) {
    const char *on = n->output[k][0] ? n->output[k] : ox_name(cx, base, "unused", name, sizeof name);
    outs[k] = nq_graph_add_tensor(cx->g, on, NQ_FLOAT32, 0, NULL, err);
    if (outs[k] < 0) s = err->code;
  }
  if (s == NQ_OK) {
    nq_op_params p = nq_op_params_default();
    p.num = (int)no;
    int ins[3] = {xt, st, at};
    int node = nq_graph_add_node(cx->g, NQ_OP_SPLIT_V, base, 3, ins, (int)no, outs, &p, err);
    s = node < 0 ? err->code : nq_infer_node_shapes(cx->g, node, true, err);
  }
  for (size_t k = 0; s == NQ_OK && k < no; k++)
    if (n->output[k][0]) s = set_out(cx, n->output[k], outs[k], lay, x->nonneg, err);
  free(sizes);
  free(outs);
  return s;
}

nq_status ox_op_slice(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *x;
  NQ_TRY(ox_input(cx, n, 0, &x, err));
  int64_t start[NQ_MAX_RANK], step[NQ_MAX_RANK], cnt[NQ_MAX_RANK];
  NQ_TRY(ox_slice_params(cx, n, x->rank, x->dims, start, step, cnt, err));
  /* Channels last kept; a TCN's causal trim x[:, :, :-k] of N1LC data
   * slices IR axis 2, the unit axis 1 is taken whole. */
  ox_layout lay = ox_channels_last(x);
  int xt;
  if (lay != OX_LOGICAL)
    NQ_TRY(ox_nhwc(cx, x, &xt, err));
  else
    NQ_TRY(ox_logical(cx, x, &xt, err));
  int32_t b[NQ_MAX_RANK] = {0}, e[NQ_MAX_RANK] = {0, 1}, st[NQ_MAX_RANK] = {1, 1};
  nq_op_params p = nq_op_params_default();
  for (int k = 0; k < x->rank; k++) {
    int pk = ox_phys_axis(lay, x->rank, k);
    int64_t end = start[k] + cnt[k] * step[k];
    b[pk] = (int32_t)start[k];
    st[pk] = (int32_t)step[k];
    if (cnt[k] == 0) return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "empty slice", OX_NODE_ARGS(cx, n));
    if (end < 0) {
      e[pk] = 0;
      p.end_mask |= 1 << pk;
    } else {
      e[pk] = (int32_t)end;
    }
  }
  const char *base = n->name && n->name[0] ? n->name : n->output[0];
  char name[512];
  int32_t r = lay == OX_N1LC ? 4 : x->rank;
  int bt, et, stt, t;
  NQ_TRY(ox_const_i32(cx, ox_name(cx, base, "begin", name, sizeof name), 1, &r, b, &bt, err));
  NQ_TRY(ox_const_i32(cx, ox_name(cx, base, "end", name, sizeof name), 1, &r, e, &et, err));
  NQ_TRY(ox_const_i32(cx, ox_name(cx, base, "strides", name, sizeof name), 1, &r, st, &stt, err));
  int ins[4] = {xt, bt, et, stt};
  NQ_TRY(ox_emit(cx, NQ_OP_STRIDED_SLICE, n->output[0], 4, ins, &p, &t, err));
  return set_out(cx, n->output[0], t, lay, x->nonneg, err);
}

nq_status ox_op_pad(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *x;
  NQ_TRY(ox_input(cx, n, 0, &x, err));
  char mode[32];
  NQ_TRY(ox_attr_string(cx, n, "mode", "constant", mode, sizeof mode, err));
  int64_t pads[2 * NQ_MAX_RANK];
  int np;
  NQ_TRY(ox_int_list(cx, n, cx->opset < 11 ? (cx->opset < 2 ? "paddings" : "pads") : NULL, 1, pads,
                     2 * NQ_MAX_RANK, &np, err));
  if (np != 2 * x->rank)
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "pads has %d values for rank %d (constant pads needed)",
                   OX_NODE_ARGS(cx, n), np, x->rank);
  float value = 0.0f;
  if (cx->opset < 11)
    NQ_TRY(ox_attr_float(cx, n, "value", 0.0f, &value, err));
  else {
    ox_value *cv = ox_opt_input(cx, n, 2);
    if (cv) {
      if (!cv->is_const || cv->c.n != 1)
        return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "constant_value must be a constant scalar",
                       OX_NODE_ARGS(cx, n));
      value = (float)ox_const_get(&cv->c, 0);
    }
  }
  if (cx->opset >= 18 && ox_opt_input(cx, n, 3))
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "the axes input is not supported",
                   OX_NODE_ARGS(cx, n));
  for (int k = 0; k < np; k++)
    if (pads[k] < 0 || pads[k] > 65536)
      return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "negative or huge pads (%lld)", OX_NODE_ARGS(cx, n),
                     (long long)pads[k]);
  bool none = true; /* all-zero pads (PyTorch writes them before AvgPool1d): no op */
  for (int k = 0; k < np; k++) none = none && pads[k] == 0;
  if (none) return ox_set_alias(cx, n, 0, x, err);
  ox_layout lay = ox_channels_last(x);
  int xt;
  if (lay != OX_LOGICAL)
    NQ_TRY(ox_nhwc(cx, x, &xt, err));
  else
    NQ_TRY(ox_logical(cx, x, &xt, err));
  int ir_rank = lay == OX_N1LC ? 4 : x->rank;
  int32_t pd[2 * NQ_MAX_RANK] = {0};
  for (int k = 0; k < x->rank; k++) {
    int pk = ox_phys_axis(lay, x->rank, k);
    pd[2 * pk] = (int32_t)pads[k];
    pd[2 * pk + 1] = (int32_t)pads[x->rank + k];
  }
  const char *base = n->name && n->name[0] ? n->name : n->output[0];
  char name[512];
  int32_t shape[2] = {ir_rank, 2};
  int pt, t;
  NQ_TRY(ox_const_i32(cx, ox_name(cx, base, "pads", name, sizeof name), 2, shape, pd, &pt, err));
  nq_op_params p = nq_op_params_default();
  if (!strcmp(mode, "reflect")) {
    p.mirror_mode = 0;
    int ins[2] = {xt, pt};
    NQ_TRY(ox_emit(cx, NQ_OP_MIRROR_PAD, n->output[0], 2, ins, &p, &t, err));
  } else if (strcmp(mode, "constant")) {
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "pad mode '%s' (constant and reflect are supported)",
                   OX_NODE_ARGS(cx, n), mode);
  } else if (value == 0.0f) {
    int ins[2] = {xt, pt};
    NQ_TRY(ox_emit(cx, NQ_OP_PAD, n->output[0], 2, ins, &p, &t, err));
  } else {
    int vt;
    NQ_TRY(ox_const_f32(cx, ox_name(cx, base, "value", name, sizeof name), 0, NULL, &value, &vt, err));
    int ins[3] = {xt, pt, vt};
    NQ_TRY(ox_emit(cx, NQ_OP_PADV2, n->output[0], 3, ins, &p, &t, err));
  }
  return set_out(cx, n->output[0], t, lay, x->nonneg && value >= 0, err);
}

nq_status ox_op_resize(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  bool upsample = !strcmp(n->op_type, "Upsample");
  ox_value *x;
  NQ_TRY(ox_input(cx, n, 0, &x, err));
  int rank = x->rank;
  if (rank != 4 && rank != 3)
    return nq_fail(err, NQ_ERR_UNSUPPORTED,
                   OX_NODE_FMT
                   "input of rank %d: only 1-D [N, C, L] and 2-D [N, C, H, W] "
                   "resizing is supported",
                   OX_NODE_ARGS(cx, n), rank);
  /* A 1-D resize is the 2-D one of [N, C, 1, L] (N1LC data). */
  int64_t xd[4] = {x->dims[0], x->dims[1], rank == 4 ? x->dims[2] : 1, rank == 4 ? x->dims[3] : x->dims[2]};
  char mode[32], ctm[40], nm[40];
  NQ_TRY(ox_attr_string(cx, n, "mode", "nearest", mode, sizeof mode, err));
  NQ_TRY(ox_attr_string(cx, n, "coordinate_transformation_mode", "half_pixel", ctm, sizeof ctm, err));
  NQ_TRY(ox_attr_string(cx, n, "nearest_mode", "round_prefer_floor", nm, sizeof nm, err));
  if (upsample || cx->opset < 11) strcpy(ctm, "asymmetric");
  if (upsample || cx->opset < 11) strcpy(nm, "floor");
  int64_t out[4];
  double scale[4];
  ox_value *sz = (!upsample && cx->opset >= 11) ? ox_opt_input(cx, n, 3) : NULL;
  if (sz && sz->is_const && sz->c.n == 0) sz = NULL;
  if (sz) {
    if (!sz->is_const || sz->c.n != (size_t)rank)
      return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "sizes must be a constant of %d values",
                     OX_NODE_ARGS(cx, n), rank);
    for (int k = 0; k < rank; k++) {
      out[k] = ox_const_geti(&sz->c, (size_t)k);
      scale[k] = x->dims[k] ? (double)out[k] / (double)x->dims[k] : 1.0;
    }
  } else {
    float sc[4];
    const Onnx__AttributeProto *a = upsample && cx->opset < 9 ? ox_attr(n, "scales") : NULL;
    if (a) {
      if (a->n_floats != (size_t)rank)
        return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "scales needs %d values", OX_NODE_ARGS(cx, n), rank);
      for (int k = 0; k < rank; k++) sc[k] = a->floats[k];
    } else {
      ox_value *s = ox_opt_input(cx, n, upsample || cx->opset < 11 ? 1 : 2);
      if (!s || !s->is_const || s->c.n != (size_t)rank)
        return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "scales must be a constant of %d values",
                       OX_NODE_ARGS(cx, n), rank);
      for (int k = 0; k < rank; k++) sc[k] = (float)ox_const_get(&s->c, (size_t)k);
    }
    for (int k = 0; k < rank; k++) {
      if (!(sc[k] > 0 && sc[k] < 65536))
        return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "scale %g", OX_NODE_ARGS(cx, n), sc[k]);
      out[k] = (int64_t)floor((double)x->dims[k] * sc[k]);
      scale[k] = sc[k];
    }
  }
  if (rank == 3) { /* L to the W slot, H = 1 unscaled */
    out[3] = out[2];
    scale[3] = scale[2];
    out[2] = 1;
    scale[2] = 1.0;
  }
  if (out[0] != xd[0] || out[1] != xd[1])
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "only spatial (H, W) resizing is supported",
                   OX_NODE_ARGS(cx, n));
  if (out[2] < 1 || out[3] < 1 || out[2] > 65536 || out[3] > 65536)
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "output size %lldx%lld", OX_NODE_ARGS(cx, n),
                   (long long)out[2], (long long)out[3]);
  nq_op_params p = nq_op_params_default();
  nq_op op;
  if (!strcmp(mode, "nearest"))
    op = NQ_OP_RESIZE_NEAREST_NEIGHBOR;
  else if (!strcmp(mode, "linear") || !strcmp(mode, "bilinear"))
    op = NQ_OP_RESIZE_BILINEAR;
  else
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "mode '%s'", OX_NODE_ARGS(cx, n), mode);
  if (!strcmp(ctm, "align_corners"))
    p.align_corners = true;
  else if (!strcmp(ctm, "half_pixel") || !strcmp(ctm, "pytorch_half_pixel") ||
           !strcmp(ctm, "tf_half_pixel_for_nn"))
    p.half_pixel_centers = true;
  else if (strcmp(ctm, "asymmetric"))
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "coordinate_transformation_mode '%s'",
                   OX_NODE_ARGS(cx, n), ctm);
  /* TFLite and ONNX map output coordinates to input ones differently in
   * general; accept only when they agree on every row and column. */
  for (int k = 2; k < 4; k++) {
    int64_t in = xd[k], o_n = out[k];
    double tscale =
        p.align_corners && o_n > 1 ? (double)(in - 1) / (double)(o_n - 1) : (double)in / (double)o_n;
    for (int64_t o = 0; o < o_n; o++) {
      double oc;
      if (!strcmp(ctm, "half_pixel"))
        oc = (o + 0.5) / scale[k] - 0.5;
      else if (!strcmp(ctm, "pytorch_half_pixel"))
        oc = o_n > 1 ? (o + 0.5) / scale[k] - 0.5 : 0.0;
      else if (!strcmp(ctm, "tf_half_pixel_for_nn"))
        oc = (o + 0.5) / scale[k];
      else if (!strcmp(ctm, "align_corners")) /* ONNX divides by in*scale - 1, a float length */
        oc = in * scale[k] > 1.0 ? (double)o * (double)(in - 1) / (in * scale[k] - 1.0) : 0.0;
      else
        oc = o / scale[k];
      bool same;
      if (op == NQ_OP_RESIZE_NEAREST_NEIGHBOR) {
        double r;
        if (!strcmp(nm, "floor"))
          r = floor(oc);
        else if (!strcmp(nm, "ceil"))
          r = ceil(oc);
        else if (!strcmp(nm, "round_prefer_ceil"))
          r = floor(oc + 0.5);
        else
          r = ceil(oc - 0.5);
        int64_t oi = (int64_t)r < 0 ? 0 : (int64_t)r > in - 1 ? in - 1 : (int64_t)r;
        double tc = (o + (p.half_pixel_centers ? 0.5 : 0.0)) * tscale;
        int64_t ti = (int64_t)(p.align_corners ? round(tc) : floor(tc));
        if (ti > in - 1) ti = in - 1;
        same = oi == ti;
      } else {
        double tc = p.half_pixel_centers ? (o + 0.5) * tscale - 0.5 : o * tscale;
        double a = oc < 0 ? 0 : oc > in - 1 ? in - 1 : oc, b = tc < 0 ? 0 : tc > in - 1 ? in - 1 : tc;
        same = fabs(a - b) < 1e-4;
      }
      if (!same)
        return nq_fail(err, NQ_ERR_UNSUPPORTED,
                       OX_NODE_FMT
                       "%s resize with '%s'%s%s from %lld to %lld has no TFLite "
                       "equivalent (sampling positions differ)",
                       OX_NODE_ARGS(cx, n), mode, ctm, op == NQ_OP_RESIZE_NEAREST_NEIGHBOR ? " / " : "",
                       op == NQ_OP_RESIZE_NEAREST_NEIGHBOR ? nm : "", (long long)in, (long long)o_n);
    }
  }
  int xt, st, t;
  NQ_TRY(ox_nhwc(cx, x, &xt, err));
  int32_t hw[2] = {(int32_t)out[2], (int32_t)out[3]}, two = 2;
  const char *base = n->name && n->name[0] ? n->name : n->output[0];
  char name[512];
  NQ_TRY(ox_const_i32(cx, ox_name(cx, base, "size", name, sizeof name), 1, &two, hw, &st, err));
  int ins[2] = {xt, st};
  NQ_TRY(ox_emit(cx, op, n->output[0], 2, ins, &p, &t, err));
  return set_out(cx, n->output[0], t, ox_channels_last_of_rank(rank), x->nonneg, err);
}

nq_status ox_op_gather(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *x, *ix;
  NQ_TRY(ox_input(cx, n, 0, &x, err));
  NQ_TRY(ox_input(cx, n, 1, &ix, err));
  int64_t axis;
  int ax;
  NQ_TRY(ox_attr_int(cx, n, "axis", 0, &axis, err));
  NQ_TRY(ox_axis(cx, n, axis, x->rank, &ax, err));
  int xt, it, t;
  NQ_TRY(ox_logical(cx, x, &xt, err));
  if (ix->is_const) {
    /* Negative indices count from the end. */
    for (size_t k = 0; k < ix->c.n; k++) {
      int64_t q = ox_const_geti(&ix->c, k);
      if (q < 0) q += x->dims[ax];
      if (q < 0 || q >= x->dims[ax])
        return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "index %lld out of range", OX_NODE_ARGS(cx, n),
                       (long long)q);
      if (ix->c.is_int) ix->c.i[k] = q;
    }
  }
  NQ_TRY(ox_logical(cx, ix, &it, err));
  nq_op_params p = nq_op_params_default();
  p.axis = ax;
  int ins[2] = {xt, it};
  NQ_TRY(ox_emit(cx, NQ_OP_GATHER, n->output[0], 2, ins, &p, &t, err));
  return set_out(cx, n->output[0], t, OX_LOGICAL, x->nonneg, err);
}
