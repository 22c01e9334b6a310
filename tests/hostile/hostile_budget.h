/*
 * What running a (hostile) graph would cost, so that the hostile tests and
 * the fuzz harness skip running models that legitimately ask for a lot: a
 * few hundred bytes of file can declare gigabytes of activations or
 * billions of multiply-adds (one huge depthwise window), which is work, not
 * a hang. Such models are still verified, described and reported on.
 */
#ifndef NQ_TESTS_HOSTILE_BUDGET_H
#define NQ_TESTS_HOSTILE_BUDGET_H

#include <stddef.h>

#include "ir/graph.h"

/* Bytes of all non-constant tensors, saturating; SIZE_MAX for a bad shape. */
size_t hostile_activation_bytes(const nq_graph *g);

/* A rough count of multiply-adds per run: output elements times the work
 * behind each for the windowed and matrix ops, operand sizes otherwise. */
double hostile_work_estimate(const nq_graph *g);

#endif
