/*
 * Fast float kernels, indexed by nq_op; NULL where an op has none and the
 * reference kernel runs. The engine uses an entry when it is non-NULL and
 * the session does not ask for reference kernels only.
 */
#ifndef NQ_EXEC_FLOAT_FAST_H
#define NQ_EXEC_FLOAT_FAST_H

#include "exec/kernel.h"

extern const nq_kernel nq_float_kernels_fast[NQ_OP_COUNT];

#endif
