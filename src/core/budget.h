/*
 * The memory budget: one process-wide account of model-sized memory.
 *
 * Per-object limits (a tensor of at most 2^31 elements, a file of at most
 * 2 GiB) do not bound their sum: 64 folded constants of 128 MiB each, a zip
 * member inflating 1000:1, or an arena planned for a long chain of growing
 * tensors each pass every per-object check. Everything whose size a model or
 * data file decides is taken from this account before it is allocated and
 * given back when freed: constant tensor data (read, folded, expanded,
 * quantized, copied), decoded archive members, parsed JSON configs, the
 * engine's activation arena, and data set samples.
 *
 * The limit defaults to half of physical memory and is set with
 * nq_set_memory_limit() (the CLI's --max-memory). A refusal is
 * NQ_ERR_NOMEM with a message naming what asked, its size, and the budget.
 */
#ifndef NQ_CORE_BUDGET_H
#define NQ_CORE_BUDGET_H

#include <stddef.h>

#include "npuquant.h"

/* Take `bytes` from the budget for `what` (a node, tensor or member name for
 * the message); fails without taking anything when the limit would be passed. */
nq_status nq_budget_take(size_t bytes, const char *what, nq_error *err);
/* Give back what an earlier nq_budget_take took. */
void nq_budget_give(size_t bytes);
/* Bytes currently taken. */
size_t nq_budget_used(void);

#endif
