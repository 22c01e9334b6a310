/* Error printing, exit codes and small parsers shared by the commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "npuquant.h"

const char cli_exit_codes_help[] =
    "Exit codes:\n"
    "  0  success\n"
    "  1  error in the input: unreadable or malformed model or data file, wrong\n"
    "     input shape or type, a file that cannot be written\n"
    "  2  usage error: unknown command or option, missing or bad argument\n"
    "  3  unsupported: the model uses an op or type npuquant does not handle\n"
    "     (a file that is no model at all is an input error, 1)\n"
    "  4  internal error (a bug in npuquant: please report it)\n"
    "  5  quality gate: an output of convert's int8 model is below --min-sqnr\n";

/* Print to stderr with newlines flattened so every error is one line. */
static void vprint_error(const char *fmt, va_list ap) {
  char msg[2048];
  vsnprintf(msg, sizeof msg, fmt, ap);
  for (char *p = msg; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
  fprintf(stderr, "npuquant: %s\n", msg);
}

void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprint_error(fmt, ap);
  va_end(ap);
}

int cli_exit_code(nq_status s) {
  switch (s) {
    case NQ_OK:
      return CLI_OK;
    case NQ_ERR_UNSUPPORTED:
      return CLI_ERR_UNSUPPORTED;
    case NQ_ERR_INTERNAL:
      return CLI_ERR_INTERNAL;
    /* IO, FORMAT, INVALID_ARG (an argument that came from the user's data,
     * e.g. a wrong input size), NOMEM (a size limit hit by the input), SHAPE
     * and NUMERIC are all problems with what the user gave us. */
    default:
      return CLI_ERR_INPUT;
  }
}

int cli_fail_status(nq_status s, const nq_error *err) {
  cli_error("%s", err->msg[0] ? err->msg : nq_status_name(s));
  return cli_exit_code(s);
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (cmd)
    cli_error("%s (see 'npuquant %s --help')", msg, cmd);
  else
    cli_error("%s (see 'npuquant --help')", msg);
  return CLI_ERR_USAGE;
}

int cli_parse_int(const char *s, long lo, long hi, long *out) {
  if (!s || !*s) return -1;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

const char *cli_printable(const char *name, char *buf, size_t n) {
  if (!n) return "";
  snprintf(buf, n, "%s", name ? name : "");
  nq_utf8_make_printable(buf);
  for (char *p = buf; *p; p++)
    if (*p == '\n' || *p == '\t') *p = '?'; /* one name, one line */
  return buf;
}

const char *cli_shape_str(const int32_t *shape, int rank, char *buf, size_t n) {
  if (n == 0) return buf;
  size_t used = 0;
  int w = snprintf(buf, n, "[");
  used = w > 0 ? (size_t)w : 0;
  for (int i = 0; i < rank && used < n; i++) {
    w = snprintf(buf + used, n - used, "%s%ld", i ? ", " : "", (long)shape[i]);
    if (w < 0) break;
    used += (size_t)w;
  }
  if (used < n) snprintf(buf + used, n - used, "]");
  return buf;
}

int cli_print_help(const char *text) {
  fputs(text, stdout);
  return CLI_OK;
}

int cli_getopt_error(const char *cmd, int c, char **argv) {
  extern int optind, optopt;
  const char *arg = optind > 0 ? argv[optind - 1] : "?";
  char shortopt[3] = {'-', (char)optopt, '\0'};
  /* For a short option optopt is the letter; for a long one it is 0 (unknown)
   * or its value, and argv[optind - 1] holds the text the user typed. */
  const char *name = (optopt > ' ' && optopt < 127 && arg[0] == '-' && arg[1] != '-') ? shortopt : arg;
  if (c == ':') return cli_usage_error(cmd, "option '%s' needs an argument", name);
  return cli_usage_error(cmd, "unknown option '%s'", name);
}
