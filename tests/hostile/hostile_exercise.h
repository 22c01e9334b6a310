/*
 * Put one (possibly hostile) graph through everything a user can do with a
 * stranger's model: inspect (tensor descriptions), the NPU report for every
 * target, a session run on zero and on random inputs in both rounding modes
 * (sometimes on two threads, sometimes keeping and reading every tensor),
 * for float models a tiny conversion (2 samples), a float-vs-int8
 * comparison and a run of the result, for the others a comparison with
 * itself (quantized inputs and outputs go through its parameters);
 * optionally a trip through the TFLite writer and reader, with a few
 * serialized fields flipped on the way (NQ_HOSTILE_DUMP=<dir> keeps the
 * reloaded files as fuzz seeds).
 *
 * Every call must end in NQ_OK or a clean error: a status other than
 * NQ_ERR_INTERNAL with a non-empty message. An out-of-memory error from a
 * model whose tensors are small is counted as an absurd allocation. The
 * sanitizers and the caller's watchdog catch crashes and hangs.
 */
#ifndef NQ_TESTS_HOSTILE_EXERCISE_H
#define NQ_TESTS_HOSTILE_EXERCISE_H

#include "ir/graph.h"
#include "testutil.h"

typedef struct hostile_stats {
  long graphs;          /* graphs exercised (mutants and reloaded files) */
  long rejected_verify; /* refused by nq_graph_verify */
  long too_big;         /* activations or work over the run budget: report only */
  long sessions_ok, sessions_refused;
  long runs_ok, runs_refused;
  long converts_ok, converts_refused;
  long compares_ok;
  long reloads_ok, reloads_refused;
  long by_status[NQ_STATUS_COUNT]; /* every clean refusal, by code */
  long bad;                        /* unclean outcomes (also counted as test failures) */
} hostile_stats;

/* Exercise g (borrowed; may be modified by shape inference). `desc` names
 * the mutant in failure messages. reload: also write, flip and re-read. */
void hostile_exercise(nq_graph *g, nq_rng *r, bool reload, const char *desc, hostile_stats *st);

#endif
