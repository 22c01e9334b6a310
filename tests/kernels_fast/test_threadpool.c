/* The thread pool runs every task exactly once, for any task count, pool
 * size, NULL pool, nested calls and many back-to-back runs (the pattern of a
 * model's kernels), and shuts down cleanly. */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "exec/threadpool.h"
#include "testutil.h"

enum { MAX_TASKS = 257 };

typedef struct {
  atomic_int hits[MAX_TASKS];
  nq_threadpool *pool;
  atomic_int nested_total;
} job;

static void count_task(void *ctx, int t) {
  job *j = ctx;
  atomic_fetch_add(&j->hits[t], 1);
}

static void nested_inner(void *ctx, int t) {
  job *j = ctx;
  (void)t;
  atomic_fetch_add(&j->nested_total, 1);
}

static void nested_outer(void *ctx, int t) {
  job *j = ctx;
  atomic_fetch_add(&j->hits[t], 1);
  nq_threadpool_run(j->pool, 5, nested_inner, j);
}

/* A fresh heap context per run: a worker touching a finished run's context
 * shows up as a miscount here or as a use-after-free under ASan. */
static void check_counts(nq_threadpool *p, int n_tasks) {
  job *j = calloc(1, sizeof *j);
  for (int i = 0; i < MAX_TASKS; i++) atomic_init(&j->hits[i], 0);
  nq_threadpool_run(p, n_tasks, count_task, j);
  for (int i = 0; i < MAX_TASKS; i++) {
    int want = i < n_tasks ? 1 : 0;
    CHECKF(atomic_load(&j->hits[i]) == want, "pool size %d, %d tasks: task %d ran %d times",
           nq_threadpool_size(p), n_tasks, i, atomic_load(&j->hits[i]));
  }
  free(j);
}

int main(void) {
  CHECK(nq_threadpool_size(NULL) == 1);
  const int sizes[] = {1, 2, 3, 8};
  for (int s = 0; s < 4; s++) {
    nq_threadpool *p = nq_threadpool_create(sizes[s]);
    CHECK(p != NULL);
    if (!p) continue;
    CHECK(nq_threadpool_size(p) == sizes[s]);
    const int counts[] = {0, 1, 2, 3, 7, 64, MAX_TASKS};
    for (int c = 0; c < 7; c++) check_counts(p, counts[c]);
    /* Many short runs back to back: lost wake-ups would hang or miscount. */
    for (int r = 0; r < 3000; r++) check_counts(p, 1 + r % 9);
    static job j;
    memset(&j, 0, sizeof j);
    j.pool = p;
    nq_threadpool_run(p, 10, nested_outer, &j);
    CHECK(atomic_load(&j.nested_total) == 50);
    nq_threadpool_free(p);
  }
  check_counts(NULL, 13);
  nq_threadpool *d = nq_threadpool_create(0);
  CHECK(d != NULL && nq_threadpool_size(d) >= 1);
  /* Let the workers fall asleep, then check that a run still wakes them. */
  struct timespec ts = {0, 20 * 1000 * 1000};
  nanosleep(&ts, NULL);
  check_counts(d, 100);
  nq_threadpool_free(d);
  nq_threadpool_free(NULL);
  return nq_test_finish("test_threadpool");
}
