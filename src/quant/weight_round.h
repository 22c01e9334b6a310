/*
 * Weight clipping and AdaRound-style rounding chosen by the layer's output
 * error, an optional step after quantizing (`convert --weight-round clip` or
 * `adaround`; a candidate of the automatic recipe with --per-tensor).
 *
 * Nearest rounding with the largest |weight| as the range minimises the
 * error of each weight alone, not of what the layer computes. With the
 * second moments M of the layer's float inputs on the calibration samples
 * (quant/input_moments.h), the output error of a weight row w quantized as
 * s * q is exactly (s q - w)^T M (s q - w), so both choices below are made
 * on that error, without running the model again:
 *
 * - clip: the weight scale s (one per tensor, or per channel) is chosen
 *   among s0 * (1, 0.98, ..., 0.5) (s0: the largest |weight| / 127) by the
 *   summed output error with nearest rounding: a per-tensor scale set by one
 *   large channel leaves the small ones a few int8 steps; a finer scale
 *   clips a few large weights and rounds the rest better.
 * - adaround: after clip, each weight is rounded down or up (Nagel et al.
 *   2020, "Up or Down? Adaptive Rounding for Post-Training Quantization"):
 *   q = floor(w / s) + h, h = clamp(sigmoid(V) * 1.2 - 0.1, 0, 1), V found
 *   by Adam on the output error plus a regulariser 1 - |2h - 1|^beta that
 *   anneals beta from 20 to 2 and drives h to 0 or 1; then h >= 0.5 rounds
 *   up. A row keeps nearest rounding when that has the lower error. Fixed
 *   initialisation (the fractional part), iteration count and order: the
 *   same inputs give the same bytes. The layers are done in order, each on
 *   the int8 model's own inputs p' (the layers before it already rounded)
 *   against the float output: the error is E[(s q^T p' - w^T p)^2], so a
 *   layer also makes up for what its inputs lost (quant/input_moments.h).
 *   That costs two runs (float and int8) per layer per sample.
 *
 * The int32 bias is requantized with the new scale (s_in * s). Weights
 * shared between nodes and layers whose inputs are not float activations
 * of known shape are left alone.
 */
#ifndef NQ_QUANT_WEIGHT_ROUND_H
#define NQ_QUANT_WEIGHT_ROUND_H

#include "calib/calibrate.h"
#include "npuquant.h"

typedef enum nq_weight_round_method {
  NQ_WEIGHT_ROUND_NEAREST = 0, /* nothing to do */
  NQ_WEIGHT_ROUND_CLIP = 1,
  NQ_WEIGHT_ROUND_ADAROUND = 2,
} nq_weight_round_method;

/* Calibration samples and output positions per sample the moments use (the
 * cost of their pass: one float run per sample plus positions * k^2 / 2
 * multiply-adds per layer). */
#define NQ_WEIGHT_ROUND_SAMPLES 128
#define NQ_WEIGHT_ROUND_POSITIONS 256
/* Adam iterations per weight row of AdaRound (each k^2 multiply-adds). */
#define NQ_ADAROUND_ITERS 400

typedef struct nq_weight_round_report {
  int layers;       /* layers whose weights or scale changed */
  double before_db; /* mean over the layers considered of the output SQNR */
  double after_db;  /*   with nearest rounding of the full range, and after */
} nq_weight_round_report;

/* Re-quantize the weights of `int8_graph` (in place) against `float_graph`,
 * the float graph it was quantized from (weights matched by name), with the
 * float inputs of the calibration samples in src. */
nq_status nq_weight_round(const nq_graph *float_graph, nq_graph *int8_graph, const nq_sample_source *src,
                          const nq_session_options *opts, nq_weight_round_method method,
                          nq_weight_round_report *rep, nq_error *err);

/* One weight row (k values, w) quantized at scale s into q (in [-127, 127])
 * by the method, given the k x k moments m: what nq_weight_round does per
 * row (exposed for the unit test). Returns the output error (s q - w)^T m (s q - w). */
double nq_weight_round_row(const float *w, int k, const double *m, const double *c, float s,
                           nq_weight_round_method method, float *work, int8_t *q);
/* work must hold this many floats for rows of k values. */
#define NQ_WEIGHT_ROUND_WORK(k) ((size_t)(k) * ((size_t)(k) + 8))

#endif
