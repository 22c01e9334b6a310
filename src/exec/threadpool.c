/*
 * Fixed pthread pool (see threadpool.h).
 *
 * One job at a time. The job is (fn, ctx, n_tasks) plus one 64-bit claim
 * word holding the job's generation (high half) and the next task index
 * (low half). Workers and the caller claim tasks with a compare-and-swap
 * that only succeeds for the current generation, so uneven tasks balance
 * themselves, nothing is allocated per run, and a worker that wakes up late
 * can never run a task of a job that is over. The caller returns as soon as
 * every task has *finished* (a per-job done count), never waiting for a
 * worker that has not even woken up: on a loaded machine a descheduled
 * worker would otherwise stall every kernel for a whole time slice, and the
 * caller simply runs the remaining tasks itself.
 *
 * Why spin before sleeping: a model runs dozens of short kernels back to
 * back, and waking a sleeping thread through a futex costs microseconds,
 * about the run time of a small kernel. Workers poll for a bounded time
 * after a job and then block on a condition variable, so an idle pool costs
 * no CPU.
 */
#include "exec/threadpool.h"

#include "core/cpu_features.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* Polls (with a pause instruction each) before a thread sleeps: a few tens
 * of microseconds. */
#define NQ_POOL_SPIN 2000

typedef void (*nq_task_fn)(void *ctx, int task);

struct nq_threadpool {
  int n_threads; /* workers + the calling thread */
  int n_workers;
  pthread_t *workers;
  int n_started;

  pthread_mutex_t run_mu; /* one job at a time when several threads share a pool */
  pthread_mutex_t mu;     /* guards sleeping, stop and the condition variables */
  pthread_cond_t wake;    /* workers wait here for a new generation */
  pthread_cond_t done_cv; /* the caller waits here for the last task */
  int sleeping;
  bool caller_waiting;
  bool stop;

  /* The current job. Atomic because a late worker may read them while the
   * next job is being published; its claim then fails on the generation. */
  _Atomic(nq_task_fn) fn;
  _Atomic(void *) ctx;
  atomic_int n_tasks;
  atomic_uint_least64_t claim; /* generation << 32 | next task index */
  atomic_int done;             /* tasks of the current job finished */
  atomic_int kernels;          /* the caller's kernel set (core/cpu_features.h), for the workers */
};

/* Set while a thread executes pool tasks, so a kernel that calls
 * nq_threadpool_run() from inside a task runs it serially instead of
 * deadlocking on run_mu. */
static _Thread_local int nq_in_pool_task;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Claim and run tasks of generation gen until none are left.
 *
 * Ordering argument. To publish a job the caller (1) closes the old
 * generation by setting the claim word's index to all ones, (2) writes
 * ctx/fn/done and then n_tasks with release, (3) release-stores (gen, 0).
 * It does so only after every task of the previous job has finished.
 * A worker loads the claim word w, then n_tasks with acquire. If it sees
 * a new job's n_tasks, step (1) happened before its CAS, so a CAS from a
 * stale w fails; without step (1) a stale w = (old gen, i) with i past the
 * old job's end could claim "task i" of a job that does not exist yet.
 * fn and ctx are read after a successful CAS: the job cannot finish while
 * the task just claimed has not run, so they are still this job's. */
static void drain_tasks(nq_threadpool *p, uint32_t gen) {
  nq_in_pool_task = 1;
  uint64_t w = atomic_load_explicit(&p->claim, memory_order_acquire);
  for (;;) {
    if ((uint32_t)(w >> 32) != gen) break;
    int n = atomic_load_explicit(&p->n_tasks, memory_order_acquire);
    if ((uint32_t)w >= (uint32_t)n) break;
    if (!atomic_compare_exchange_weak_explicit(&p->claim, &w, w + 1, memory_order_acq_rel,
                                               memory_order_acquire))
      continue; /* w now holds the current word */
    nq_task_fn fn = atomic_load_explicit(&p->fn, memory_order_relaxed);
    void *ctx = atomic_load_explicit(&p->ctx, memory_order_relaxed);
    nq_kernels previous = nq_cpu_enter((nq_kernels)atomic_load_explicit(&p->kernels, memory_order_relaxed));
    fn(ctx, (int)(uint32_t)w);
    nq_cpu_leave(previous);
    if (atomic_fetch_add_explicit(&p->done, 1, memory_order_acq_rel) + 1 == n) {
      pthread_mutex_lock(&p->mu);
      if (p->caller_waiting) pthread_cond_signal(&p->done_cv);
      pthread_mutex_unlock(&p->mu);
    }
    w = atomic_load_explicit(&p->claim, memory_order_acquire);
  }
  nq_in_pool_task = 0;
}

static uint32_t current_gen(nq_threadpool *p) {
  return (uint32_t)(atomic_load_explicit(&p->claim, memory_order_acquire) >> 32);
}

static void *worker_main(void *arg) {
  nq_threadpool *p = arg;
  uint32_t seen = 0;
  for (;;) {
    uint32_t g = current_gen(p);
    for (int spin = 0; g == seen && spin < NQ_POOL_SPIN; spin++) {
      cpu_relax();
      g = current_gen(p);
    }
    if (g == seen) {
      pthread_mutex_lock(&p->mu);
      p->sleeping++;
      while (!p->stop && (g = current_gen(p)) == seen) pthread_cond_wait(&p->wake, &p->mu);
      p->sleeping--;
      bool stop = p->stop;
      pthread_mutex_unlock(&p->mu);
      if (stop) return NULL;
    }
    seen = g;
    drain_tasks(p, g);
  }
}

nq_threadpool *nq_threadpool_create(int n_threads) {
  if (n_threads <= 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    n_threads = n > 0 ? (int)(n > 256 ? 256 : n) : 1;
  }
  if (n_threads > 1024) n_threads = 1024;
  nq_threadpool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->n_threads = n_threads;
  p->n_workers = n_threads - 1;
  if (pthread_mutex_init(&p->run_mu, NULL) != 0) goto fail_run_mu;
  if (pthread_mutex_init(&p->mu, NULL) != 0) goto fail_mu;
  if (pthread_cond_init(&p->wake, NULL) != 0) goto fail_wake;
  if (pthread_cond_init(&p->done_cv, NULL) != 0) goto fail_done;
  atomic_init(&p->fn, NULL);
  atomic_init(&p->ctx, NULL);
  atomic_init(&p->n_tasks, 0);
  atomic_init(&p->claim, 0);
  atomic_init(&p->done, 0);
  atomic_init(&p->kernels, 0);
  if (p->n_workers > 0) {
    p->workers = calloc((size_t)p->n_workers, sizeof *p->workers);
    if (!p->workers) {
      nq_threadpool_free(p);
      return NULL;
    }
    for (int i = 0; i < p->n_workers; i++) {
      if (pthread_create(&p->workers[i], NULL, worker_main, p) != 0) {
        nq_threadpool_free(p);
        return NULL;
      }
      p->n_started++;
    }
  }
  return p;

fail_done:
  pthread_cond_destroy(&p->wake);
fail_wake:
  pthread_mutex_destroy(&p->mu);
fail_mu:
  pthread_mutex_destroy(&p->run_mu);
fail_run_mu:
  free(p);
  return NULL;
}

void nq_threadpool_free(nq_threadpool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->stop = true;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < p->n_started; i++) pthread_join(p->workers[i], NULL);
  free(p->workers);
  pthread_cond_destroy(&p->done_cv);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->mu);
  pthread_mutex_destroy(&p->run_mu);
  free(p);
}

int nq_threadpool_size(const nq_threadpool *p) { return p ? p->n_threads : 1; }

void nq_threadpool_run(nq_threadpool *p, int n_tasks, void (*fn)(void *ctx, int task), void *ctx) {
  if (n_tasks <= 0) return;
  /* create() frees a pool whose workers did not all start, so n_started ==
   * n_workers here. */
  if (!p || p->n_workers == 0 || n_tasks == 1 || nq_in_pool_task) {
    for (int t = 0; t < n_tasks; t++) fn(ctx, t);
    return;
  }
  pthread_mutex_lock(&p->run_mu);
  uint32_t old_gen = current_gen(p), gen = old_gen + 1;
  atomic_store_explicit(&p->claim, (uint64_t)old_gen << 32 | UINT32_MAX, memory_order_relaxed);
  atomic_store_explicit(&p->fn, fn, memory_order_relaxed);
  atomic_store_explicit(&p->ctx, ctx, memory_order_relaxed);
  atomic_store_explicit(&p->done, 0, memory_order_relaxed);
  atomic_store_explicit(&p->kernels, (int)nq_cpu_active(), memory_order_relaxed);
  atomic_store_explicit(&p->n_tasks, n_tasks, memory_order_release);
  /* The release store publishes the fields above with the new generation.
   * Taking mu orders it against a worker about to sleep: no lost wake-up. */
  pthread_mutex_lock(&p->mu);
  atomic_store_explicit(&p->claim, (uint64_t)gen << 32, memory_order_release);
  if (p->sleeping > 0) pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mu);

  drain_tasks(p, gen);

  for (int spin = 0; spin < NQ_POOL_SPIN; spin++) {
    if (atomic_load_explicit(&p->done, memory_order_acquire) == n_tasks) break;
    cpu_relax();
  }
  if (atomic_load_explicit(&p->done, memory_order_acquire) != n_tasks) {
    pthread_mutex_lock(&p->mu);
    p->caller_waiting = true;
    while (atomic_load_explicit(&p->done, memory_order_acquire) != n_tasks)
      pthread_cond_wait(&p->done_cv, &p->mu);
    p->caller_waiting = false;
    pthread_mutex_unlock(&p->mu);
  }
  pthread_mutex_unlock(&p->run_mu);
}
