/*
 * The quantizer: a float graph plus the calibrated range of every
 * activation in, a fully int8 graph out (TFLite int8 rules, see op_rules.h
 * and qparams.h). It never parses files and never runs the model.
 *
 * Parameters shared by several tensors (same-scale ops such as RESHAPE,
 * pools, CONCATENATION, PAD) are chosen once per "cluster" of tied tensors:
 * the union of their calibrated ranges, or the fixed parameters of an op
 * such as SOFTMAX. A requantizing QUANTIZE op is inserted only where two
 * fixed choices meet, or where a fixed-range tensor joins a multi-input op.
 *
 * Model inputs and outputs get the requested types with TensorFlow's
 * semantics (TFLITE_INT8.md §1.5): int8 (the int8 tensors are the model's
 * I/O), uint8 (a QUANTIZE between uint8 and int8 at each boundary, zero
 * point + 128) or float32 (QUANTIZE in, DEQUANTIZE out).
 */
#ifndef NQ_QUANT_QUANTIZE_H
#define NQ_QUANT_QUANTIZE_H

#include "ir/graph.h"

/* Calibrated range per tensor of the float graph (indexed like its tensors). */
typedef struct nq_ranges {
  int n;
  float *min, *max;
  unsigned char *seen; /* 1 when min/max hold observed values */
} nq_ranges;

nq_status nq_ranges_init(nq_ranges *r, int n, nq_error *err);
void nq_ranges_free(nq_ranges *r);

typedef struct nq_qoptions {
  bool per_tensor;           /* every weight per-tensor (fastest on VeriSilicon NPUs) */
  bool per_channel_fc;       /* FULLY_CONNECTED per channel where one scale loses a row (fc_channels.h) */
  nq_dtype input_type;       /* NQ_INT8 (default), NQ_UINT8 or NQ_FLOAT32 */
  nq_dtype output_type;      /* likewise */
  bool allow_float_fallback; /* keep ops without an int8 form in float (with a warning) */
  /* uint8 input given as raw bytes: the float input is (byte - mean) / std,
   * so the uint8 input's parameters are scale 1/std, zero point round(mean)
   * instead of a calibrated range. Only with input_type == NQ_UINT8. */
  bool input_from_bytes;
  float input_mean, input_std;
  /* Called with a one-line warning (float fallback, rounded mean, ...). */
  void (*warn)(void *ctx, const char *msg);
  void *warn_ctx;
  /* Per node of the float graph, 1: the node is in the float tail
   * (quant/float_tail.h) and runs in float, its float inputs dequantized
   * once, its outputs float; only tail nodes and float32 model outputs may
   * read them. NULL: none. */
  const unsigned char *float_nodes;
  /* Per node of the float graph, 1: the node runs with int16 activations
   * and int8 weights (TFLite's 16x8, quant/act16.h) if TFLite has such a
   * kernel for its op (else it stays int8, with one warning naming them).
   * QUANTIZE/DEQUANTIZE ops join int8 and int16 regions. NULL: none. */
  const unsigned char *int16_nodes;
} nq_qoptions;

nq_qoptions nq_qoptions_default(void);

/* Quantize `f` (a float graph) with ranges `r` into a new graph *out. */
nq_status nq_quantize_graph(const nq_graph *f, const nq_ranges *r, const nq_qoptions *o, nq_graph **out,
                            nq_error *err);

#endif
