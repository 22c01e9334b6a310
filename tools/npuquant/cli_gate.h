/*
 * The quality gate of `convert`: a loud warning when an output of the int8
 * model is far from the float model (SQNR below 20 dB, or top-1 agreement
 * below 95 %), and `--min-sqnr DB`, which turns an output below DB into
 * exit CLI_ERR_QUALITY (the file is then written only with --keep-on-fail).
 */
#ifndef NQ_CLI_GATE_H
#define NQ_CLI_GATE_H

#include <stdbool.h>

#include "npuquant.h"

#define CLI_GATE_WARN_SQNR_DB 20.0
#define CLI_GATE_WARN_TOP1 0.95

/* Print the warnings for `cmp` (unless quiet) and return true when some
 * output's SQNR is below min_sqnr (NAN: no gate); the failing output is
 * named on stderr. *collapsed is set when any warning applies. */
bool cli_gate_check(const nq_compare_report *cmp, double min_sqnr, bool quiet, bool *collapsed);

#endif
