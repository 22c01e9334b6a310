/*
 * Calibrated ranges rounded outward to NQ_RANGE_SNAP_BITS significant bits
 * (calib/range_snap.h): exact values stay, every range only widens and by
 * less than one grid step, and a few-ulp perturbation away from a grid point
 * (what another kernel order produces) gives the very same endpoint.
 */
#include <math.h>

#include "calib/range_snap.h"
#include "testutil.h"

int main(void) {
  const float exact[] = {0.0f, 1.0f, 6.0f, -1.0f, 0.5f, 255.0f, -128.0f, 0.75f};
  for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
    CHECKF(nq_range_snap(exact[i], 1) == exact[i], "%g moved up", (double)exact[i]);
    CHECKF(nq_range_snap(exact[i], 0) == exact[i], "%g moved down", (double)exact[i]);
  }
  nq_rng rng = {15};
  int stable = 0, tries = 0;
  for (int k = 0; k < 20000; k++) {
    float x = nq_rng_uniform(&rng, -50, 50) * powf(2.0f, (float)nq_rng_int(&rng, -20, 20));
    float up = nq_range_snap(x, 1), down = nq_range_snap(x, 0);
    float step = ldexpf(1.0f, ilogbf(x) + 1 - NQ_RANGE_SNAP_BITS);
    CHECKF(up >= x && up - x < step * 1.0001f, "up(%a) = %a", (double)x, (double)up);
    CHECKF(down <= x && x - down < step * 1.0001f, "down(%a) = %a", (double)x, (double)down);
    /* Four ulps of noise either way. */
    float lo = x, hi = x;
    for (int u = 0; u < 4; u++) lo = nextafterf(lo, -INFINITY), hi = nextafterf(hi, INFINITY);
    tries++;
    if (nq_range_snap(lo, 1) == up && nq_range_snap(hi, 1) == up) stable++;
  }
  /* A grid point lies within 4 ulps for about 2 * 4 / 2^(24-12) of values. */
  CHECKF(stable >= tries * 99 / 100, "only %d of %d ranges ignore 4 ulps of noise", stable, tries);
  CHECK(isnan(nq_range_snap(NAN, 1)) && nq_range_snap(INFINITY, 0) == INFINITY);
  return nq_test_finish("test_range_snap");
}
