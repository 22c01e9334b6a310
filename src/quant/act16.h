/*
 * TFLite's 16x8 quantization: int16 activations, int8 weights. What the
 * quantizer needs to decide it per node (quantize.c does the rest):
 *
 *  - which nodes run int16: every node with an int16x8 kernel in TFLite
 *    (--activations int16), or the nodes a list names (--int16-layers); a
 *    named node whose op has no int16 form (HARD_SWISH, ...) stays int8 with
 *    a warning, between QUANTIZE/DEQUANTIZE ops;
 *  - int16 parameters: symmetric, zero point 0, scale max|x| / 32767 of the
 *    calibrated range (TFLite's kernels require zero point 0 on int16);
 *  - the fixed output parameters of LOGISTIC, TANH and SOFTMAX on int16:
 *    scale 1/32768, zero point 0 (activations.cc Sigmoid/Tanh/SoftmaxPrepare).
 *
 * Between regions: TFLite's QUANTIZE requantizes int16 -> int8 and int16 ->
 * int16, but not int8 -> int16 (quantize.cc Prepare), so an int8 tensor
 * entering an int16 node goes through DEQUANTIZE and a float QUANTIZE.
 */
#ifndef NQ_QUANT_ACT16_H
#define NQ_QUANT_ACT16_H

#include <stdbool.h>

#include "ir/graph.h"
#include "quant/qparams.h"

#define NQ_INT16_FIXED_SCALE (1.0f / 32768.0f)

/* Whether TFLite has an int16-activation, int8-weight kernel for op. */
bool nq_act16_op_supported(nq_op op);

/* Symmetric int16 parameters covering [min, max] (0 included). */
nq_affine nq_act16_params(float min, float max);

/* The fixed int16 output parameters of op (LOGISTIC, TANH, SOFTMAX); false
 * when its int16 output takes a calibrated range. */
bool nq_act16_fixed(nq_op op, nq_affine *a);

/* Mark in mask (one byte per node of f, zeroed by the caller) the nodes a
 * comma-separated list names, by node name or by the name of an output
 * tensor. An unknown name fails naming every unknown one. */
nq_status nq_act16_select(const nq_graph *f, const char *list, unsigned char *mask, nq_error *err);

#endif
