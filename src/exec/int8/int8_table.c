/* The integer kernel table (see int8.h). */
#include "exec/int8/int8.h"

const nq_kernel nq_int8_kernels[NQ_OP_COUNT] = {
    [NQ_OP_ADD] = {0},
};
