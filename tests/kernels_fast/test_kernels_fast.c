/*
 * Every fast float kernel against its reference kernel (nq_ref_* called
 * directly) on randomized shapes from a seeded RNG: odd sizes, strides and
 * dilations 1-3, SAME/VALID, depth multipliers 1-3, channel counts that are
 * not multiples of 8, every fused activation (TANH exercises the hand-off to
 * the reference), batch > 1. Each case runs serially (NULL pool) and on a
 * 2-thread pool. Tolerance: 1e-5 relative to the largest output magnitude.
 * Registered twice: as is, and with NQ_FAST_PORTABLE=1 (portable kernels).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "exec/float/fast.h"
#include "exec/float/ref.h"
#include "exec/threadpool.h"
#include "testutil.h"

typedef struct tcase {
  nq_op op;
  nq_op_params p;
  int n_in;
  nq_tview in[3];
  nq_tview out;
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
}

static nq_kernel_args make_args(tcase *c, const nq_node *node, nq_tview *out) {
  nq_kernel_args a;
  memset(&a, 0, sizeof a);
  a.node = node;
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
  case NQ_OP_CONV_2D: return nq_ref_conv2d(a, err);
  case NQ_OP_DEPTHWISE_CONV_2D: return nq_ref_depthwise_conv2d(a, err);
  case NQ_OP_FULLY_CONNECTED: return nq_ref_fully_connected(a, err);
  case NQ_OP_AVERAGE_POOL_2D: return nq_ref_average_pool(a, err);
  case NQ_OP_MAX_POOL_2D: return nq_ref_max_pool(a, err);
  default: return NQ_ERR_INTERNAL;
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
  float tol = 1e-5f * fmaxf(mag, 1e-3f);
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
           "CONV_2D in %dx%dx%dx%d filter %dx%dx%dx%d stride %d,%d dil %d,%d %s act %d bias %d",
           s->n, s->h, s->w, cin, cout, s->kh, s->kw, cin, s->sh, s->sw, s->dh, s->dw,
           s->pad == NQ_PAD_SAME ? "SAME" : "VALID", (int)c.p.act, has_bias);
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
           "DEPTHWISE_CONV_2D in %dx%dx%dx%d filter %dx%d mult %d stride %d,%d dil %d,%d %s act %d",
           s->n, s->h, s->w, cin, s->kh, s->kw, mult, s->sh, s->sw, s->dh, s->dw,
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
  snprintf(c.desc, sizeof c.desc, "%s in %dx%dx%dx%d filter %dx%d stride %d,%d %s act %d",
           nq_op_name(op), s->n, s->h, s->w, ch, s->kh, s->kw, s->sh, s->sw,
           s->pad == NQ_PAD_SAME ? "SAME" : "VALID", (int)c.p.act);
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
  snprintf(c.desc, sizeof c.desc, "FULLY_CONNECTED batch %d in %d out %d act %d bias %d", batch, k,
           n, (int)c.p.act, has_bias);
  check_case(&c, pool);
  free_case(&c);
}

int main(void) {
  nq_rng r = {0x5eed1234abcdULL};
  nq_threadpool *pool = nq_threadpool_create(2);
  CHECK(pool != NULL);
  for (int i = 0; i < 160; i++) {
    spatial s = rand_spatial(&r, 13, 5, 1);
    conv_case(&r, pool, &s, nq_rng_int(&r, 1, 19), nq_rng_int(&r, 1, 37));
  }
  /* 1x1 stride 1 (the direct GEMM) and larger layers that span many tiles
   * and panels, so both thread splits run. */
  for (int i = 0; i < 12; i++) {
    spatial s = {.n = 1 + i % 2, .h = 5 + i, .w = 7 + i, .kh = 1, .kw = 1, .sh = 1, .sw = 1,
                 .dh = 1, .dw = 1, .pad = i % 2 ? NQ_PAD_SAME : NQ_PAD_VALID};
    s.oh = s.h;
    s.ow = s.w;
    conv_case(&r, pool, &s, nq_rng_int(&r, 1, 70), nq_rng_int(&r, 1, 90));
  }
  {
    spatial s = {.n = 1, .h = 24, .w = 24, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .dh = 1, .dw = 1,
                 .pad = NQ_PAD_SAME, .oh = 24, .ow = 24};
    conv_case(&r, pool, &s, 32, 64);
    spatial t = {.n = 1, .h = 3, .w = 3, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .dh = 1, .dw = 1,
                 .pad = NQ_PAD_SAME, .oh = 3, .ow = 3};
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
  nq_threadpool_free(pool);
  printf("%d cases\n", n_cases);
  return nq_test_finish("test_kernels_fast");
}
