/*
 * Which nodes of the (prepared) float graph get int16 activations, from
 * nq_convert_options.activations_int16 / int16_layers (quant/act16.h has
 * the per-op facts and the name matching).
 */
#ifndef NQ_API_INT16_LAYERS_H
#define NQ_API_INT16_LAYERS_H

#include "npuquant.h"
#include "quant/quantize.h"

/* Refuse option combinations 16x8 does not take, before any work. */
nq_status nq_int16_options_check(const nq_convert_options *o, nq_error *err);

/* *mask: one byte per node of g (1: int16), or NULL when every node stays
 * int8. For "auto" (quant/int16_auto.h), r is g's calibrated ranges, src
 * the samples and so the options of the measuring pass. */
nq_status nq_int16_layers_plan(const nq_graph *g, const nq_convert_options *o, const nq_ranges *r,
                               const nq_sample_source *src, const nq_session_options *so,
                               unsigned char **mask, nq_error *err);

/* Nodes of the converted graph q that compute int16 activations (QUANTIZE
 * and DEQUANTIZE glue not counted). */
int nq_int16_node_count(const nq_graph *q);

/* The executor could not plan q (err): true, with a warning through o->warn
 * naming err, when q has int16 layers, whose kernels TFLite has but
 * npuquant's executor may lack; the model is then kept unchecked. */
bool nq_int16_unchecked(const nq_graph *q, const nq_convert_options *o, const nq_error *err);

#endif
