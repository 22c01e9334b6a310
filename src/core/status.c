#include "core/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"

static const char *const status_names[NQ_STATUS_COUNT] = {
    [NQ_OK] = "ok",
    [NQ_ERR_IO] = "I/O error",
    [NQ_ERR_FORMAT] = "format error",
    [NQ_ERR_UNSUPPORTED] = "unsupported",
    [NQ_ERR_INVALID_ARG] = "invalid argument",
    [NQ_ERR_NOMEM] = "out of memory",
    [NQ_ERR_SHAPE] = "shape error",
    [NQ_ERR_NUMERIC] = "numeric error",
    [NQ_ERR_INTERNAL] = "internal error",
};
_Static_assert(sizeof status_names / sizeof status_names[0] == NQ_STATUS_COUNT,
               "status_names must name every nq_status");

const char *nq_status_name(nq_status s) {
  if ((unsigned)s >= NQ_STATUS_COUNT || !status_names[s]) return "unknown status";
  return status_names[s];
}

nq_status nq_fail(nq_error *err, nq_status code, const char *fmt, ...) {
  if (!err) return code;
  err->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  /* Names quoted from a hostile file may hold any bytes, and truncation may
   * cut a multi-byte character: the message must stay printable UTF-8. */
  nq_utf8_make_printable(err->msg);
  return code;
}

nq_status nq_prefix(nq_error *err, const char *fmt, ...) {
  if (!err) return NQ_ERR_INTERNAL;
  char head[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(head, sizeof head, fmt, ap);
  va_end(ap);
  char old[sizeof err->msg];
  memcpy(old, err->msg, sizeof old);
  old[sizeof old - 1] = '\0';
  size_t hl = strlen(head), ol = strlen(old);
  if (hl > sizeof err->msg - 1) hl = sizeof err->msg - 1;
  if (ol > sizeof err->msg - 1 - hl) ol = sizeof err->msg - 1 - hl;
  memcpy(err->msg, head, hl);
  memcpy(err->msg + hl, old, ol);
  err->msg[hl + ol] = '\0';
  nq_utf8_make_printable(err->msg);
  return err->code;
}

void nq_error_clear(nq_error *err) {
  if (!err) return;
  err->code = NQ_OK;
  err->msg[0] = '\0';
}
