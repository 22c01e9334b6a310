/*
 * Per-node timing through the public API (nq_session_profile,
 * nq_session_node_time) on the bundled demo model: refused before profiling
 * is on and for nodes that do not exist; after N runs every node reports N
 * runs, a known kernel family and a non-negative total; the node totals
 * partition each run, so their sum lies within the wall time around the
 * runs (an ordering of clock readings, not a speed claim); switching off
 * and on again starts from zero.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "npuquant.h"
#include "testutil.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(void) {
  nq_model *m = nq_test_load_demo();
  nq_session *s = NULL;
  nq_error err;
  CHECK(m != NULL);
  if (!m) return nq_test_finish("test_api_profile");
  CHECKF(nq_session_create(m, NULL, &s, &err) == NQ_OK, "%s", err.msg);
  int n = nq_model_num_nodes(m);
  CHECKF(n > 1, "demo model has %d nodes", n);
  nq_node_time t;
  CHECKF(nq_session_node_time(s, 0, &t, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "nq_session_profile"),
         "timings before profiling: %s", err.msg);
  CHECKF(nq_session_profile(s, 1, &err) == NQ_OK, "%s", err.msg);
  CHECKF(nq_session_node_time(s, n, &t, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "does not exist"),
         "node %d: %s", n, err.msg);
  CHECKF(nq_session_node_time(s, -1, &t, &err) == NQ_ERR_INVALID_ARG, "node -1 accepted");
  CHECKF(nq_session_node_time(NULL, 0, &t, &err) == NQ_ERR_INVALID_ARG, "NULL session accepted");
  CHECKF(nq_session_node_time(s, 0, &t, &err) == NQ_OK && t.runs == 0 && t.total_ms == 0.0,
         "fresh profile: %ld runs, %g ms", t.runs, t.total_ms);
  double t0 = now_ms();
  for (int r = 0; r < 3; r++) CHECKF(nq_session_run(s, &err) == NQ_OK, "%s", err.msg);
  double wall = now_ms() - t0, sum = 0.0;
  for (int i = 0; i < n; i++) {
    CHECKF(nq_session_node_time(s, i, &t, &err) == NQ_OK, "node %d: %s", i, err.msg);
    CHECKF(t.runs == 3, "node %d: %ld runs, 3 made", i, t.runs);
    CHECKF(t.total_ms >= 0.0, "node %d: %g ms", i, t.total_ms);
    CHECKF(t.kernel && (!strcmp(t.kernel, "fast") || !strcmp(t.kernel, "ref") || !strcmp(t.kernel, "int8") ||
                        !strcmp(t.kernel, "int8-fast")),
           "node %d: kernel '%s'", i, t.kernel ? t.kernel : "(null)");
    sum += t.total_ms;
  }
  CHECKF(sum > 0.0 && sum <= wall + 1e-6, "node times sum to %.6f ms, the runs took %.6f ms", sum, wall);
  CHECKF(nq_session_profile(s, 0, &err) == NQ_OK, "%s", err.msg);
  CHECKF(nq_session_node_time(s, 0, &t, &err) == NQ_ERR_INVALID_ARG,
         "timings after profiling was switched off");
  CHECKF(nq_session_run(s, &err) == NQ_OK, "%s", err.msg);
  CHECKF(
      nq_session_profile(s, 1, &err) == NQ_OK && nq_session_node_time(s, 0, &t, &err) == NQ_OK && t.runs == 0,
      "profiling on again starts from zero: %ld runs", t.runs);
  CHECKF(nq_session_profile(NULL, 1, &err) == NQ_ERR_INVALID_ARG, "NULL session accepted");
  nq_session_free(s);
  nq_model_free(m);
  return nq_test_finish("test_api_profile");
}
