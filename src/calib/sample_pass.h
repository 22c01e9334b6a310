/*
 * One pass of a float graph over every representative sample, with every
 * tensor kept, for the statistics passes (min/max, histograms).
 *
 * Threads go across samples, not inside layers, when memory allows: each
 * worker owns a single-threaded session and its own partial statistics,
 * so no layer waits for a slow or descheduled thread (per-layer threading
 * syncs ~100 times per resnet50 pass; on a loaded 2-core machine two
 * threads per layer ran resnet50 in 225 ms where one took 143 ms). The
 * caller merges the partials in worker order; min/max and counts do not
 * depend on which worker saw which sample, so the result is the serial
 * one, bit for bit.
 *
 * The sample source's callbacks are never called concurrently (a mutex),
 * though maybe from a worker thread. Samples are handed out in order; on a
 * failure no later sample starts and the error of the lowest failing
 * sample is returned, the one a serial pass stops at.
 */
#ifndef NQ_CALIB_SAMPLE_PASS_H
#define NQ_CALIB_SAMPLE_PASS_H

#include <stdbool.h>
#include <stddef.h>

#include "calib/calibrate.h"

/* Called after sample `sample` ran on worker `worker`'s session s: fold its
 * tensors into that worker's partial result. name: the sample's label for
 * messages (nq_sample_label, taken under the lock with the sample). */
typedef nq_status (*nq_sample_visit_fn)(void *ctx, int worker, int sample, const char *name, nq_session *s,
                                        nq_error *err);

/* Memory the extra workers may take together (each holds every activation
 * of a sample and its own prepared weights): beyond it, fewer workers. */
#define NQ_SAMPLE_PASS_EXTRA_BYTES ((size_t)768 << 20)

/* How many workers a pass of g over n_samples uses with opts' threads
 * (0 or opts NULL: one per core): 1 runs one session with per-layer threads. */
int nq_sample_pass_workers(const nq_graph *g, const nq_session_options *opts, int n_samples);

/* Run every sample of src through g on `workers` workers (from
 * nq_sample_pass_workers) and call visit after each. progress: report to
 * src->progress. */
nq_status nq_sample_pass_run(const nq_graph *g, const nq_sample_source *src, const nq_session_options *opts,
                             int workers, bool progress, nq_sample_visit_fn visit, void *ctx, nq_error *err);

/* A sample's name for messages: src->name's, else "sample K". */
const char *nq_sample_label(const nq_sample_source *src, int k, char *buf, size_t n);

#endif
