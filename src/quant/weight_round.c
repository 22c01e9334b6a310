#include "quant/weight_round.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "exec/engine.h"
#include "quant/input_moments.h"

#define QMAX 127
/* Clip factors tried: 1, 1 - CLIP_STEP, ..., down to CLIP_LOWEST. */
#define CLIP_STEP 0.02
#define CLIP_LOWEST 0.5
/* AdaRound: rectified sigmoid stretch, regulariser weight and schedule
 * (no regulariser in the first fifth, then beta from 20 down to 2), Adam. */
#define ZETA 1.1f
#define GAMMA -0.1f
#define LAMBDA 1.0f
#define WARMUP 0.2
#define BETA_START 20.0
#define BETA_END 2.0
#define LR 0.05f

/* d^T m d + 2 d^T c with d = s q - w: the output error up to a constant
 * (c NULL: zero). */
static double row_error(const float *w, int k, const double *m, const double *c, float s, const int8_t *q,
                        double *d) {
  for (int a = 0; a < k; a++) d[a] = (double)s * q[a] - (double)w[a];
  double e = 0;
  for (int a = 0; a < k; a++) {
    if (d[a] == 0) continue;
    const double *row = m + (size_t)a * (size_t)k;
    double t = c ? 2 * c[a] : 0;
    for (int b = 0; b < k; b++) t += row[b] * d[b];
    e += d[a] * t;
  }
  return e;
}

static int8_t nearest(float w, float s) {
  double r = (double)w / (double)s;
  double v = r >= 0 ? floor(r + 0.5) : -floor(-r + 0.5);
  return (int8_t)(v > QMAX ? QMAX : v < -QMAX ? -QMAX : v);
}

static float rect_sigmoid(float v) {
  float h = (1.0f / (1.0f + expf(-v))) * (ZETA - GAMMA) + GAMMA;
  return h < 0 ? 0 : h > 1 ? 1 : h;
}

/* AdaRound of one row into q (left as is where a weight is clipped). */
static void adaround(const float *w, int k, const double *m, const double *c, float s, float *work,
                     int8_t *q) {
  float *mf = work, *fl = mf + (size_t)k * (size_t)k, *V = fl + k, *m1 = V + k, *m2 = m1 + k, *d = m2 + k,
        *g = d + k;
  unsigned char *free_ = (unsigned char *)(g + k); /* k bytes within the last k floats */
  double diag = 0;
  for (int a = 0; a < k; a++) diag += m[(size_t)a * (size_t)k + (size_t)a];
  diag /= k;
  if (!(diag > 0)) return; /* the inputs are all zero: any rounding is exact */
  for (size_t i = 0; i < (size_t)k * (size_t)k; i++) mf[i] = (float)m[i];
  for (int a = 0; a < k; a++) {
    double x = (double)w[a] / (double)s;
    free_[a] = x > -QMAX && x < QMAX;
    fl[a] = free_[a] ? (float)floor(x) : (float)q[a];
    float r = (float)(x - floor(x));
    float p = (r - GAMMA) / (ZETA - GAMMA); /* sigmoid(V) giving h = r */
    V[a] = free_[a] ? logf(p / (1 - p)) : 0;
    m1[a] = m2[a] = 0;
  }
  /* output error / (s^2 mean diag(M)): one step of one weight costs about 1 */
  float gscale = (float)(2.0 / ((double)s * diag));
  int warm = (int)(WARMUP * NQ_ADAROUND_ITERS);
  float b1 = 0.9f, b2 = 0.999f, b1t = 1, b2t = 1;
  for (int it = 0; it < NQ_ADAROUND_ITERS; it++) {
    for (int a = 0; a < k; a++) {
      float h = free_[a] ? rect_sigmoid(V[a]) : 0;
      d[a] = s * (fl[a] + h) - w[a];
      g[a] = c ? (float)c[a] : 0;
    }
    /* g = M d + c, as a sum of M's rows (symmetric) so it vectorizes */
    for (int b = 0; b < k; b++) {
      float db = d[b];
      if (db == 0) continue;
      const float *row = mf + (size_t)b * (size_t)k;
      for (int a = 0; a < k; a++) g[a] += row[a] * db;
    }
    double beta = 0;
    if (it >= warm)
      beta = BETA_END + (BETA_START - BETA_END) * (1.0 - (double)(it - warm) / (NQ_ADAROUND_ITERS - warm));
    b1t *= b1;
    b2t *= b2;
    for (int a = 0; a < k; a++) {
      if (!free_[a]) continue;
      float sg = 1.0f / (1.0f + expf(-V[a]));
      float hr = sg * (ZETA - GAMMA) + GAMMA;
      if (hr <= 0 || hr >= 1) continue; /* clamped: no gradient */
      float dh = gscale * g[a];
      if (beta > 0) {
        float u = 2 * hr - 1, au = fabsf(u);
        dh += LAMBDA * (float)(-beta * pow(au, beta - 1)) * (u >= 0 ? 2.0f : -2.0f);
      }
      float gv = dh * sg * (1 - sg) * (ZETA - GAMMA);
      m1[a] = b1 * m1[a] + (1 - b1) * gv;
      m2[a] = b2 * m2[a] + (1 - b2) * gv * gv;
      V[a] -= LR * (m1[a] / (1 - b1t)) / (sqrtf(m2[a] / (1 - b2t)) + 1e-8f);
    }
  }
  for (int a = 0; a < k; a++)
    if (free_[a]) {
      int v = (int)fl[a] + (rect_sigmoid(V[a]) >= 0.5f);
      q[a] = (int8_t)(v > QMAX ? QMAX : v < -QMAX ? -QMAX : v);
    }
}

double nq_weight_round_row(const float *w, int k, const double *m, const double *c, float s,
                           nq_weight_round_method method, float *work, int8_t *q) {
  double *d = malloc(sizeof(double) * (size_t)k);
  for (int a = 0; a < k; a++) q[a] = nearest(w[a], s);
  if (!d) return NAN;
  double e = row_error(w, k, m, c, s, q, d);
  if (method == NQ_WEIGHT_ROUND_ADAROUND) {
    int8_t *ada = malloc((size_t)k);
    if (ada) {
      memcpy(ada, q, (size_t)k);
      adaround(w, k, m, c, s, work, ada);
      double ea = row_error(w, k, m, c, s, ada, d);
      if (ea < e) {
        memcpy(q, ada, (size_t)k);
        e = ea;
      }
      free(ada);
    }
  }
  free(d);
  return e;
}

/* One layer of the int8 graph and its float counterpart. */
typedef struct wlayer {
  int qnode, fnode;
  int rows, k;
  bool dw;            /* weights [1, KH, KW, C]: row c is every C-th value */
  nq_tensor *qw, *qb; /* int8 weights, int32 bias (or NULL) */
  const float *w, *b; /* float weights, float bias (or NULL) */
  float s_in;
} wlayer;

static bool is_weighted(nq_op op) {
  return op == NQ_OP_CONV_2D || op == NQ_OP_DEPTHWISE_CONV_2D || op == NQ_OP_FULLY_CONNECTED;
}

static int use_count(const nq_graph *g, int t) {
  int n = 0;
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_in; k++) n += g->nodes[i].in[k] == t;
  return n;
}

static bool as_wlayer(const nq_graph *fg, nq_graph *qg, int i, wlayer *L) {
  const nq_node *n = &qg->nodes[i];
  if (!is_weighted(n->op) || n->n_in < 2 || n->in[0] < 0 || n->in[1] < 0) return false;
  nq_tensor *qw = &qg->tensors[n->in[1]], *qx = &qg->tensors[n->in[0]];
  if (qw->type != NQ_INT8 || !qw->data || !qw->name || qx->q.n < 1 || use_count(qg, n->in[1]) != 1)
    return false;
  /* the float node: the producer of the activation of the same name */
  int fo = n->n_out > 0 && n->out[0] >= 0 ? nq_graph_find_tensor(fg, qg->tensors[n->out[0]].name) : -1;
  int fn = fo >= 0 ? nq_graph_producer(fg, fo) : -1;
  if (fn < 0 || fg->nodes[fn].op != n->op || !nq_moments_layer(fg, fn)) return false;
  int fw = fg->nodes[fn].in[1];
  if (use_count(fg, fw) != 1) return false;
  size_t total = nq_tensor_elems(qw);
  if (total != nq_tensor_elems(&fg->tensors[fw]) || qw->nbytes != total) return false;
  L->qnode = i;
  L->fnode = fn;
  L->dw = n->op == NQ_OP_DEPTHWISE_CONV_2D;
  L->rows = L->dw ? qw->shape[qw->rank - 1] : qw->shape[0];
  L->k = (int)(total / (size_t)L->rows);
  if ((size_t)L->rows * (size_t)L->k != total) return false;
  if (qw->q.n != 1 && qw->q.n != L->rows) return false;
  for (int c = 0; c < qw->q.n; c++)
    if (!(qw->q.scale[c] > 0) || qw->q.zero_point[c] != 0) return false;
  L->qw = qw;
  L->w = (const float *)fg->tensors[fw].data;
  L->s_in = qx->q.scale[0];
  L->qb = NULL;
  L->b = NULL;
  const nq_node *f = &fg->nodes[fn];
  if (n->n_in > 2 && n->in[2] >= 0) {
    nq_tensor *qb = &qg->tensors[n->in[2]];
    if (f->n_in < 3 || f->in[2] < 0) return false;
    const nq_tensor *fb = &fg->tensors[f->in[2]];
    if (qb->type != NQ_INT32 || !qb->data || fb->type != NQ_FLOAT32 || !fb->data ||
        nq_tensor_elems(qb) != (size_t)L->rows || nq_tensor_elems(fb) != (size_t)L->rows ||
        use_count(qg, n->in[2]) != 1)
      return false;
    L->qb = qb;
    L->b = (const float *)fb->data;
  }
  return true;
}

static void get_row(const wlayer *L, int r, float *dst) {
  for (int a = 0; a < L->k; a++)
    dst[a] =
        L->dw ? L->w[(size_t)a * (size_t)L->rows + (size_t)r] : L->w[(size_t)r * (size_t)L->k + (size_t)a];
}

static void put_row(const wlayer *L, int r, const int8_t *q) {
  int8_t *d = (int8_t *)L->qw->data;
  for (int a = 0; a < L->k; a++)
    d[L->dw ? (size_t)a * (size_t)L->rows + (size_t)r : (size_t)r * (size_t)L->k + (size_t)a] = q[a];
}

/* Whether bias b stays within half of int32 at scale s_in * s (as
 * nq_quant_weight_scales keeps it). */
static bool bias_fits(const wlayer *L, int r0, int r1, float s) {
  if (!L->b) return true;
  const double limit = 0.5 * (double)INT32_MAX;
  for (int r = r0; r < r1; r++)
    if (fabs((double)L->b[r]) / ((double)L->s_in * (double)s) >= limit) return false;
  return true;
}

typedef struct layer_result {
  double signal, before, after; /* summed over rows: w^T M w, and the error before / after */
  bool changed;
} layer_result;

static nq_status round_layer(const wlayer *L, const nq_input_moments *mo, nq_weight_round_method method,
                             layer_result *res, nq_error *err) {
  int k = L->k, R = L->rows;
  size_t kk = (size_t)k * (size_t)k;
  float *rows = malloc(sizeof(float) * (size_t)R * (size_t)k);
  float *work = malloc(sizeof(float) * NQ_WEIGHT_ROUND_WORK(k));
  double *d = malloc(sizeof(double) * (size_t)k);
  int8_t *q = malloc((size_t)k), *old = malloc((size_t)R * (size_t)k);
  int n_s = L->qw->q.n;
  float *scale = malloc(sizeof(float) * (size_t)n_s);
  if (!rows || !work || !d || !q || !old || !scale) {
    free(rows), free(work), free(d), free(q), free(old), free(scale);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory rounding weights");
  }
  memset(res, 0, sizeof *res);
  const int8_t *qd = (const int8_t *)L->qw->data;
  for (int r = 0; r < R; r++) {
    get_row(L, r, rows + (size_t)r * (size_t)k);
    for (int a = 0; a < k; a++)
      old[(size_t)r * (size_t)k + (size_t)a] =
          qd[L->dw ? (size_t)a * (size_t)R + (size_t)r : (size_t)r * (size_t)k + (size_t)a];
  }
  const double *mrow0 = mo->m;
#define M_OF(r) (mo->n_mat > 1 ? mrow0 + (size_t)(r)*kk : mrow0)
#define MAT(base, r) (mo->n_mat > 1 ? (base) + (size_t)(r)*kk : (base))
  /* With the int8 model's inputs p' (mo->cross): the error of row r is
   * E[(q^T p' - w^T p)^2] = d^T A d + 2 d^T (A - B) w + w^T (A - 2B + F) w,
   * d = q - w, A = E[p' p'^T], B = E[p' p^T], F = E[p p^T]: c_r = (A - B) w
   * and the constant konst[r]. */
  double *cv = NULL, *konst = NULL;
  if (mo->cross) {
    cv = calloc((size_t)R * (size_t)k, sizeof(double));
    konst = calloc((size_t)R, sizeof(double));
    if (!cv || !konst) {
      free(rows), free(work), free(d), free(q), free(old), free(scale), free(cv), free(konst);
      return nq_fail(err, NQ_ERR_NOMEM, "out of memory rounding weights");
    }
    for (int r = 0; r < R; r++) {
      const float *w = rows + (size_t)r * (size_t)k;
      const double *A = MAT(mo->m, r), *B = MAT(mo->cross, r), *F = MAT(mo->fm, r);
      double *c = cv + (size_t)r * (size_t)k;
      for (int a = 0; a < k; a++) {
        double t = 0, u = 0;
        for (int b = 0; b < k; b++) {
          size_t ab = (size_t)a * (size_t)k + (size_t)b;
          t += (A[ab] - B[ab]) * w[b];
          u += (A[ab] - 2 * B[ab] + F[ab]) * w[b];
        }
        c[a] = t;
        konst[r] += w[a] * u;
      }
    }
  }
#define C_OF(r) (cv ? cv + (size_t)(r) * (size_t)k : NULL)
#define K_OF(r) (konst ? konst[r] : 0.0)
  /* the scale: per tensor (n_s 1) over all rows, per channel row by row */
  int groups = n_s, per = n_s == 1 ? R : 1;
  int steps = (int)floor((1.0 - CLIP_LOWEST) / CLIP_STEP + 0.5);
  for (int gi = 0; gi < groups; gi++) {
    int r0 = gi * per, r1 = r0 + per;
    float s0 = L->qw->q.scale[gi], best_s = s0;
    double best = INFINITY;
    for (int j = 0; j <= steps; j++) {
      float s = (float)((double)s0 * (1.0 - CLIP_STEP * j));
      if (j > 0 && !bias_fits(L, r0, r1, s)) break;
      double e = 0;
      for (int r = r0; r < r1; r++) {
        const float *w = rows + (size_t)r * (size_t)k;
        for (int a = 0; a < k; a++) q[a] = nearest(w[a], s);
        e += row_error(w, k, M_OF(r), C_OF(r), s, q, d) + K_OF(r);
      }
      if (j == 0) {
        res->before += e;
        for (int r = r0; r < r1; r++) {
          const float *w = rows + (size_t)r * (size_t)k;
          for (int a = 0; a < k; a++) q[a] = 0; /* w^T F w */
          res->signal += row_error(w, k, mo->fm ? MAT(mo->fm, r) : M_OF(r), NULL, 1.0f, q, d);
        }
      }
      if (e < best) { /* ties keep the wider range */
        best = e;
        best_s = s;
      }
    }
    scale[gi] = best_s;
    for (int r = r0; r < r1; r++) {
      res->after +=
          nq_weight_round_row(rows + (size_t)r * (size_t)k, k, M_OF(r), C_OF(r), best_s, method, work, q) +
          K_OF(r);
      put_row(L, r, q);
    }
  }
#undef M_OF
#undef MAT
#undef C_OF
#undef K_OF
  free(cv);
  free(konst);
  const int8_t *nd = (const int8_t *)L->qw->data;
  for (size_t i = 0; i < (size_t)R * (size_t)k && !res->changed; i++)
    if (nd[i] != old[i]) res->changed = true;
  for (int c = 0; c < n_s; c++) {
    if (scale[c] != L->qw->q.scale[c]) res->changed = true;
    L->qw->q.scale[c] = scale[c];
  }
  if (L->qb) {
    /* the bias in steps of the new s_in * s_w, half away from zero as nq_quant_add_bias */
    int32_t *b = (int32_t *)L->qb->data;
    for (int r = 0; r < R; r++) {
      float bs = L->s_in * scale[n_s > 1 ? r : 0];
      double v = (double)L->b[r] / (double)bs;
      v = v >= 0 ? floor(v + 0.5) : -floor(-v + 0.5);
      if (v > INT32_MAX) v = INT32_MAX;
      if (v < -INT32_MAX) v = -INT32_MAX;
      b[r] = (int32_t)v;
      if (L->qb->q.n == R || r == 0) L->qb->q.scale[L->qb->q.n == R ? r : 0] = bs;
    }
  }
  free(rows), free(work), free(d), free(q), free(old), free(scale);
  return NQ_OK;
}

nq_status nq_weight_round(const nq_graph *fg, nq_graph *qg, const nq_sample_source *src,
                          const nq_session_options *opts, nq_weight_round_method method,
                          nq_weight_round_report *rep, nq_error *err) {
  memset(rep, 0, sizeof *rep);
  if (method == NQ_WEIGHT_ROUND_NEAREST) return NQ_OK;
  if (method != NQ_WEIGHT_ROUND_CLIP && method != NQ_WEIGHT_ROUND_ADAROUND)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "weight rounding method %d: clip (1) or adaround (2) expected",
                   (int)method);
  wlayer *L = malloc(sizeof *L * (size_t)(qg->n_nodes ? qg->n_nodes : 1));
  int *fnodes = malloc(sizeof *fnodes * (size_t)(qg->n_nodes ? qg->n_nodes : 1));
  nq_input_moments *mo = NULL;
  int n = 0;
  nq_status st = L && fnodes ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "out of memory for weight rounding");
  for (int i = 0; st == NQ_OK && i < qg->n_nodes; i++)
    if (as_wlayer(fg, qg, i, &L[n])) {
      fnodes[n] = L[n].fnode;
      n++;
    }
  if (st == NQ_OK && n > 0) {
    mo = calloc((size_t)n, sizeof *mo);
    if (!mo) st = nq_fail(err, NQ_ERR_NOMEM, "out of memory for weight rounding");
  }
  /* adaround: layer by layer against the int8 model's own inputs (VWW
   * per tensor 29.26 -> 31.07 dB in LiteRT.js); clip: one float pass */
  bool own = method == NQ_WEIGHT_ROUND_ADAROUND;
  nq_session *fs = NULL;
  if (st == NQ_OK && n > 0 && !own)
    st = nq_moments_collect(fg, fnodes, n, src, opts, NQ_WEIGHT_ROUND_SAMPLES, NQ_WEIGHT_ROUND_POSITIONS, mo,
                            err);
  if (st == NQ_OK && n > 0 && own) {
    st = nq_engine_create(fg, opts, &fs, err);
    if (st == NQ_OK) st = nq_session_keep_all_tensors(fs, err);
  }
  int counted = 0;
  for (int j = 0; st == NQ_OK && j < n; j++) {
    layer_result res = {0};
    /* layer by layer: each sees the int8 inputs the layers before it give */
    if (own)
      st = nq_moments_collect_quantized(fg, fs, L[j].fnode, qg, qg->nodes[L[j].qnode].in[0], src, opts,
                                        NQ_WEIGHT_ROUND_SAMPLES, NQ_WEIGHT_ROUND_POSITIONS, &mo[j], err);
    if (st == NQ_OK) st = round_layer(&L[j], &mo[j], method, &res, err);
    if (own) nq_moments_free(&mo[j], 1);
    if (st != NQ_OK) break;
    rep->layers += res.changed;
    if (res.signal > 0 && res.before > 0 && res.after > 0) {
      rep->before_db += 10 * log10(res.signal / res.before);
      rep->after_db += 10 * log10(res.signal / res.after);
      counted++;
    }
  }
  if (counted) {
    rep->before_db /= counted;
    rep->after_db /= counted;
  }
  nq_session_free(fs);
  if (mo) nq_moments_free(mo, n);
  free(mo);
  free(L);
  free(fnodes);
  return st;
}
