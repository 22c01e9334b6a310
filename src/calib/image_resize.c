/* Triangle-filter resampling; the formula is documented in image_resize.h. */
#include "calib/image_resize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/status.h"

void nq_filter_free(nq_filter *f) {
  if (!f) return;
  free(f->start);
  free(f->taps);
  free(f->weight);
  memset(f, 0, sizeof *f);
}

nq_status nq_filter_build(int in, int out, int first, int count, int antialias, nq_filter *f, nq_error *err) {
  memset(f, 0, sizeof *f);
  if (in <= 0 || out <= 0 || first < 0 || count <= 0 || count > out - first)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "resize %d -> %d, window [%d, +%d): bad sizes", in, out, first,
                   count);
  double scale = (double)in / out;
  double support = antialias && scale > 1.0 ? scale : 1.0;
  /* Inputs strictly inside (c - support, c + support) can have a weight > 0. */
  int max_taps = (int)ceil(2.0 * support) + 2;
  if (max_taps > in) max_taps = in;
  size_t nw;
  if (!nq_mul_size((size_t)count, (size_t)max_taps, &nw))
    return nq_fail(err, NQ_ERR_NOMEM, "resize %d -> %d: filter too large", in, out);
  f->start = malloc((size_t)count * sizeof *f->start);
  f->taps = malloc((size_t)count * sizeof *f->taps);
  f->weight = calloc(nw, sizeof *f->weight);
  if (!f->start || !f->taps || !f->weight) {
    nq_filter_free(f);
    return nq_fail(err, NQ_ERR_NOMEM, "resize %d -> %d: cannot allocate the filter", in, out);
  }
  f->count = count;
  f->max_taps = max_taps;
  for (int k = 0; k < count; k++) {
    double c = ((double)(first + k) + 0.5) * scale;
    /* i + 0.5 > c - support  <=>  i > c - support - 0.5 */
    int lo = (int)floor(c - support - 0.5), hi = (int)ceil(c + support - 0.5);
    if (lo < 0) lo = 0;
    if (hi > in - 1) hi = in - 1;
    double w[512], sum = 0.0; /* taps beyond the buffer are folded below */
    double *wp = hi - lo + 1 <= 512 ? w : malloc((size_t)(hi - lo + 1) * sizeof *wp);
    if (!wp) {
      nq_filter_free(f);
      return nq_fail(err, NQ_ERR_NOMEM, "resize %d -> %d: cannot allocate weights", in, out);
    }
    for (int i = lo; i <= hi; i++) {
      double t = 1.0 - fabs((double)i + 0.5 - c) / support;
      wp[i - lo] = t > 0.0 ? t : 0.0;
      sum += wp[i - lo];
    }
    /* Trim zero weights at both ends so taps stays within max_taps. */
    int a = lo, z = hi;
    while (a < z && wp[a - lo] == 0.0) a++;
    while (z > a && wp[z - lo] == 0.0) z--;
    if (z - a + 1 > max_taps || sum <= 0.0) {
      if (wp != w) free(wp);
      nq_filter_free(f);
      return nq_fail(err, NQ_ERR_INTERNAL, "resize %d -> %d: output %d has %d taps (max %d)", in, out,
                     first + k, z - a + 1, max_taps);
    }
    f->start[k] = a;
    f->taps[k] = z - a + 1;
    for (int i = a; i <= z; i++)
      f->weight[(size_t)k * (size_t)max_taps + (size_t)(i - a)] = (float)(wp[i - lo] / sum);
    if (wp != w) free(wp);
  }
  return NQ_OK;
}

void nq_filter_row(const nq_filter *f, const float *src, int channels, float *dst) {
  for (int k = 0; k < f->count; k++) {
    const float *wk = f->weight + (size_t)k * (size_t)f->max_taps;
    const float *s = src + (size_t)f->start[k] * (size_t)channels;
    for (int c = 0; c < channels; c++) {
      float acc = 0.0f;
      for (int j = 0; j < f->taps[k]; j++) acc += wk[j] * s[(size_t)j * (size_t)channels + c];
      dst[(size_t)k * (size_t)channels + c] = acc;
    }
  }
}

nq_status nq_resize_f32(const float *src, int sw, int sh, int channels, float *dst, int dw, int dh,
                        int antialias, nq_error *err) {
  nq_filter fx, fy;
  NQ_TRY(nq_filter_build(sw, dw, 0, dw, antialias, &fx, err));
  nq_status s = nq_filter_build(sh, dh, 0, dh, antialias, &fy, err);
  if (s != NQ_OK) {
    nq_filter_free(&fx);
    return s;
  }
  size_t row = (size_t)dw * (size_t)channels;
  float *tmp = malloc((size_t)sh * row * sizeof *tmp); /* horizontal pass: sh rows of dw */
  if (!tmp) {
    nq_filter_free(&fx);
    nq_filter_free(&fy);
    return nq_fail(err, NQ_ERR_NOMEM, "resize %dx%d -> %dx%d: out of memory", sw, sh, dw, dh);
  }
  for (int y = 0; y < sh; y++)
    nq_filter_row(&fx, src + (size_t)y * (size_t)sw * (size_t)channels, channels, tmp + y * row);
  for (int y = 0; y < dh; y++) {
    const float *wy = fy.weight + (size_t)y * (size_t)fy.max_taps;
    float *d = dst + (size_t)y * row;
    for (size_t i = 0; i < row; i++) {
      float acc = 0.0f;
      for (int j = 0; j < fy.taps[y]; j++) acc += wy[j] * tmp[(size_t)(fy.start[y] + j) * row + i];
      d[i] = acc;
    }
  }
  free(tmp);
  nq_filter_free(&fx);
  nq_filter_free(&fy);
  return NQ_OK;
}
