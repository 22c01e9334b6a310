/*
 * How the fast integer kernels share work over the thread pool and size
 * their per-thread scratch (conv_s8_fast.c, conv_s16_fast.c,
 * depthwise_s8_fast.c, depthwise_s16_fast.c, pool_s8_fast.c).
 */
#ifndef NQ_EXEC_INT8_FAST_WORK_H
#define NQ_EXEC_INT8_FAST_WORK_H

#include "exec/float/fast_common.h" /* scratch slots */
#include "exec/int8/int8_common.h"
#include "exec/qgemm.h"

/* Scratch slots: one per pool thread, at most NQ_FAST_MAX_SLOTS. */
static inline int nq_i8_slot_count(const nq_kernel_args *a) {
  const int t = nq_threadpool_size(a->pool);
  return t > NQ_FAST_MAX_SLOTS ? NQ_FAST_MAX_SLOTS : t;
}

/* Tasks for `units` independent units of `work` multiply-adds (or
 * compares): per_thread tasks a thread so that dynamic claiming balances,
 * but each task keeps >= ~64K of work (a task costs a wake-up). */
static inline int nq_i8_task_count(int threads, int per_thread, double work, int units) {
  int want = threads == 1 ? 1 : per_thread * threads;
  if ((double)want > work / 65536.0) want = work / 65536.0 >= 2.0 ? (int)(work / 65536.0) : 1;
  return want < units ? want : units;
}

/* GEMM pixels per block: ~128 KiB of im2col rows of k int16 (half of a
 * typical L2), a multiple of the NQ_QGEMM_MR-row tile, 4..64. */
static inline int nq_i8_gemm_block_rows(size_t k) {
  const size_t kp = (k + 1) & ~(size_t)1;
  size_t r = (128u * 1024u) / (kp * sizeof(int16_t));
  r = r / NQ_QGEMM_MR * NQ_QGEMM_MR;
  return r < NQ_QGEMM_MR ? NQ_QGEMM_MR : r > 64 ? 64 : (int)r;
}

/* One slot of im2col rows (also holds conv_s8_fast.c's VNNI rows:
 * 2 * roundup(k, 2) >= roundup(k, 4) bytes). */
static inline size_t nq_i8_gemm_slot_bytes(size_t k) {
  return nq_i8_align64((size_t)nq_i8_gemm_block_rows(k) * ((k + 1) & ~(size_t)1) * sizeof(int16_t));
}

#endif
