/*
 * Second moments of a weighted layer's inputs, E[p p^T] over the input
 * patches p the layer multiplies by each weight row (the receptive field of
 * an output position: KH * KW * I values for CONV_2D in the weights' (ky, kx,
 * ic) order, KH * KW values of one channel for DEPTHWISE_CONV_2D, the input
 * row for FULLY_CONNECTED; zero padding included as zeros).
 *
 * For a weight row w and its quantized version w', the mean squared error of
 * the layer's output (before bias and activation) on those inputs is
 * (w' - w)^T M (w' - w): weight rounding and clipping can then be judged on
 * the calibration data without running the layer again (quant/weight_round.h).
 */
#ifndef NQ_QUANT_INPUT_MOMENTS_H
#define NQ_QUANT_INPUT_MOMENTS_H

#include "calib/calibrate.h"
#include "npuquant.h"

typedef struct nq_input_moments {
  int node;     /* node of the float graph */
  int k;        /* values per patch */
  int n_mat;    /* 1 (CONV_2D, FULLY_CONNECTED), or one per channel (DEPTHWISE_CONV_2D) */
  double *m;    /* n_mat matrices of k * k, row-major, symmetric */
  double count; /* patches seen (per matrix) */
  /* With the int8 model's inputs too (nq_moments_collect_quantized): m is
   * E[p' p'^T] of its dequantized patches p', cross E[p' p^T] against the
   * float ones and fm E[p p^T]; NULL otherwise. */
  double *cross, *fm;
} nq_input_moments;

/* Patches of at most this many values are collected (a k * k matrix each). */
#define NQ_MOMENTS_MAX_K 1536

/* Whether node i of g is a layer whose moments can be collected: CONV_2D
 * (no groups), DEPTHWISE_CONV_2D (multiplier 1) or FULLY_CONNECTED with
 * constant float weights of at most NQ_MOMENTS_MAX_K values per row, and
 * with a float input of known shape. */
bool nq_moments_layer(const nq_graph *g, int i);

/* Run the float graph g on (at most max_samples evenly spread of) the
 * samples and collect the moments of the n listed nodes (each
 * nq_moments_layer); out[j] for nodes[j]. At most max_positions output
 * positions per sample and layer are used (evenly strided), which bounds
 * the cost. Deterministic. */
nq_status nq_moments_collect(const nq_graph *g, const int *nodes, int n, const nq_sample_source *src,
                             const nq_session_options *opts, int max_samples, int max_positions,
                             nq_input_moments *out, nq_error *err);
void nq_moments_free(nq_input_moments *m, int n);

/* The moments of one layer (float node fnode of g, whose input is also
 * int8 tensor qt of the int8 graph qg) with the int8 model's own inputs:
 * both models run on the samples (fs: a session of g that keeps all its
 * tensors), so the error the layers before it already make is seen. */
nq_status nq_moments_collect_quantized(const nq_graph *g, nq_session *fs, int fnode, const nq_graph *qg,
                                       int qt, const nq_sample_source *src, const nq_session_options *opts,
                                       int max_samples, int max_positions, nq_input_moments *out,
                                       nq_error *err);

#endif
