/*
 * Shared pieces of the npuquant command-line tool.
 *
 * The CLI only parses arguments, calls the public library API and prints.
 * It includes include/npuquant.h and nothing from src/ (a test checks), so
 * whatever it does a program or the Python binding can do too.
 * Conventions every command follows:
 *   - errors go to stderr as one line "npuquant: <message>" (cli_error);
 *   - the process exit code says what kind of failure it was (below), and
 *     library statuses map to it through cli_exit_code();
 *   - results go to stdout; nothing else does.
 */
#ifndef NQ_CLI_H
#define NQ_CLI_H

#include <stdio.h>

#include "npuquant.h"

/* Exit codes (documented in `npuquant --help` and docs/cli.md). */
enum {
  CLI_OK = 0,              /* success */
  CLI_ERR_INPUT = 1,       /* bad or unreadable input: model, data file, I/O */
  CLI_ERR_USAGE = 2,       /* wrong command line */
  CLI_ERR_UNSUPPORTED = 3, /* valid model using something npuquant does not handle */
  CLI_ERR_INTERNAL = 4,    /* a bug in npuquant */
  CLI_ERR_QUALITY = 5,     /* convert --min-sqnr: the int8 model is too far from the float one */
};

/* The text of the exit-code table, shared by every --help. */
extern const char cli_exit_codes_help[];

/* Every command: declarations generated from commands.def. */
#define NQ_CLI_COMMAND(name, summary)    \
  int cmd_##name(int argc, char **argv); \
  extern const char cmd_##name##_help[];
#include "commands.def"
#undef NQ_CLI_COMMAND

/* Print "npuquant: <message>" on stderr (newlines in the message become
 * spaces so the error stays one line). */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Report a failing library call (err->msg) and return its exit code. */
int cli_fail_status(nq_status s, const nq_error *err);

/* The exit code for a library status. */
int cli_exit_code(nq_status s);

/* Usage error of command `cmd`: prints the message plus a hint to run
 * `npuquant CMD --help`, returns CLI_ERR_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Parse a whole decimal integer in [lo, hi]; 0 on success, -1 otherwise. */
int cli_parse_int(const char *s, long lo, long hi, long *out);

/* A copy of a name read from a model file that is safe to print: broken
 * UTF-8 and control characters (a terminal's escape sequences) become '?'.
 * A NULL name prints as "". */
const char *cli_printable(const char *name, char *buf, size_t n);

/* "[1, 224, 224, 3]" */
const char *cli_shape_str(const int32_t *shape, int rank, char *buf, size_t n);

/* Turn getopt_long's '?' / ':' result into a usage error naming the
 * offending option (commands set opterr = 0 and start optstring with ':'). */
int cli_getopt_error(const char *cmd, int c, char **argv);

/* Propagate a failing library status: CLI_TRY(expr) returns it. */
#define CLI_TRY(expr)                           \
  do {                                          \
    nq_status cli_try_s_ = (expr);              \
    if (cli_try_s_ != NQ_OK) return cli_try_s_; \
  } while (0)

/* Print a --help text and return CLI_OK. */
int cli_print_help(const char *text);

#endif
