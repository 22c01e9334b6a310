/*
 * Calibration ranges that do not depend on the float kernels' order.
 *
 * The fast kernels (AVX2+FMA on x86, the portable C elsewhere, any future
 * NEON path) sum in different orders and fuse multiply-adds differently, so
 * an activation's observed extreme differs between them in its last bits
 * (a few float ulps, about 2^-20 relative on the models tried). Taken as is,
 * that noise reaches the scales and the written model differs per machine.
 *
 * So every calibrated range endpoint is rounded outward (min toward -inf,
 * max toward +inf) to NQ_RANGE_SNAP_BITS significant bits. Two runs give the
 * same range unless an exact extreme lies within the kernel noise of a grid
 * point: with 12 bits and noise near 2^-20 that is about 2^-8 per endpoint,
 * so rarer, not impossible (exact float agreement between differently
 * ordered sums cannot be had; scripts/same-bytes.sh checks the README demo
 * model and VWW). The cost is a range at most 2^-11 (0.05%) wider, far below
 * a quantization step; exact values such as 0, 1 and 6 are grid points and
 * stay as they are. (8 bits would make a change 16 times rarer but cost
 * tests/quant's "top-1 agreement at least TF's" on resnet8 and VWW one image
 * each of 300.)
 */
#ifndef NQ_CALIB_RANGE_SNAP_H
#define NQ_CALIB_RANGE_SNAP_H

#include "quant/quantize.h"

#define NQ_RANGE_SNAP_BITS 12

/* x rounded to NQ_RANGE_SNAP_BITS significant bits, toward +inf when up
 * is true, else toward -inf. 0, NaN and infinities come back unchanged. */
float nq_range_snap(float x, int up);

/* Round every observed range of r outward (see above). */
void nq_ranges_snap(nq_ranges *r);

#endif
