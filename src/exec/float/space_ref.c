/*
 * SPACE_TO_DEPTH, DEPTH_TO_SPACE, SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND,
 * type-generic reference, NHWC.
 *   SPACE_TO_DEPTH: out[n, y, x, (by*b + bx)*C + c] = in[n, y*b+by, x*b+bx, c]
 *   DEPTH_TO_SPACE: the inverse.
 *   SPACE_TO_BATCH_ND: out batch ob = (sy*bw + sx)*N + n reads
 *     in[n, oy*bh + sy - pad_top, ox*bw + sx - pad_left] (padding -> 0 / zero point)
 *   BATCH_TO_SPACE_ND: in batch ib = (sy*bw + sx)*N_out + n writes
 *     out[n, iy*bh + sy - crop_top, ix*bw + sx - crop_left] when inside.
 * One spatial dimension (3-D tensors) is handled as W = 1.
 */
#include <string.h>

#include "core/status.h"
#include "exec/float/ref.h"

nq_status nq_ref_space_to_depth(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0], *o = &a->out[0];
  int b = a->p->block_size, N = x->shape[0], H = x->shape[1], W = x->shape[2], C = x->shape[3];
  size_t es = nq_dtype_size(x->type);
  int OH = H / b, OW = W / b, OC = C * b * b;
  for (int n = 0; n < N; n++)
    for (int y = 0; y < OH; y++)
      for (int xx = 0; xx < OW; xx++)
        for (int by = 0; by < b; by++)
          for (int bx = 0; bx < b; bx++)
            memcpy((char *)o->data + ((((size_t)n * OH + y) * OW + xx) * OC + (size_t)(by * b + bx) * C) * es,
                   (const char *)x->data + ((((size_t)n * H + y * b + by) * W + xx * b + bx) * C) * es,
                   (size_t)C * es);
  (void)err;
  return NQ_OK;
}

nq_status nq_ref_depth_to_space(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0], *o = &a->out[0];
  int b = a->p->block_size, N = x->shape[0], H = x->shape[1], W = x->shape[2], C = x->shape[3];
  size_t es = nq_dtype_size(x->type);
  int OW = W * b, OC = C / (b * b), OH = H * b;
  for (int n = 0; n < N; n++)
    for (int y = 0; y < H; y++)
      for (int xx = 0; xx < W; xx++)
        for (int by = 0; by < b; by++)
          for (int bx = 0; bx < b; bx++)
            memcpy((char *)o->data + ((((size_t)n * OH + y * b + by) * OW + xx * b + bx) * OC) * es,
                   (const char *)x->data +
                       ((((size_t)n * H + y) * W + xx) * C + (size_t)(by * b + bx) * OC) * es,
                   (size_t)OC * es);
  (void)err;
  return NQ_OK;
}

nq_status nq_ref_prep_space_batch(const nq_kernel_args *a, void **prepared, nq_error *err) {
  NQ_TRY(nq_ref_prep_move(a, prepared, err));
  size_t nb = a->n_in > 1 ? nq_tview_elems(&a->in[1]) : 0;
  if (nb < 1 || nb > 2)
    return nq_ref_fail(a, err, NQ_ERR_UNSUPPORTED, "%zu spatial dimensions; the kernel handles 1 or 2", nb);
  return NQ_OK;
}

typedef struct sb_geom {
  int N, H, W, C; /* input, with W = 1 for one spatial dim; C = product of the rest */
  int bh, bw, pt, pl;
  int nb; /* spatial dimensions: 1 or 2 */
} sb_geom;

static nq_status geom(const nq_kernel_args *a, const nq_tview *x, sb_geom *g, nq_error *err) {
  int64_t blk[NQ_MAX_RANK], pads[2 * NQ_MAX_RANK];
  int nb, np;
  if (!nq_ref_ints(&a->in[1], blk, NQ_MAX_RANK, &nb) || !nq_ref_ints(&a->in[2], pads, 2 * NQ_MAX_RANK, &np) ||
      nb < 1 || nb > 2 || np != 2 * nb || x->rank < nb + 1)
    return nq_ref_fail(a, err, NQ_ERR_UNSUPPORTED, "only 1 or 2 spatial dimensions are supported");
  g->nb = nb;
  g->N = x->shape[0];
  g->H = x->shape[1];
  g->W = nb == 2 ? x->shape[2] : 1;
  g->C = 1;
  for (int d = 1 + nb; d < x->rank; d++) g->C *= x->shape[d];
  g->bh = (int)blk[0];
  g->bw = nb == 2 ? (int)blk[1] : 1;
  g->pt = (int)pads[0];
  g->pl = nb == 2 ? (int)pads[2] : 0;
  return NQ_OK;
}

static void fill_value(const nq_tview *o, size_t es, unsigned char *fill) {
  memset(fill, 0, 8);
  if (o->q && o->q->n == 1 && es == 1) fill[0] = (unsigned char)(int8_t)o->q->zero_point[0];
}

nq_status nq_ref_space_to_batch(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0], *o = &a->out[0];
  sb_geom g;
  NQ_TRY(geom(a, x, &g, err));
  size_t es = nq_dtype_size(x->type), row = (size_t)g.C * es;
  int ON = o->shape[0], OH = o->shape[1], OW = g.nb == 2 ? o->shape[2] : 1;
  unsigned char fill[8];
  fill_value(o, es, fill);
  for (int ob = 0; ob < ON; ob++) {
    int n = ob % g.N, sp = ob / g.N, sy = sp / g.bw, sx = sp % g.bw;
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++) {
        int iy = oy * g.bh + sy - g.pt, ix = ox * g.bw + sx - g.pl;
        char *dst = (char *)o->data + (((size_t)ob * OH + oy) * OW + ox) * row;
        if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) {
          for (int c = 0; c < g.C; c++) memcpy(dst + (size_t)c * es, fill, es);
        } else {
          memcpy(dst, (const char *)x->data + (((size_t)n * g.H + iy) * g.W + ix) * row, row);
        }
      }
  }
  return NQ_OK;
}

nq_status nq_ref_batch_to_space(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0], *o = &a->out[0];
  sb_geom g;
  NQ_TRY(geom(a, x, &g, err));
  size_t es = nq_dtype_size(x->type), row = (size_t)g.C * es;
  int ON = o->shape[0], OH = o->shape[1], OW = g.nb == 2 ? o->shape[2] : 1;
  for (int ib = 0; ib < g.N; ib++) {
    int n = ib % ON, sp = ib / ON, sy = sp / g.bw, sx = sp % g.bw;
    for (int iy = 0; iy < g.H; iy++) {
      int oy = iy * g.bh + sy - g.pt;
      if (oy < 0 || oy >= OH) continue;
      for (int ix = 0; ix < g.W; ix++) {
        int ox = ix * g.bw + sx - g.pl;
        if (ox < 0 || ox >= OW) continue;
        memcpy((char *)o->data + (((size_t)n * OH + oy) * OW + ox) * row,
               (const char *)x->data + (((size_t)ib * g.H + iy) * g.W + ix) * row, row);
      }
    }
  }
  return NQ_OK;
}
