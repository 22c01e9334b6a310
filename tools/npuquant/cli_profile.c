/* `run --profile` tables (see cli_profile.h). */
#include "cli_profile.h"

#include <stdlib.h>
#include <string.h>

typedef struct node_row {
  int node;
  double ms; /* per run */
  double macs;
  nq_node_info info;
  const char *kernel;
} node_row;

typedef struct op_row {
  const char *op;
  int nodes;
  double ms, macs;
} op_row;

static double tensor_elems(const nq_model *m, int t) {
  nq_tensor_info ti;
  nq_error err = {0};
  if (t < 0 || nq_model_tensor(m, t, &ti, &err) != NQ_OK) return 0.0;
  double n = 1.0;
  for (int d = 0; d < ti.rank; d++) n *= ti.shape[d] > 0 ? ti.shape[d] : 0;
  return n;
}

static int tensor_dim(const nq_model *m, int t, int d) {
  nq_tensor_info ti;
  nq_error err = {0};
  if (t < 0 || nq_model_tensor(m, t, &ti, &err) != NQ_OK || ti.rank < 1) return 0;
  if (d < 0) d += ti.rank;
  return d >= 0 && d < ti.rank ? ti.shape[d] : 0;
}

/* One output element of CONV_2D / FULLY_CONNECTED takes one filter row
 * (filter elements / output channels); DEPTHWISE_CONV_2D one tap per
 * window position (filter elements / channels); TRANSPOSE_CONV scatters
 * every input element into OC x KH x KW outputs. */
double cli_node_macs(const nq_model *m, int i) {
  nq_node_info nd;
  nq_error err = {0};
  if (nq_model_node(m, i, &nd, &err) != NQ_OK || nd.n_outputs < 1) return 0.0;
  const char *op = nd.op;
  double out = tensor_elems(m, nd.outputs[0]);
  if (!strcmp(op, "CONV_2D") || !strcmp(op, "FULLY_CONNECTED")) {
    if (nd.n_inputs < 2) return 0.0;
    int oc = tensor_dim(m, nd.inputs[1], 0);
    return oc > 0 ? out * (tensor_elems(m, nd.inputs[1]) / oc) : 0.0;
  }
  if (!strcmp(op, "DEPTHWISE_CONV_2D")) {
    if (nd.n_inputs < 2) return 0.0;
    int c = tensor_dim(m, nd.inputs[1], -1);
    return c > 0 ? out * (tensor_elems(m, nd.inputs[1]) / c) : 0.0;
  }
  if (!strcmp(op, "TRANSPOSE_CONV")) {
    if (nd.n_inputs < 3) return 0.0;
    int ic = tensor_dim(m, nd.inputs[1], -1);
    return ic > 0 ? tensor_elems(m, nd.inputs[2]) * (tensor_elems(m, nd.inputs[1]) / ic) : 0.0;
  }
  return 0.0;
}

static int by_ms_node(const void *a, const void *b) {
  const node_row *x = a, *y = b;
  return (x->ms < y->ms) - (x->ms > y->ms);
}

static int by_ms_op(const void *a, const void *b) {
  const op_row *x = a, *y = b;
  return (x->ms < y->ms) - (x->ms > y->ms);
}

static void print_gflops(FILE *f, double macs, double ms) {
  if (macs > 0 && ms > 0)
    fprintf(f, " %8.1f", 2.0 * macs / (ms * 1e6));
  else
    fprintf(f, " %8s", "");
}

nq_status cli_print_profile(FILE *f, const nq_model *m, const nq_session *s, int max_nodes, nq_error *err) {
  int n = nq_model_num_nodes(m);
  if (n <= 0) {
    fprintf(f, "profile: the model has no nodes\n");
    return NQ_OK;
  }
  node_row *rows = calloc((size_t)n, sizeof *rows);
  op_row *ops = calloc((size_t)n, sizeof *ops);
  if (!rows || !ops) {
    free(rows);
    free(ops);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the profile of %d nodes", n);
  }
  double total = 0.0;
  long runs = 0;
  int n_ops = 0;
  nq_status st = NQ_OK;
  for (int i = 0; i < n && st == NQ_OK; i++) {
    nq_node_time t;
    st = nq_session_node_time(s, i, &t, err);
    if (st == NQ_OK) st = nq_model_node(m, i, &rows[i].info, err);
    if (st != NQ_OK) break;
    runs = t.runs;
    rows[i].node = i;
    rows[i].ms = t.runs > 0 ? t.total_ms / (double)t.runs : 0.0;
    rows[i].kernel = t.kernel;
    rows[i].macs = cli_node_macs(m, i);
    total += rows[i].ms;
    int k = 0;
    while (k < n_ops && strcmp(ops[k].op, rows[i].info.op) != 0) k++;
    if (k == n_ops) ops[n_ops++].op = rows[i].info.op;
    ops[k].nodes++;
    ops[k].ms += rows[i].ms;
    ops[k].macs += rows[i].macs;
  }
  if (st == NQ_OK) {
    double share = total > 0 ? 100.0 / total : 0.0;
    fprintf(f, "profile: %.3f ms per run, summed over %d nodes, mean of %ld runs\n", total, n, runs);
    qsort(ops, (size_t)n_ops, sizeof *ops, by_ms_op);
    fprintf(f, "%-24s %6s %10s %7s %8s\n", "op", "nodes", "ms/run", "share", "GFLOP/s");
    for (int k = 0; k < n_ops; k++) {
      fprintf(f, "%-24s %6d %10.3f %6.1f%%", ops[k].op, ops[k].nodes, ops[k].ms, ops[k].ms * share);
      print_gflops(f, ops[k].macs, ops[k].ms);
      fputc('\n', f);
    }
    qsort(rows, (size_t)n, sizeof *rows, by_ms_node);
    int shown = n < max_nodes ? n : max_nodes;
    fprintf(f, "\n%6s %-20s %-9s %10s %7s %8s  %s\n", "node", "op", "kernel", "ms/run", "share", "GFLOP/s",
            "name");
    double rest = total;
    for (int k = 0; k < shown; k++) {
      const node_row *r = &rows[k];
      fprintf(f, "%6d %-20s %-9s %10.3f %6.1f%%", r->node, r->info.op, r->kernel, r->ms, r->ms * share);
      print_gflops(f, r->macs, r->ms);
      fprintf(f, "  %s\n", r->info.name ? r->info.name : "");
      rest -= r->ms;
    }
    if (shown < n)
      fprintf(f, "%6s %d more nodes: %.3f ms/run, %.1f%%\n", "...", n - shown, rest > 0 ? rest : 0.0,
              (rest > 0 ? rest : 0.0) * share);
  }
  free(rows);
  free(ops);
  return st;
}
