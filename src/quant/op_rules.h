/*
 * How each op is quantized: one rule per op, column QUANT of ops.def (an
 * entry without it does not compile). The rules follow TFLite's
 * int8 spec (../shared/docs/TFLITE_INT8.md §1.2):
 *
 *  NQ_Q_WEIGHTED  conv-like: input 0 activation, input 1 constant weights
 *                 (symmetric, per-channel on `weight_axis` unless per-tensor
 *                 mode or the op is FULLY_CONNECTED), input 2 int32 bias;
 *  NQ_Q_FREE      output takes its own calibrated range; data inputs keep theirs;
 *  NQ_Q_SAME      output and every data input share one scale/zero point
 *                 (pools, reshapes, concatenation, pad, ...);
 *  NQ_Q_FIXED     output has fixed parameters (softmax, logistic, tanh, ...);
 *  NQ_Q_NONE      no int8 kernel in TFLite: an error, or float with
 *                 --allow-float-fallback.
 *
 * `data_inputs` is a bit mask of the inputs that carry quantized data;
 * other inputs (shapes, axes, paddings, indices) stay int32/int64.
 * NQ_DATA_ALL marks variadic ops (CONCATENATION, PACK).
 */
#ifndef NQ_QUANT_OP_RULES_H
#define NQ_QUANT_OP_RULES_H

#include <stdint.h>

#include "ir/graph.h"

typedef enum nq_qkind {
  NQ_Q_NONE = 0,
  NQ_Q_FREE,
  NQ_Q_SAME,
  NQ_Q_FIXED,
  NQ_Q_WEIGHTED,
} nq_qkind;

#define NQ_DATA_ALL 0xFFFFFFFFu
#define NQ_IN(i) (1u << (i))

typedef struct nq_qrule {
  nq_qkind kind;
  uint32_t data_inputs;
  int weight_axis;                      /* NQ_Q_WEIGHTED: per-channel axis of the weights */
  int act_slot, weight_slot, bias_slot; /* NQ_Q_WEIGHTED: input positions */
  float fixed_scale;                    /* NQ_Q_FIXED */
  int fixed_zp;
  bool output_not_quantized; /* ARG_MAX: integer result, no scale */
} nq_qrule;

const nq_qrule *nq_quant_rule(nq_op op);

/* Whether input slot `slot` of node `n` carries quantized data. */
bool nq_quant_is_data_input(const nq_node *n, int slot);

#endif
