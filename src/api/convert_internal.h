/*
 * The conversion pipeline behind nq_convert() and `npuquant convert`:
 * [equalize a copy] -> calibrate -> [refine ranges] -> quantize ->
 * [bias correction]. One implementation; the CLI calls it with its own
 * sample source (names for messages, a progress bar) and reads the report.
 */
#ifndef NQ_API_CONVERT_INTERNAL_H
#define NQ_API_CONVERT_INTERNAL_H

#include "calib/calibrate.h"
#include "npuquant.h"

typedef struct nq_convert_report {
  int equalized_pairs;          /* with opts->equalize */
  int rewritten_for_int8;       /* NEG / SQUARE nodes computed as MUL (quant/int8_rewrite.h) */
  int bias_corrected_layers;    /* with opts->bias_correct */
  double seconds_calibrate;     /* calibration and range refinement */
  double seconds_quantize;      /* quantization and bias correction */
} nq_convert_report;

/* rep may be NULL. The int8 model keeps float_model's path, so saving it
 * refuses to write over the float model. */
nq_status nq_convert_source(const nq_model *float_model, const nq_sample_source *src,
                            const nq_convert_options *opts, nq_model **out, nq_convert_report *rep,
                            nq_error *err);

#endif
