#include "quant/fc_channels.h"

#include <math.h>

#include "quant/qparams.h"

#define EXACT_DB 200.0

/* SQNR of one row of n weights rounded to symmetric int8 at `scale`. */
static double row_db(const float *w, size_t n, float scale) {
  double sig = 0, noise = 0;
  for (size_t i = 0; i < n; i++) {
    double q = scale > 0 ? (double)scale * fmax(-127.0, fmin(127.0, nearbyint((double)w[i] / scale))) : 0;
    sig += (double)w[i] * w[i];
    noise += ((double)w[i] - q) * ((double)w[i] - q);
  }
  if (noise <= 0) return EXACT_DB;
  if (sig <= 0) return -EXACT_DB;
  return fmin(EXACT_DB, 10.0 * log10(sig / noise));
}

static float row_absmax(const float *w, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; i++) m = fmaxf(m, fabsf(w[i]));
  return m;
}

bool nq_fc_per_channel_pays(const nq_graph *f, int wt, double *pt_db, double *pc_db) {
  *pt_db = *pc_db = EXACT_DB;
  if (wt < 0 || wt >= f->n_tensors) return false;
  const nq_tensor *x = &f->tensors[wt];
  if (!x->data || x->type != NQ_FLOAT32 || x->rank != 2 || x->shape[0] < 2 || x->shape[1] < 1) return false;
  const size_t rows = (size_t)x->shape[0], cols = (size_t)x->shape[1];
  if (x->nbytes < rows * cols * sizeof(float)) return false;
  const float *w = (const float *)x->data;
  float all = 0;
  for (size_t r = 0; r < rows; r++) {
    float m = row_absmax(w + r * cols, cols);
    if (!isfinite(m)) return false;
    all = fmaxf(all, m);
  }
  if (all <= 0) return false;
  const float s_all = nq_symmetric_scale(all);
  for (size_t r = 0; r < rows; r++) {
    const float *row = w + r * cols;
    float m = row_absmax(row, cols);
    if (m <= 0) continue; /* an all-zero row is exact either way */
    *pt_db = fmin(*pt_db, row_db(row, cols, s_all));
    *pc_db = fmin(*pc_db, row_db(row, cols, nq_symmetric_scale(m)));
  }
  return *pt_db < NQ_FC_ROW_MIN_DB && *pc_db >= *pt_db + NQ_FC_PER_CHANNEL_GAIN_DB;
}
