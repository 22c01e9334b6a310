/* CPU feature detection and the per-thread active kernel set (see
 * cpu_features.h). */
#include "core/cpu_features.h"

#include <stdatomic.h>
#include <string.h>

#include "core/status.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define NQ_BUILD_X86_AVX2 1 /* the *_avx2.c files are compiled in (cmake/deps.cmake) */
#endif

/* 0: no set entered on this thread (use what AUTO resolves to). */
static _Thread_local nq_kernels active_kernels;

bool nq_cpu_has_avx2(void) {
#ifdef NQ_BUILD_X86_AVX2
  static atomic_int cached = -1; /* a benign race: every thread computes the same value */
  int v = atomic_load_explicit(&cached, memory_order_relaxed);
  if (v < 0) {
    v = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    atomic_store_explicit(&cached, v, memory_order_relaxed);
  }
  return v != 0;
#else
  return false;
#endif
}

static nq_kernels best_available(void) {
#if NQ_HAVE_NEON
  return NQ_KERNELS_NEON;
#else
  return nq_cpu_has_avx2() ? NQ_KERNELS_AVX2 : NQ_KERNELS_PORTABLE;
#endif
}

nq_status nq_cpu_resolve(nq_kernels want, nq_kernels *use, nq_error *err) {
  switch (want) {
    case NQ_KERNELS_AUTO:
      *use = best_available();
      return NQ_OK;
    case NQ_KERNELS_PORTABLE:
      *use = NQ_KERNELS_PORTABLE;
      return NQ_OK;
    case NQ_KERNELS_AVX2:
#ifdef NQ_BUILD_X86_AVX2
      if (!nq_cpu_has_avx2())
        return nq_fail(err, NQ_ERR_UNSUPPORTED,
                       "kernels 'avx2': this CPU lacks AVX2 and FMA; use 'auto' or 'portable'");
      *use = NQ_KERNELS_AVX2;
      return NQ_OK;
#else
      return nq_fail(
          err, NQ_ERR_UNSUPPORTED,
          "kernels 'avx2': this build is not for x86-64 (no AVX2 kernels); use 'auto' or 'portable'");
#endif
    case NQ_KERNELS_NEON:
#if NQ_HAVE_NEON /* ARMv8.0 Advanced SIMD: every aarch64 CPU has it, no run-time check needed */
      *use = NQ_KERNELS_NEON;
      return NQ_OK;
#else
      return nq_fail(err, NQ_ERR_UNSUPPORTED,
                     "kernels 'neon': this build is not for aarch64; use 'auto' or 'portable'");
#endif
  }
  return nq_fail(err, NQ_ERR_INVALID_ARG, "kernels %d: auto (0), portable, avx2 or neon expected", (int)want);
}

nq_kernels nq_cpu_enter(nq_kernels k) {
  nq_kernels previous = active_kernels;
  active_kernels = k;
  return previous;
}

void nq_cpu_leave(nq_kernels previous) { active_kernels = previous; }

nq_kernels nq_cpu_active(void) {
  return active_kernels != NQ_KERNELS_AUTO ? active_kernels : best_available();
}

/* ---- public: names for the CLI and the Python binding ---- */

static const char *const kernel_names[] = {"auto", "portable", "avx2", "neon"};

const char *nq_kernels_name(nq_kernels k) {
  return (unsigned)k < sizeof kernel_names / sizeof kernel_names[0] ? kernel_names[k] : "unknown";
}

nq_status nq_kernels_parse(const char *name, nq_kernels *out, nq_error *err) {
  for (unsigned i = 0; name && i < sizeof kernel_names / sizeof kernel_names[0]; i++) {
    if (strcmp(name, kernel_names[i]) == 0) {
      *out = (nq_kernels)i;
      return NQ_OK;
    }
  }
  return nq_fail(err, NQ_ERR_INVALID_ARG, "kernels '%s': auto, portable, avx2 or neon expected",
                 name ? name : "(null)");
}

nq_status nq_kernels_resolve(nq_kernels want, nq_kernels *use, nq_error *err) {
  if (!use) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_kernels_resolve: NULL argument");
  return nq_cpu_resolve(want, use, err);
}
