#include "calib/histogram.h"

int nq_hist_bin(float x, float lo, float hi) {
  int b = (int)((double)(x - lo) / ((double)hi - (double)lo) * NQ_HIST_BINS);
  return b < 0 ? 0 : (b >= NQ_HIST_BINS ? NQ_HIST_BINS - 1 : b);
}

float nq_hist_quantile(const uint64_t *h, uint64_t total, double q, float lo, float hi) {
  double want = q * (double)total, acc = 0;
  for (int b = 0; b < NQ_HIST_BINS; b++) {
    if (acc + (double)h[b] >= want) {
      double frac = h[b] ? (want - acc) / (double)h[b] : 0;
      return (float)(lo + ((double)b + frac) / NQ_HIST_BINS * ((double)hi - (double)lo));
    }
    acc += (double)h[b];
  }
  return hi;
}

double nq_hist_int8_error(const uint64_t *h, float lo, float hi, float a, float b) {
  if (a > 0) a = 0;
  if (b < 0) b = 0;
  double step = ((double)b - (double)a) / 255.0, inside = step * step / 12.0, e = 0;
  double w = ((double)hi - (double)lo) / NQ_HIST_BINS;
  for (int k = 0; k < NQ_HIST_BINS; k++) {
    if (!h[k]) continue;
    double c = lo + (k + 0.5) * w;
    double d = c > b ? c - b : (c < a ? a - c : 0);
    e += (double)h[k] * (d > 0 ? d * d : inside);
  }
  return e;
}

void nq_hist_least_error_range(const uint64_t *h, float lo, float hi, float from, float to, float *a,
                               float *b) {
  *a = from;
  *b = to;
  double best = nq_hist_int8_error(h, lo, hi, from, to);
  for (int f100 = 99; f100 >= 30; f100--) {
    float f = (float)f100 / 100.0f;
    double e = nq_hist_int8_error(h, lo, hi, from * f, to * f);
    if (e < best) {
      best = e;
      *a = from * f;
      *b = to * f;
    }
  }
}
