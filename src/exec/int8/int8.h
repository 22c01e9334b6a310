/*
 * Integer (int8/uint8/int32-bias) kernels, indexed by nq_op; a NULL entry
 * means the op has no integer kernel yet. The engine uses this table for a
 * node whose activations are quantized (int8/uint8/int16 inputs or outputs),
 * including QUANTIZE/DEQUANTIZE between float and int8.
 */
#ifndef NQ_EXEC_INT8_H
#define NQ_EXEC_INT8_H

#include "exec/kernel.h"

extern const nq_kernel nq_int8_kernels[NQ_OP_COUNT];

#endif
