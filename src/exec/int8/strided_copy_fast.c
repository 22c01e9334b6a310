/*
 * The fast strided copy behind the fast TRANSPOSE, SLICE and STRIDED_SLICE
 * (movement_s8.c): out[i] = in[base + sum_d idx_d * st[d]] over `shape`,
 * the reference's strided_copy with its per-element odometer replaced by
 * loops over whole rows. First the shape is simplified without changing
 * the mapping: dims of size 1 go, and an outer dim whose input stride is
 * the inner one's times its size merges with it. Then, per output row
 * (odometer over the other dims):
 *  - input stride 1 along the row: one memcpy;
 *  - else, for bytes, when another dim reads consecutive input bytes (the
 *    NCHW -> NHWC transpose: [HW, C] from [C, HW]): 32 x 32 tiles of that
 *    dim and the row, so that reads and writes both stay within a few cache
 *    lines;
 *  - else a strided loop over the row.
 * Any element size; negative strides (STRIDED_SLICE) work in every branch.
 */
#include <string.h>

#include "exec/int8/int8_kernels.h"

#define TILE 32

typedef struct copy_shape {
  int k;                    /* simplified rank */
  int64_t n[NQ_MAX_RANK];   /* sizes */
  int64_t in[NQ_MAX_RANK];  /* input strides (elements) */
  int64_t out[NQ_MAX_RANK]; /* output strides (elements, row-major) */
} copy_shape;

static void simplify(int rank, const int32_t *shape, const int64_t *st, copy_shape *c) {
  c->k = 0;
  for (int d = 0; d < rank; d++) {
    if (shape[d] == 1) continue;
    if (c->k > 0 && c->in[c->k - 1] == st[d] * shape[d]) {
      c->n[c->k - 1] *= shape[d];
      c->in[c->k - 1] = st[d];
    } else {
      c->n[c->k] = shape[d];
      c->in[c->k] = st[d];
      c->k++;
    }
  }
  int64_t s = 1;
  for (int d = c->k - 1; d >= 0; d--) {
    c->out[d] = s;
    s *= c->n[d];
  }
}

/* dst[a * dj + b] = src[a + b * sb] for a < na, b < nb (bytes), in tiles. */
static void tile_bytes(const uint8_t *src, int64_t sb, uint8_t *dst, int64_t dj, int64_t na, int64_t nb) {
  for (int64_t a0 = 0; a0 < na; a0 += TILE) {
    const int64_t a1 = a0 + TILE < na ? a0 + TILE : na;
    for (int64_t b0 = 0; b0 < nb; b0 += TILE) {
      const int64_t b1 = b0 + TILE < nb ? b0 + TILE : nb;
      for (int64_t a = a0; a < a1; a++)
        for (int64_t b = b0; b < b1; b++) dst[a * dj + b] = src[a + b * sb];
    }
  }
}

void nq_i8_strided_copy_fast(const nq_tview *in, void *dst, int rank, const int32_t *shape, int64_t base,
                             const int64_t *st) {
  for (int d = 0; d < rank; d++)
    if (shape[d] <= 0) return;
  copy_shape c;
  simplify(rank, shape, st, &c);
  const size_t es = nq_dtype_size(in->type);
  const uint8_t *src = (const uint8_t *)in->data + base * (int64_t)es;
  uint8_t *o = dst;
  if (c.k == 0) { /* one element */
    memcpy(o, src, es);
    return;
  }
  const int last = c.k - 1;
  const int64_t row = c.n[last], srow = c.in[last];
  int j = -1; /* a dim reading consecutive input bytes, for the tiles */
  for (int d = 0; d < last && es == 1 && srow != 1; d++)
    if (c.in[d] == 1) j = d;
  /* Odometer over every dim but the row (and j). */
  int64_t idx[NQ_MAX_RANK] = {0}, si = 0, di = 0;
  for (;;) {
    if (j >= 0)
      tile_bytes(src + si, srow, o + di, c.out[j], c.n[j], row);
    else if (srow == 1)
      memcpy(o + di * (int64_t)es, src + si * (int64_t)es, (size_t)row * es);
    else if (es == 1)
      for (int64_t b = 0; b < row; b++) o[di + b] = src[si + b * srow];
    else
      for (int64_t b = 0; b < row; b++)
        memcpy(o + (di + b) * (int64_t)es, src + (si + b * srow) * (int64_t)es, es);
    int d = last - 1;
    for (; d >= 0; d--) {
      if (d == j) continue;
      si += c.in[d];
      di += c.out[d];
      if (++idx[d] < c.n[d]) break;
      si -= c.in[d] * c.n[d];
      di -= c.out[d] * c.n[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}
