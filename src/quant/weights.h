/*
 * Constant tensors of the int8 model: symmetric int8 weights (per channel
 * or per tensor), int32 biases at scale s_in * s_w[c] (int64 for 16x8
 * layers), and int8 (int16 for 16x8 layers) for other float constants (an
 * ADD's constant operand, PRELU's alpha).
 * Each function adds a new tensor to `q` built from tensor `ft` of `f` and
 * returns its index, or -1 with err filled.
 */
#ifndef NQ_QUANT_WEIGHTS_H
#define NQ_QUANT_WEIGHTS_H

#include "ir/graph.h"
#include "quant/qparams.h"

/* Weight scales of float constant `wt`: per channel along `axis`, or one
 * scale when axis < 0. When a bias (n_bias values, one per channel) would
 * not fit in the middle half of int32 at s_in * s_w[c], s_w[c] is widened
 * (TF's AdjustWeightsForBiasScale). *scales is malloc'd, *n its length.
 * An all-zero channel gets the smallest scale of the others (1/127 when all
 * are zero); *n_zero (may be NULL) counts them. */
nq_status nq_quant_weight_scales(const nq_graph *f, int wt, int axis, const float *bias, int n_bias,
                                 float s_in, float **scales, int *n, int *n_zero, nq_error *err);

int nq_quant_add_weights(nq_graph *q, const nq_graph *f, int wt, const float *scales, int n, int axis,
                         nq_error *err);
/* type: NQ_INT32, or NQ_INT64 for a 16x8 layer. */
int nq_quant_add_bias(nq_graph *q, const nq_graph *f, int bt, float s_in, const float *w_scales, int n,
                      nq_dtype type, nq_error *err);
/* type: NQ_INT8, or NQ_INT16 for a 16x8 layer. */
int nq_quant_add_const_affine(nq_graph *q, const nq_graph *f, int t, nq_affine a, nq_dtype type,
                              nq_error *err);

/* min/max of a float32 constant (0, 0 when empty). */
void nq_quant_const_range(const nq_tensor *x, float *min, float *max);

#endif
