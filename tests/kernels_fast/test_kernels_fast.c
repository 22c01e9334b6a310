/*
 * Every fast float kernel against its reference kernel (nq_ref_* called
 * directly) on randomized shapes from a seeded RNG: odd sizes, strides and
 * dilations 1-3, SAME/VALID, depth multipliers 1-3, channel counts that are
 * not multiples of 8, every fused activation (TANH exercises the hand-off to
 * the reference), batch > 1. Each case runs serially (NULL pool) and on a
 * 2-thread pool. Tolerance: 1e-5 relative to the largest output magnitude,
 * none for MEAN/SUM (same order of double sums as the reference). The
 * bound of the fast exp inside LOGISTIC is checked by test_fast_math.
 * Registered twice: as is (auto), and with --kernels portable.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "exec/float/fast.h"
#include "exec/float/ref.h"
#include "exec/threadpool.h"
#include "kernels_arg.h"
#include "testutil.h"

typedef struct tcase {
  nq_op op;
  nq_graph *graph; /* optional: a one-node graph telling which inputs are constants */
  nq_op_params p;
  int n_in;
  nq_tview in[3];
  nq_tview out;
  bool exact; /* the fast kernel claims the reference's bits */
  char desc[200];
} tcase;

static nq_tview make_view(nq_rng *r, int rank, const int32_t *shape, float lo, float hi) {
  nq_tview v;
  memset(&v, 0, sizeof v);
  v.type = NQ_FLOAT32;
  v.rank = rank;
  for (int i = 0; i < rank; i++) v.shape[i] = shape[i];
  size_t n = nq_tview_elems(&v);
  float *d = malloc((n ? n : 1) * sizeof(float));
  for (size_t i = 0; i < n; i++) d[i] = r ? nq_rng_uniform(r, lo, hi) : 0.0f;
  v.data = d;
  return v;
}

static void free_case(tcase *c) {
  for (int i = 0; i < c->n_in; i++) free(c->in[i].data);
  free(c->out.data);
  nq_graph_free(c->graph);
}

static nq_kernel_args make_args(tcase *c, const nq_node *node, nq_tview *out) {
  nq_kernel_args a;
  memset(&a, 0, sizeof a);
  a.node = node;
  if (c->graph) { /* weights are constants only if the graph says so */
    a.graph = c->graph;
    a.node = &c->graph->nodes[0];
  }
  a.node_index = 0;
  a.p = &c->p;
  a.n_in = c->n_in;
  a.in = c->in;
  a.n_out = 1;
  a.out = out;
  return a;
}

static nq_status run_ref(tcase *c, const nq_kernel_args *a, nq_error *err) {
  switch (c->op) {
    case NQ_OP_CONV_2D:
      return nq_ref_conv2d(a, err);
    case NQ_OP_DEPTHWISE_CONV_2D:
      return nq_ref_depthwise_conv2d(a, err);
    case NQ_OP_FULLY_CONNECTED:
      return nq_ref_fully_connected(a, err);
    case NQ_OP_AVERAGE_POOL_2D:
      return nq_ref_average_pool(a, err);
    case NQ_OP_MAX_POOL_2D:
      return nq_ref_max_pool(a, err);
    case NQ_OP_ADD:
    case NQ_OP_SUB:
    case NQ_OP_MUL:
      return nq_ref_binary(a, err);
    case NQ_OP_RESIZE_BILINEAR:
      return nq_ref_resize(a, err);
    case NQ_OP_RELU:
    case NQ_OP_RELU6:
    case NQ_OP_RELU_N1_TO_1:
    case NQ_OP_LEAKY_RELU:
    case NQ_OP_HARD_SWISH:
    case NQ_OP_LOGISTIC:
      return nq_ref_activation(a, err);
    case NQ_OP_PRELU:
      return nq_ref_binary(a, err);
    case NQ_OP_PAD:
    case NQ_OP_PADV2:
      return nq_ref_pad(a, err);
    case NQ_OP_MEAN:
    case NQ_OP_SUM: {
      nq_kernel_args ra = *a;
      ra.scratch = malloc(nq_ref_reduce_scratch(a) + 8);
      nq_status s = nq_ref_reduce(&ra, err);
      free(ra.scratch);
      return s;
    }
    default:
      return NQ_ERR_INTERNAL;
  }
}

/* prepare + scratch + run + release, as the engine does it. */
static nq_status run_fast(tcase *c, nq_kernel_args *a, nq_threadpool *pool, nq_error *err) {
  const nq_kernel *k = &nq_float_kernels_fast[c->op];
  if (!k->run) return nq_fail(err, NQ_ERR_INTERNAL, "no fast kernel for %s", nq_op_name(c->op));
  a->pool = pool;
  void *prep = NULL;
  if (k->prepare) NQ_TRY(k->prepare(a, &prep, err));
  a->prepared = prep;
  size_t ss = k->scratch ? k->scratch(a) : 0;
  a->scratch = ss ? aligned_alloc(64, (ss + 63) / 64 * 64) : NULL;
  a->scratch_size = ss;
  nq_status s = k->run(a, err);
  /* A second run on the same prepared data must give the same result. */
  if (s == NQ_OK) s = k->run(a, err);
  free(a->scratch);
  if (prep) {
    if (k->release)
      k->release(prep);
    else
      free(prep);
  }
  return s;
}

static int n_cases;

static void check_case(tcase *c, nq_threadpool *pool2) {
  nq_node node;
  memset(&node, 0, sizeof node);
  node.op = c->op;
  nq_error err;
  memset(&err, 0, sizeof err);
  size_t n = nq_tview_elems(&c->out);
  nq_tview ref_out = c->out, fast_out = c->out;
  ref_out.data = calloc(n ? n : 1, sizeof(float));
  fast_out.data = malloc((n ? n : 1) * sizeof(float));
  nq_kernel_args ra = make_args(c, &node, &ref_out);
  nq_status s = run_ref(c, &ra, &err);
  CHECKF(s == NQ_OK, "%s: reference failed: %s", c->desc, err.msg);
  float mag = 0.0f;
  for (size_t i = 0; i < n; i++) mag = fmaxf(mag, fabsf(((float *)ref_out.data)[i]));
  float tol = c->exact ? 0.0f : 1e-5f * fmaxf(mag, 1e-3f);
  nq_threadpool *pools[2] = {NULL, pool2};
  for (int pi = 0; pi < 2; pi++) {
    for (size_t i = 0; i < n; i++) ((float *)fast_out.data)[i] = NAN; /* every output must be written */
    nq_kernel_args fa = make_args(c, &node, &fast_out);
    s = run_fast(c, &fa, pools[pi], &err);
    CHECKF(s == NQ_OK, "%s: fast kernel failed: %s", c->desc, err.msg);
    if (s != NQ_OK) continue;
    size_t bad = n;
    float worst = 0.0f;
    for (size_t i = 0; i < n; i++) {
      float d = fabsf(((float *)fast_out.data)[i] - ((float *)ref_out.data)[i]);
      if (!(d <= tol)) {
        if (bad == n) bad = i;
        if (!(d <= worst)) worst = d;
      }
    }
    CHECKF(bad == n, "%s (%s pool): output %zu is %g, reference %g (worst diff %g, tol %g)", c->desc,
           pi ? "2-thread" : "no", bad, bad < n ? ((float *)fast_out.data)[bad] : 0.0f,
           bad < n ? ((float *)ref_out.data)[bad] : 0.0f, worst, tol);
  }
  free(ref_out.data);
  free(fast_out.data);
  n_cases++;
}

static nq_activation rand_act(nq_rng *r) {
  static const nq_activation acts[] = {NQ_ACT_NONE, NQ_ACT_RELU, NQ_ACT_RELU6, NQ_ACT_RELU_N1_TO_1,
                                       NQ_ACT_NONE, NQ_ACT_RELU, NQ_ACT_TANH};
  return acts[nq_rng_int(r, 0, 6)];
}

/* TFLite output size; <= 0 when the window does not fit (VALID). */
static int out_size(nq_padding pad, int in, int filter, int stride, int dil) {
  int eff = (filter - 1) * dil + 1;
  if (pad == NQ_PAD_SAME) return (in + stride - 1) / stride;
  return in - eff + 1 <= 0 ? 0 : (in - eff + stride) / stride;
}

/* One random spatial setup shared by conv, depthwise and pools. */
typedef struct spatial {
  int n, h, w, kh, kw, sh, sw, dh, dw, oh, ow;
  nq_padding pad;
} spatial;

static spatial rand_spatial(nq_rng *r, int max_hw, int max_k, int dilate) {
  spatial s;
  do {
    s.n = nq_rng_int(r, 1, 3) == 3 ? 2 : 1;
    s.h = nq_rng_int(r, 1, max_hw);
    s.w = nq_rng_int(r, 1, max_hw);
    s.kh = nq_rng_int(r, 1, max_k);
    s.kw = nq_rng_int(r, 1, max_k);
    s.sh = nq_rng_int(r, 1, 3);
    s.sw = nq_rng_int(r, 1, 3);
    s.dh = dilate ? nq_rng_int(r, 1, 3) : 1;
    s.dw = dilate ? nq_rng_int(r, 1, 3) : 1;
    s.pad = nq_rng_int(r, 0, 1) ? NQ_PAD_SAME : NQ_PAD_VALID;
    s.oh = out_size(s.pad, s.h, s.kh, s.sh, s.dh);
    s.ow = out_size(s.pad, s.w, s.kw, s.sw, s.dw);
  } while (s.oh <= 0 || s.ow <= 0);
  return s;
}

static void set_spatial_params(tcase *c, const spatial *s) {
  c->p = nq_op_params_default();
  c->p.padding = s->pad;
  c->p.stride_h = s->sh;
  c->p.stride_w = s->sw;
  c->p.dilation_h = s->dh;
  c->p.dilation_w = s->dw;
}

static void conv_case(nq_rng *r, nq_threadpool *pool, const spatial *s, int cin, int cout) {
  tcase c;
  memset(&c, 0, sizeof c);
  c.op = NQ_OP_CONV_2D;
  set_spatial_params(&c, s);
  c.p.act = rand_act(r);
  int has_bias = nq_rng_int(r, 0, 4) != 0;
  c.n_in = 3;
  c.in[0] = make_view(r, 4, (int32_t[]){s->n, s->h, s->w, cin}, -1, 1);
  c.in[1] = make_view(r, 4, (int32_t[]){cout, s->kh, s->kw, cin}, -1, 1);
  c.in[2] = make_view(has_bias ? r : NULL, 1, (int32_t[]){cout}, -1, 1);
  if (!has_bias) {
    free(c.in[2].data);
    c.in[2].data = NULL;
  }
  c.out = make_view(NULL, 4, (int32_t[]){s->n, s->oh, s->ow, cout}, 0, 0);
  snprintf(c.desc, sizeof c.desc,
           "CONV_2D in %dx%dx%dx%d filter %dx%dx%dx%d stride %d,%d dil %d,%d %s act %d bias %d", s->n, s->h,
           s->w, cin, cout, s->kh, s->kw, cin, s->sh, s->sw, s->dh, s->dw,
           s->pad == NQ_PAD_SAME ? "SAME" : "VALID", (int)c.p.act, has_bias);
  check_case(&c, pool);
  /* Again with weights that are not graph constants (computed at run time,
   * e.g. dequantized float16): the fast kernel packs them per run. */
  nq_error err;
  c.graph = nq_graph_new();
  int t[4];
  for (int i = 0; i < 3; i++)
    t[i] = nq_graph_add_tensor(c.graph, NULL, NQ_FLOAT32, c.in[i].rank, c.in[i].shape, &err);
  t[3] = nq_graph_add_tensor(c.graph, NULL, NQ_FLOAT32, 4, c.out.shape, &err);
  int ins[3] = {t[0], t[1], has_bias ? t[2] : -1};
  CHECK(nq_graph_add_node(c.graph, NQ_OP_CONV_2D, NULL, 3, ins, 1, &t[3], &c.p, &err) == 0);
  strncat(c.desc, " (run-time weights)", sizeof c.desc - strlen(c.desc) - 1);
  check_case(&c, pool);
  free_case(&c);
}

static void dw_case(nq_rng *r, nq_threadpool *pool, const spatial *s, int cin, int mult) {
  tcase c;
  memset(&c, 0, sizeof c);
  c.op = NQ_OP_DEPTHWISE_CONV_2D;
  set_spatial_params(&c, s);
  c.p.act = rand_act(r);
  c.p.depth_multiplier = mult;
  int oc = cin * mult, has_bias = nq_rng_int(r, 0, 4) != 0;
  c.n_in = 3;
  c.in[0] = make_view(r, 4, (int32_t[]){s->n, s->h, s->w, cin}, -1, 1);
  c.in[1] = make_view(r, 4, (int32_t[]){1, s->kh, s->kw, oc}, -1, 1);
  c.in[2] = make_view(r, 1, (int32_t[]){oc}, -1, 1);
  if (!has_bias) {
    free(c.in[2].data);
    c.in[2].data = NULL;
  }
  c.out = make_view(NULL, 4, (int32_t[]){s->n, s->oh, s->ow, oc}, 0, 0);
  snprintf(c.desc, sizeof c.desc,
           "DEPTHWISE_CONV_2D in %dx%dx%dx%d filter %dx%d mult %d stride %d,%d dil %d,%d %s act %d", s->n,
           s->h, s->w, cin, s->kh, s->kw, mult, s->sh, s->sw, s->dh, s->dw,
           s->pad == NQ_PAD_SAME ? "SAME" : "VALID", (int)c.p.act);
  check_case(&c, pool);
  free_case(&c);
}

static void pool_case(nq_rng *r, nq_threadpool *pool, nq_op op, const spatial *s, int ch) {
  tcase c;
  memset(&c, 0, sizeof c);
  c.op = op;
  set_spatial_params(&c, s);
  c.p.dilation_h = c.p.dilation_w = 1;
  c.p.filter_h = s->kh;
  c.p.filter_w = s->kw;
  c.p.act = rand_act(r);
  c.n_in = 1;
  c.in[0] = make_view(r, 4, (int32_t[]){s->n, s->h, s->w, ch}, -3, 3);
  c.out = make_view(NULL, 4, (int32_t[]){s->n, s->oh, s->ow, ch}, 0, 0);
  snprintf(c.desc, sizeof c.desc, "%s in %dx%dx%dx%d filter %dx%d stride %d,%d %s act %d", nq_op_name(op),
           s->n, s->h, s->w, ch, s->kh, s->kw, s->sh, s->sw, s->pad == NQ_PAD_SAME ? "SAME" : "VALID",
           (int)c.p.act);
  check_case(&c, pool);
  free_case(&c);
}

static void fc_case(nq_rng *r, nq_threadpool *pool, int batch, int k, int n, int rank4) {
  tcase c;
  memset(&c, 0, sizeof c);
  c.op = NQ_OP_FULLY_CONNECTED;
  c.p = nq_op_params_default();
  c.p.act = rand_act(r);
  int has_bias = nq_rng_int(r, 0, 3) != 0;
  c.n_in = 3;
  if (rank4)
    c.in[0] = make_view(r, 4, (int32_t[]){batch, 1, 1, k}, -1, 1);
  else
    c.in[0] = make_view(r, 2, (int32_t[]){batch, k}, -1, 1);
  c.in[1] = make_view(r, 2, (int32_t[]){n, k}, -1, 1);
  c.in[2] = make_view(r, 1, (int32_t[]){n}, -1, 1);
  if (!has_bias) {
    free(c.in[2].data);
    c.in[2].data = NULL;
  }
  c.out = make_view(NULL, 2, (int32_t[]){batch, n}, 0, 0);
  snprintf(c.desc, sizeof c.desc, "FULLY_CONNECTED batch %d in %d out %d act %d bias %d", batch, k, n,
           (int)c.p.act, has_bias);
  check_case(&c, pool);
  free_case(&c);
}

/* Element-wise op. bcast: 0 same shapes; 1 y's first dim is 1 (the
 * hand-off to the reference unless that is y's only non-trivial dim); 2 y
 * is the output's innermost dims (a channel vector: the fast broadcast); 3
 * y is a single value; 4 and 5 the same as 2 and 3 with the operands
 * swapped (SUB's order matters). */
static void ew_case(nq_rng *r, nq_threadpool *pool, nq_op op, int rank, const int32_t *shape, int bcast) {
  tcase c;
  memset(&c, 0, sizeof c);
  c.op = op;
  c.p = nq_op_params_default();
  c.p.act = rand_act(r);
  c.n_in = 2;
  c.in[0] = make_view(r, rank, shape, -4, 4);
  int32_t ys[NQ_MAX_RANK] = {0};
  int yrank = rank;
  for (int i = 0; i < rank; i++) ys[i] = (bcast == 1 && i == 0) ? 1 : shape[i];
  if (bcast == 2 || bcast == 4) { /* innermost dims: the last one or two */
    int keep = rank > 1 && shape[rank - 1] < 5 ? 2 : 1;
    yrank = keep;
    for (int i = 0; i < keep; i++) ys[i] = shape[rank - keep + i];
  } else if (bcast == 3 || bcast == 5) {
    yrank = 1;
    ys[0] = 1;
  }
  c.in[1] = make_view(r, yrank, ys, -4, 4);
  if (bcast >= 4) { /* the broadcast operand first */
    nq_tview t = c.in[0];
    c.in[0] = c.in[1];
    c.in[1] = t;
  }
  c.out = make_view(NULL, rank, shape, 0, 0);
  snprintf(c.desc, sizeof c.desc, "%s rank %d, %zu elements, broadcast %d, act %d", nq_op_name(op), rank,
           nq_tview_elems(&c.out), bcast, (int)c.p.act);
  check_case(&c, pool);
  free_case(&c);
}

static void act_case(nq_rng *r, nq_threadpool *pool, nq_op op, int rank, const int32_t *shape) {
  tcase c;
  memset(&c, 0, sizeof c);
  c.op = op;
  c.p = nq_op_params_default();
  c.p.alpha = 0.2f;
  c.n_in = 1;
  c.in[0] = make_view(r, rank, shape, -8, 8);
  c.out = make_view(NULL, rank, shape, 0, 0);
  snprintf(c.desc, sizeof c.desc, "%s rank %d, %zu elements", nq_op_name(op), rank, nq_tview_elems(&c.out));
  check_case(&c, pool);
  free_case(&c);
}

/* MEAN/SUM over a random run of axes (sometimes not contiguous, which the
 * fast kernel hands to the reference); results must be the reference's bits. */
static void reduce_case(nq_rng *r, nq_threadpool *pool, nq_op op, int rank, const int32_t *shape, int first,
                        int count, bool gap) {
  tcase c;
  memset(&c, 0, sizeof c);
  c.op = op;
  c.p = nq_op_params_default();
  c.exact = true;
  c.n_in = 2;
  c.in[0] = make_view(r, rank, shape, -4, 4);
  int32_t *axes = malloc(4 * sizeof(int32_t));
  int na = 0;
  for (int k = 0; k < count; k++) axes[na++] = first + k;
  if (gap && first + count + 1 < rank) axes[na++] = first + count + 1;
  for (int k = 0; k < na; k++)
    if (nq_rng_int(r, 0, 1)) axes[k] -= rank; /* negative axes too */
  memset(&c.in[1], 0, sizeof c.in[1]);
  c.in[1].type = NQ_INT32;
  c.in[1].rank = 1;
  c.in[1].shape[0] = na;
  c.in[1].data = axes;
  int32_t oshape[4];
  for (int d = 0; d < rank; d++) oshape[d] = shape[d];
  for (int k = 0; k < na; k++) oshape[axes[k] < 0 ? axes[k] + rank : axes[k]] = 1;
  c.out = make_view(NULL, rank, oshape, 0, 0);
  snprintf(c.desc, sizeof c.desc, "%s rank %d, %zu elements, axes from %d, %d of them%s", nq_op_name(op),
           rank, nq_tview_elems(&c.in[0]), first, na, gap ? " (gap)" : "");
  check_case(&c, pool);
  free_case(&c);
}

/* PRELU with per-channel alpha ([1, 1, C] or [C]) or alpha of x's shape. */
static void prelu_case(nq_rng *r, nq_threadpool *pool, int rank, const int32_t *shape, int per_channel) {
  tcase c;
  memset(&c, 0, sizeof c);
  c.op = NQ_OP_PRELU;
  c.p = nq_op_params_default();
  c.n_in = 2;
  c.in[0] = make_view(r, rank, shape, -4, 4);
  if (per_channel) {
    int32_t as[3] = {1, 1, shape[rank - 1]};
    int ar = rank >= 3 ? 3 : 1;
    c.in[1] = make_view(r, ar, ar == 3 ? as : as + 2, -1, 1);
  } else {
    c.in[1] = make_view(r, rank, shape, -1, 1);
  }
  c.out = make_view(NULL, rank, shape, 0, 0);
  snprintf(c.desc, sizeof c.desc, "PRELU rank %d, %zu elements, per-channel %d", rank, nq_tview_elems(&c.out),
           per_channel);
  check_case(&c, pool);
  free_case(&c);
}

/* PAD / PADV2 of a float tensor with random non-negative paddings. */
static void pad_case(nq_rng *r, nq_threadpool *pool, nq_op op, int rank) {
  tcase c;
  memset(&c, 0, sizeof c);
  c.op = op;
  c.p = nq_op_params_default();
  int32_t in_shape[NQ_MAX_RANK], out_shape[NQ_MAX_RANK];
  int32_t *pads = malloc(2 * (size_t)rank * sizeof(int32_t));
  for (int d = 0; d < rank; d++) {
    in_shape[d] = nq_rng_int(r, 1, 7);
    pads[2 * d] = nq_rng_int(r, 0, 3);
    pads[2 * d + 1] = nq_rng_int(r, 0, 3);
    out_shape[d] = in_shape[d] + pads[2 * d] + pads[2 * d + 1];
  }
  c.n_in = op == NQ_OP_PADV2 ? 3 : 2;
  c.in[0] = make_view(r, rank, in_shape, -2, 2);
  memset(&c.in[1], 0, sizeof c.in[1]);
  c.in[1].type = NQ_INT32;
  c.in[1].rank = 2;
  c.in[1].shape[0] = rank;
  c.in[1].shape[1] = 2;
  c.in[1].data = pads;
  if (op == NQ_OP_PADV2) c.in[2] = make_view(r, 0, NULL, -5, 5); /* scalar fill */
  c.out = make_view(NULL, rank, out_shape, 0, 0);
  snprintf(c.desc, sizeof c.desc, "%s rank %d, %zu -> %zu elements", nq_op_name(op), rank,
           nq_tview_elems(&c.in[0]), nq_tview_elems(&c.out));
  check_case(&c, pool);
  free_case(&c);
}

static void resize_case(nq_rng *r, nq_threadpool *pool, int n, int h, int w, int c, int oh, int ow,
                        bool align, bool half) {
  tcase t;
  memset(&t, 0, sizeof t);
  t.op = NQ_OP_RESIZE_BILINEAR;
  t.p = nq_op_params_default();
  t.p.align_corners = align;
  t.p.half_pixel_centers = half;
  t.n_in = 1;
  t.in[0] = make_view(r, 4, (int32_t[]){n, h, w, c}, -2, 2);
  t.out = make_view(NULL, 4, (int32_t[]){n, oh, ow, c}, 0, 0);
  snprintf(t.desc, sizeof t.desc, "RESIZE_BILINEAR %dx%dx%dx%d -> %dx%d align %d half %d", n, h, w, c, oh, ow,
           align, half);
  check_case(&t, pool);
  free_case(&t);
}

/* Negative: a fast kernel's prepare rejects operands the reference rejects
 * (here an int32 input to CONV_2D), naming the node, instead of running. */
static void check_rejects_wrong_type(nq_rng *r) {
  tcase c;
  memset(&c, 0, sizeof c);
  c.op = NQ_OP_CONV_2D;
  c.p = nq_op_params_default();
  c.n_in = 2;
  c.in[0] = make_view(r, 4, (int32_t[]){1, 4, 4, 2}, -1, 1);
  c.in[0].type = NQ_INT32;
  c.in[1] = make_view(r, 4, (int32_t[]){3, 1, 1, 2}, -1, 1);
  c.out = make_view(NULL, 4, (int32_t[]){1, 4, 4, 3}, 0, 0);
  nq_node node;
  memset(&node, 0, sizeof node);
  node.op = c.op;
  nq_kernel_args a = make_args(&c, &node, &c.out);
  nq_error err;
  memset(&err, 0, sizeof err);
  void *prep = NULL;
  nq_status s = nq_float_kernels_fast[NQ_OP_CONV_2D].prepare(&a, &prep, &err);
  CHECKF(s == NQ_ERR_UNSUPPORTED && prep == NULL, "int32 CONV_2D input: prepare gave %d", (int)s);
  CHECKF(strstr(err.msg, "CONV_2D") != NULL, "message does not name the op: %s", err.msg);
  free_case(&c);
}

int main(int argc, char **argv) {
  nq_test_enter_kernels(argc, argv);
  nq_rng r = {0x5eed1234abcdULL};
  nq_threadpool *pool = nq_threadpool_create(2);
  check_rejects_wrong_type(&r);
  CHECK(pool != NULL);
  for (int i = 0; i < 160; i++) {
    spatial s = rand_spatial(&r, 13, 5, 1);
    conv_case(&r, pool, &s, nq_rng_int(&r, 1, 19), nq_rng_int(&r, 1, 37));
  }
  /* 1x1 stride 1 (the direct GEMM) and larger layers that span many tiles
   * and panels, so both thread splits run. */
  for (int i = 0; i < 12; i++) {
    spatial s = {.n = 1 + i % 2,
                 .h = 5 + i,
                 .w = 7 + i,
                 .kh = 1,
                 .kw = 1,
                 .sh = 1,
                 .sw = 1,
                 .dh = 1,
                 .dw = 1,
                 .pad = i % 2 ? NQ_PAD_SAME : NQ_PAD_VALID};
    s.oh = s.h;
    s.ow = s.w;
    conv_case(&r, pool, &s, nq_rng_int(&r, 1, 70), nq_rng_int(&r, 1, 90));
  }
  {
    spatial s = {.n = 1,
                 .h = 24,
                 .w = 24,
                 .kh = 3,
                 .kw = 3,
                 .sh = 1,
                 .sw = 1,
                 .dh = 1,
                 .dw = 1,
                 .pad = NQ_PAD_SAME,
                 .oh = 24,
                 .ow = 24};
    conv_case(&r, pool, &s, 32, 64);
    spatial t = {.n = 1,
                 .h = 3,
                 .w = 3,
                 .kh = 3,
                 .kw = 3,
                 .sh = 1,
                 .sw = 1,
                 .dh = 1,
                 .dw = 1,
                 .pad = NQ_PAD_SAME,
                 .oh = 3,
                 .ow = 3};
    conv_case(&r, pool, &t, 40, 200);
  }
  for (int i = 0; i < 160; i++) {
    spatial s = rand_spatial(&r, 13, 5, 1);
    int mult = nq_rng_int(&r, 1, 4) == 4 ? nq_rng_int(&r, 2, 3) : 1;
    dw_case(&r, pool, &s, nq_rng_int(&r, 1, 75), mult);
  }
  for (int i = 0; i < 120; i++) {
    spatial s = rand_spatial(&r, 13, 4, 0);
    nq_op op = i % 2 ? NQ_OP_MAX_POOL_2D : NQ_OP_AVERAGE_POOL_2D;
    pool_case(&r, pool, op, &s, nq_rng_int(&r, 1, 75));
  }
  for (int i = 0; i < 80; i++)
    fc_case(&r, pool, nq_rng_int(&r, 1, 3) == 3 ? nq_rng_int(&r, 2, 20) : 1, nq_rng_int(&r, 1, 300),
            nq_rng_int(&r, 1, 70), i % 3 == 0);
  fc_case(&r, pool, 1, 256, 1001, 0);
  fc_case(&r, pool, 40, 64, 96, 1);
  const nq_op ew_ops[3] = {NQ_OP_ADD, NQ_OP_SUB, NQ_OP_MUL};
  for (int i = 0; i < 30; i++) {
    int rank = nq_rng_int(&r, 1, 4);
    int32_t shape[4];
    for (int d = 0; d < rank; d++) shape[d] = nq_rng_int(&r, 1, d == rank - 1 ? 70 : 9);
    ew_case(&r, pool, ew_ops[i % 3], rank, shape, i % 5 == 4 && shape[0] > 1);
  }
  for (int i = 0; i < 60; i++) {
    int rank = nq_rng_int(&r, 1, 4);
    int32_t shape[4];
    for (int d = 0; d < rank; d++) shape[d] = nq_rng_int(&r, 1, d == rank - 1 ? 70 : 9);
    ew_case(&r, pool, ew_ops[i % 3], rank, shape, 2 + (i / 3) % 4);
  }
  ew_case(&r, pool, NQ_OP_MUL, 4, (int32_t[]){1, 40, 40, 72}, 2); /* SE scale, several threaded chunks */
  ew_case(&r, pool, NQ_OP_SUB, 4, (int32_t[]){1, 40, 40, 72}, 4);
  ew_case(&r, pool, NQ_OP_ADD, 4, (int32_t[]){1, 40, 40, 72}, 3);
  ew_case(&r, pool, NQ_OP_ADD, 4, (int32_t[]){1, 33, 33, 64}, 0); /* several threaded chunks */
  for (int i = 0; i < 24; i++) {
    bool align = i % 3 == 1, half = i % 3 == 2;
    resize_case(&r, pool, nq_rng_int(&r, 1, 2), nq_rng_int(&r, 1, 9), nq_rng_int(&r, 1, 9),
                nq_rng_int(&r, 1, 37), nq_rng_int(&r, 1, 20), nq_rng_int(&r, 1, 20), align, half);
  }
  resize_case(&r, pool, 1, 33, 33, 21, 257, 257, true, false); /* DeepLab's last layer */
  const nq_op acts[6] = {NQ_OP_RELU,       NQ_OP_RELU6,      NQ_OP_RELU_N1_TO_1,
                         NQ_OP_LEAKY_RELU, NQ_OP_HARD_SWISH, NQ_OP_LOGISTIC};
  for (int i = 0; i < 12; i++)
    act_case(&r, pool, acts[i % 6], 2, (int32_t[]){nq_rng_int(&r, 1, 5), nq_rng_int(&r, 1, 300)});
  for (int i = 0; i < 6; i++) act_case(&r, pool, acts[i], 4, (int32_t[]){1, 64, 64, 19}); /* threaded */
  for (int i = 0; i < 8; i++)
    prelu_case(&r, pool, i % 2 ? 4 : 2, i % 2 ? (int32_t[]){1, 5, 7, 19} : (int32_t[]){3, 37}, i % 4 < 2);
  prelu_case(&r, pool, 4, (int32_t[]){1, 64, 64, 24}, 1); /* threaded, chunks cut mid-row */
  for (int i = 0; i < 24; i++) {
    int rank = nq_rng_int(&r, 1, 4), first = nq_rng_int(&r, 0, rank - 1);
    int32_t shape[4];
    for (int d = 0; d < rank; d++) shape[d] = nq_rng_int(&r, 1, d == rank - 1 ? 90 : 12);
    reduce_case(&r, pool, i % 2 ? NQ_OP_SUM : NQ_OP_MEAN, rank, shape, first, nq_rng_int(&r, 1, rank - first),
                i % 6 == 5);
  }
  reduce_case(&r, pool, NQ_OP_MEAN, 4, (int32_t[]){1, 56, 56, 200}, 1, 2, false); /* SE pool, threaded */
  reduce_case(&r, pool, NQ_OP_MEAN, 4, (int32_t[]){2, 7, 7, 1280}, 1, 2, false);
  for (int i = 0; i < 20; i++) pad_case(&r, pool, i % 3 ? NQ_OP_PAD : NQ_OP_PADV2, 1 + i % 5);
  nq_threadpool_free(pool);
  printf("%d cases\n", n_cases);
  return nq_test_finish("test_kernels_fast");
}
