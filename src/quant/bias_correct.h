/*
 * Empirical bias correction (Nagel et al. 2019, §4.2 "empirical"), an
 * optional step after quantization (`convert --bias-correct`).
 *
 * Weight rounding shifts each output channel's mean: E[y_int8 - y_float] is
 * not zero, and the shift grows through the network; it is largest with
 * per-tensor weights. For every weighted layer in execution order, the float
 * and the int8 model run on the calibration samples, the mean difference of
 * each output channel is measured, and the layer's int32 bias absorbs it
 * (in bias steps s_in * s_w[c]). Layers are corrected in order, each after
 * the ones before it, so each sees the corrected inputs. With a fused
 * RELU/RELU6 the difference is averaged only where the float output is
 * inside the activation's linear range, where it equals the pre-activation
 * difference.
 */
#ifndef NQ_QUANT_BIAS_CORRECT_H
#define NQ_QUANT_BIAS_CORRECT_H

#include "calib/calibrate.h"
#include "npuquant.h"

/* Correct the biases of `int8_graph` (in place) against `float_graph`, the
 * float graph it was quantized from (tensors matched by name). progress
 * (may be NULL) hears "bias correction" after each weighted layer. */
typedef void (*nq_stage_progress_fn)(void *user, const char *stage, int done, int total);
nq_status nq_bias_correct(const nq_graph *float_graph, nq_graph *int8_graph, const nq_sample_source *src,
                          const nq_session_options *opts, nq_stage_progress_fn progress, void *progress_user,
                          int *n_layers, nq_error *err);

#endif
