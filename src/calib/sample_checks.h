/*
 * What the representative samples look like, and whether they look wrong
 * (issue 13): convert reports, per model input, the sample count, shape,
 * layout and per-channel min/mean/max after preprocessing, and warns about
 * NaN or infinite values, constant samples, and raw 0..255 pixels for a
 * model that does not normalise its input itself. Wrong data is otherwise
 * accepted silently (only the element count is checked) and gives a model
 * that is quietly bad.
 */
#ifndef NQ_CALIB_SAMPLE_CHECKS_H
#define NQ_CALIB_SAMPLE_CHECKS_H

#include "ir/graph.h"
#include "npuquant.h"

typedef void (*nq_line_fn)(void *user, const char *msg);

/* Read every sample of src once (float inputs of g only) and report through
 * note (summary lines) and warn (problems); either may be NULL, and with both
 * NULL nothing is read. Fails only when src->fill fails. */
nq_status nq_check_samples(const nq_graph *g, const nq_sample_source *src, nq_line_fn note, nq_line_fn warn,
                           void *user, nq_error *err);

/* The layout of rank-4 input `input` of g: 1 channels first (NCHW: the
 * model's first op moves the channels last), 0 channels last (NHWC), -1
 * not an image-like input. */
int nq_input_channels_first(const nq_graph *g, int input);

#endif
