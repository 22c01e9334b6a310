#include "calib/range_snap.h"

#include <math.h>

float nq_range_snap(float x, int up) {
  if (x == 0.0f || !isfinite(x)) return x;
  int e;
  float m = frexpf(x, &e); /* x = m * 2^e, 0.5 <= |m| < 1: every step below is exact */
  float scaled = ldexpf(m, NQ_RANGE_SNAP_BITS);
  scaled = up ? ceilf(scaled) : floorf(scaled);
  return ldexpf(scaled, e - NQ_RANGE_SNAP_BITS);
}

void nq_ranges_snap(nq_ranges *r) {
  for (int t = 0; t < r->n; t++) {
    if (!r->seen[t]) continue;
    r->min[t] = nq_range_snap(r->min[t], 0);
    r->max[t] = nq_range_snap(r->max[t], 1);
  }
}
