/*
 * A sample source kept in memory: every input of every sample filled once
 * from another source, then handed out by copying. For passes that read the
 * same samples many times (bias correction runs them once per corrected
 * layer): an image folder would otherwise be decoded, resized and
 * normalised again each time, which was a quarter of such a convert.
 *
 * The values are the other source's, bit for bit. The memory is taken from
 * the memory budget (core/budget.h) and capped at max_bytes: beyond it
 * nothing is kept and the memo's source simply forwards to the original.
 */
#ifndef NQ_CALIB_SAMPLE_MEMO_H
#define NQ_CALIB_SAMPLE_MEMO_H

#include <stdbool.h>
#include <stddef.h>

#include "ir/graph.h"
#include "npuquant.h"

/* At most this much is kept by default. */
#define NQ_SAMPLE_MEMO_BYTES ((size_t)256 << 20)

typedef struct nq_sample_memo {
  nq_sample_source src; /* read samples through this */
  const nq_sample_source *from;
  const nq_graph *g;
  float *values; /* n_samples x (all inputs' elements), sample-major; NULL: forwarding */
  size_t per_sample;
  size_t taken; /* bytes taken from the budget */
} nq_sample_memo;

/* Fill m from `from`, whose samples feed graph g's inputs. Errors are the
 * other source's (a sample that fails to fill); a memo that does not fit
 * forwards instead, which is no error. */
nq_status nq_sample_memo_init(nq_sample_memo *m, const nq_sample_source *from, const nq_graph *g,
                              size_t max_bytes, nq_error *err);
void nq_sample_memo_free(nq_sample_memo *m);

#endif
