/* The process-wide memory account (see budget.h). */
#include "core/budget.h"

#include <stdatomic.h>
#include <unistd.h>

#include "core/status.h"

static atomic_size_t used;
static atomic_size_t limit; /* 0: not set yet, use the default */

static size_t default_limit(void) {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return (size_t)4 << 30; /* unknown machine: 4 GiB */
  unsigned long long half = (unsigned long long)pages * (unsigned long long)page / 2;
  return half > SIZE_MAX ? SIZE_MAX : (size_t)half;
}

size_t nq_memory_limit(void) {
  size_t l = atomic_load(&limit);
  return l ? l : default_limit();
}

void nq_set_memory_limit(size_t bytes) { atomic_store(&limit, bytes); }

size_t nq_budget_used(void) { return atomic_load(&used); }

nq_status nq_budget_take(size_t bytes, const char *what, nq_error *err) {
  size_t lim = nq_memory_limit();
  size_t cur = atomic_load(&used);
  do {
    if (bytes > lim || cur > lim - bytes)
      return nq_fail(err, NQ_ERR_NOMEM,
                     "%s: needs %zu bytes, more than the memory budget allows (%zu of %zu bytes in use); "
                     "raise the limit with --max-memory (C: nq_set_memory_limit) if the model is genuine",
                     what ? what : "model data", bytes, cur, lim);
  } while (!atomic_compare_exchange_weak(&used, &cur, cur + bytes));
  return NQ_OK;
}

void nq_budget_give(size_t bytes) {
  size_t cur = atomic_load(&used);
  /* never below zero, whatever a caller gives back */
  while (!atomic_compare_exchange_weak(&used, &cur, cur >= bytes ? cur - bytes : 0)) {
  }
}
