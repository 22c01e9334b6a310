/*
 * Which code path the fast kernels take: what this CPU and this build can
 * run (asked once), and what the session asked for (nq_session_options
 * .kernels, `--kernels auto|portable|avx2|neon`). This is the only place
 * the library looks at CPU features; it reads no environment variable.
 *
 * The choice travels with the work instead of living in a global: the
 * engine makes its session's resolved set the active one on the calling
 * thread while it prepares and runs (nq_cpu_enter / nq_cpu_leave), and the
 * thread pool hands the caller's set to its workers with each job. Two
 * sessions with different choices can so run in one process. Kernels ask
 * one question, nq_cpu_use_avx2(). A thread that never entered a set (a
 * unit test calling a kernel directly) gets what `auto` resolves to.
 */
#ifndef NQ_CORE_CPU_FEATURES_H
#define NQ_CORE_CPU_FEATURES_H

#include <stdbool.h>

#include "npuquant.h"

/* The build has AVX2+FMA kernels (x86-64 with gcc or clang) and the CPU
 * runs them. */
bool nq_cpu_has_avx2(void);

/* The kernel set `want` stands for on this machine: AUTO becomes AVX2 or
 * PORTABLE (NEON on an aarch64 build); a set this build or CPU cannot run
 * fails with NQ_ERR_UNSUPPORTED and a message saying why. */
nq_status nq_cpu_resolve(nq_kernels want, nq_kernels *use, nq_error *err);

/* Make `k` (resolved) the active set of this thread; returns the previous
 * one for nq_cpu_leave. */
nq_kernels nq_cpu_enter(nq_kernels k);
void nq_cpu_leave(nq_kernels previous);
/* The active set of this thread (resolved: never AUTO). */
nq_kernels nq_cpu_active(void);

/* What the fast kernels ask before taking an AVX2 path. */
static inline bool nq_cpu_use_avx2(void) { return nq_cpu_active() == NQ_KERNELS_AVX2; }
/* ... and before taking a NEON path (*_neon.c, built only when NQ_HAVE_NEON). */
static inline bool nq_cpu_use_neon(void) { return nq_cpu_active() == NQ_KERNELS_NEON; }

#endif
