/*
 * A fixed pool of worker threads for the fast kernels. nq_threadpool_run()
 * calls fn(ctx, task) for task = 0..n_tasks-1 spread over the workers and
 * the calling thread, and returns when all have finished. A NULL pool runs
 * every task on the calling thread, so kernels need no special case.
 */
#ifndef NQ_EXEC_THREADPOOL_H
#define NQ_EXEC_THREADPOOL_H

typedef struct nq_threadpool nq_threadpool;

/* n_threads <= 0: one per online core. Returns NULL on failure (callers
 * then run single-threaded). */
nq_threadpool *nq_threadpool_create(int n_threads);
void nq_threadpool_free(nq_threadpool *p);
int nq_threadpool_size(const nq_threadpool *p); /* 1 for NULL */
void nq_threadpool_run(nq_threadpool *p, int n_tasks, void (*fn)(void *ctx, int task), void *ctx);

#endif
