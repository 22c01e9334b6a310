/*
 * Error reporting inside the library.
 *
 * Every fallible function takes an `nq_error *err` (never NULL inside the
 * library) and returns an nq_status. nq_fail() formats the message and
 * returns the code so a failure reads as one line:
 *
 *     if (n > limit) return nq_fail(err, NQ_ERR_FORMAT,
 *         "%s: tensor %d: shape has %u dims, at most %d expected", path, i, n, NQ_MAX_RANK);
 *
 * nq_prefix() prepends context ("file.tflite: ") to a message that a deeper
 * layer already wrote, so callers can add what they know without losing it.
 */
#ifndef NQ_CORE_STATUS_H
#define NQ_CORE_STATUS_H

#include "npuquant.h"

#if defined(__GNUC__)
#define NQ_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define NQ_PRINTF(a, b)
#endif

/* nq_fail() and nq_prefix() are public (include/npuquant.h): callbacks
 * that the library calls report their failures with them too. */
void nq_error_clear(nq_error *err);

/* Propagate a failing status: NQ_TRY(expr) returns from the caller. */
#define NQ_TRY(expr)                          \
  do {                                        \
    nq_status nq_try_s_ = (expr);             \
    if (nq_try_s_ != NQ_OK) return nq_try_s_; \
  } while (0)

#endif
