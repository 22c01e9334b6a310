#include "quant/op_rules.h"

#define Q_SAME(mask) \
  { .kind = NQ_Q_SAME, .data_inputs = (mask) }
#define Q_FREE(mask) \
  { .kind = NQ_Q_FREE, .data_inputs = (mask) }
#define Q_INDEX(mask) \
  { .kind = NQ_Q_FREE, .data_inputs = (mask), .output_not_quantized = true }
#define Q_FIXED(s, z) \
  { .kind = NQ_Q_FIXED, .data_inputs = NQ_IN(0), .fixed_scale = (s), .fixed_zp = (z) }
/* act, weight, bias: input slots; axis: per-channel axis of the weights */
#define Q_WEIGHTED(act, w, b, axis)                                                          \
  {                                                                                          \
    .kind = NQ_Q_WEIGHTED, .data_inputs = NQ_IN(act), .act_slot = (act), .weight_slot = (w), \
    .bias_slot = (b), .weight_axis = (axis)                                                  \
  }
#define Q_NONE \
  { .kind = NQ_Q_NONE }

/* ops.def column QUANT, in enum order. */
static const nq_qrule rules[NQ_OP_COUNT] = {
#define NQ_OP(id, tfl, shape, flt, i8, i16, q, npu, opts, ver, rel) q,
#include "ir/ops.def"
#undef NQ_OP
};

const nq_qrule *nq_quant_rule(nq_op op) {
  static const nq_qrule none = Q_NONE;
  return (unsigned)op < NQ_OP_COUNT ? &rules[op] : &none;
}

bool nq_quant_is_data_input(const nq_node *n, int slot) {
  const nq_qrule *r = nq_quant_rule(n->op);
  if (slot < 0 || slot >= 32) return false;
  return (r->data_inputs >> slot) & 1u;
}
