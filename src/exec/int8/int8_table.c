/* The integer kernel table (see int8.h); entry points in int8_kernels.h. */
#include "exec/float/ref.h"
#include "exec/int8/int8.h"
#include "exec/int8/int8_kernels.h"

#define I8(x) \
  { nq_i8_##x##_run, NULL, NULL, NULL }
#define I8P(x) \
  { nq_i8_##x##_run, NULL, nq_i8_##x##_prepare, NULL }
#define I8SP(x) \
  { nq_i8_##x##_run, nq_i8_##x##_scratch, nq_i8_##x##_prepare, NULL }
#define NO_I8 \
  { NULL, NULL, NULL, NULL }
/* A byte-generic float reference kernel that is exact on int8 data too (a
 * copy: SELECT_V2), given with its prepare. */
#define I8_BYTES(run, prep) \
  { run, NULL, prep, NULL }

/* ops.def column INT8, in enum order. */
const nq_kernel nq_int8_kernels[NQ_OP_COUNT] = {
#define NQ_OP(id, tfl, shape, flt, i8, i16, q, npu, opts, ver, rel) i8,
#include "ir/ops.def"
#undef NQ_OP
};
