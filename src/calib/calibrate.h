/*
 * Calibration: run the float model over the representative samples and
 * record every float activation's range. The default observer reproduces
 * TensorFlow's converter: the global minimum and maximum over all samples
 * (the quantizer then widens the range to include 0).
 *
 * Samples come from a callback so this file knows nothing of images or
 * .npy files: fill(ctx, sample, input, dst, n) writes input `input` of
 * sample `sample` as n float32 values.
 */
#ifndef NQ_CALIB_CALIBRATE_H
#define NQ_CALIB_CALIBRATE_H

#include "npuquant.h"
#include "quant/quantize.h"

/* nq_sample_source is public (include/npuquant.h). */

/* Fill `out` (initialised here, indexed like g's tensors). */
nq_status nq_calibrate(const nq_graph *g, const nq_sample_source *src, const nq_session_options *opts,
                       nq_ranges *out, nq_error *err);

#endif
