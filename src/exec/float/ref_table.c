/* The float reference kernel table (see ref.h): one entry per op in ops.def. */
#include "exec/float/ref.h"

#define F(run_, prep_) \
  { .run = run_, .prepare = prep_ }
#define FS(run_, prep_, scratch_) \
  { .run = run_, .prepare = prep_, .scratch = scratch_ }

/* ops.def column FLOAT, in enum order. */
const nq_kernel nq_float_kernels_ref[NQ_OP_COUNT] = {
#define NQ_OP(id, tfl, shape, flt, i8, i16, q, npu, opts, ver, rel) flt,
#include "ir/ops.def"
#undef NQ_OP
};
