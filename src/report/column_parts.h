/*
 * An output's column parts. A detector's rows [1, N, 5 + C] hold box
 * coordinates in pixels, an objectness and C class scores side by side: the
 * model puts them together with a CONCATENATION along the last axis (then
 * reshapes the rows and concatenates the levels' rows along other axes). One
 * SQNR over such rows is the pixel coordinates' figure, whatever happens to
 * the scores beside them. Judged per column group, each quantity counts on
 * its own: the automatic recipe scores candidates so (api/recipe_score.c).
 */
#ifndef NQ_REPORT_COLUMN_PARTS_H
#define NQ_REPORT_COLUMN_PARTS_H

#include "report/split_parts.h"

/* Deepest chain of data moves and concatenations followed back from an
 * output (a real model's is a handful). */
#define NQ_COLUMN_PARTS_DEPTH 32

/* One entry per output of g: n_parts > 1 and part[] (per element, its column
 * group) where the output's last axis is such a concatenation reached through
 * RESHAPE / SQUEEZE / EXPAND_DIMS keeping the last axis and CONCATENATIONs
 * along other axes whose inputs all have the same column groups; n_parts 1
 * (no part[]) otherwise. pos[0] is the output itself; elem stays NULL. */
nq_status nq_output_column_parts(const nq_graph *g, nq_output_map *m, nq_error *err);

#endif
