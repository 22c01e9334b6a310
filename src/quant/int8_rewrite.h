/*
 * Exact float rewrites that give an int8 form to ops TFLite has none for:
 *   NEG(x)    -> MUL(x, -1)
 *   SQUARE(x) -> MUL(x, x)
 * TFLite's int8 NEG and SQUARE are plain integer arithmetic that ignores the
 * scales and zero points (NEG(-128) stays -128), so the quantizer refuses
 * them; a MUL computes the same real values and requantizes properly. The
 * rewrite happens before calibration, on the copy that is converted, so the
 * float model the user loaded is left as it is.
 */
#ifndef NQ_QUANT_INT8_REWRITE_H
#define NQ_QUANT_INT8_REWRITE_H

#include "ir/graph.h"

/* Rewrites g in place; *n_rewritten counts the nodes changed. */
nq_status nq_rewrite_for_int8(nq_graph *g, int *n_rewritten, nq_error *err);

/* True when the rewrite would change g (so a copy is worth making). */
bool nq_rewrite_for_int8_needed(const nq_graph *g);

#endif
