/*
 * `convert --report out.html` / `compare --report out.html`: the report as
 * one self-contained HTML file (inline CSS and SVG drawn here, no script,
 * no network): the outputs' figures, the recipe table, per-layer SQNR bars,
 * the worst layers, activation histograms with their chosen ranges, weight
 * ranges per channel and the NPU report. Every number also has a
 * data-value attribute printed as --json prints it, so a test can check
 * the two agree.
 */
#ifndef NQ_CLI_HTML_H
#define NQ_CLI_HTML_H

#include "cli_report.h"

/* Write the report for r to path (through a temporary file renamed into
 * place, so a failure never leaves half a file). */
nq_status cli_html_write(const cli_report *r, const char *path, nq_error *err);

#endif
