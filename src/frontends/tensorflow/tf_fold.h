/*
 * Constant evaluation for the converter: the shape arithmetic that TF
 * graphs compute at run time (Shape -> StridedSlice -> Pack -> Reshape,
 * Cast, Prod, ...) and constant-only elementwise math become constants, so
 * the nq graph only keeps ops with static shapes. Values are handled as
 * doubles (exact for the int32 shape values and for float32).
 */
#ifndef NQ_FRONTENDS_TF_FOLD_H
#define NQ_FRONTENDS_TF_FOLD_H

#include "ir/graph.h"

/* Value i of constant tensor t as a double. */
double tf_el_get(const nq_tensor *t, size_t i);
void tf_el_set(nq_dtype type, uint8_t *data, size_t i, double v);

/* Add a constant tensor of `type` and shape with values from vals (doubles). */
int tf_const_from_doubles(nq_graph *g, const char *name, nq_dtype type, int rank, const int32_t *shape,
                          const double *vals, nq_error *err);

/* Elementwise binary op on constants with numpy broadcasting. op: '+', '-',
 * '*', '/', 'M' (max), 'm' (min), 'f' (floor div). */
int tf_fold_binary(nq_graph *g, const char *name, int a, int b, char op, nq_error *err);
/* Stack constants along axis (Pack). */
int tf_fold_pack(nq_graph *g, const char *name, const int *ts, int n, int axis, nq_error *err);
/* Concatenate constants along axis. */
int tf_fold_concat(nq_graph *g, const char *name, const int *ts, int n, int axis, nq_error *err);
/* StridedSlice of a constant; p holds the masks. */
int tf_fold_strided_slice(nq_graph *g, const char *name, int x, int begin, int end, int strides,
                          const nq_op_params *p, nq_error *err);
/* Reduce a constant over `axes` (op 'p' prod, 's' sum, 'M' max, 'm' min, 'a' mean). */
int tf_fold_reduce(nq_graph *g, const char *name, int x, int axes, bool keep_dims, char op, nq_error *err);
/* Transpose a constant by perm. */
int tf_fold_transpose(nq_graph *g, const char *name, int x, const int *perm, nq_error *err);

#endif
